"""The kinds of billing document the API serves, each named as Zuora's REST API names it: its
path, its write-off request (whose items carry `invoiceItemId` or `debitMemoItemId`) and its
response. Everything else about them is one implementation."""

from dataclasses import dataclass

from api.schemas import (
    DebitMemoOut,
    DocumentOut,
    InvoiceOut,
    WriteOffDebitMemoRequest,
    WriteOffInvoiceRequest,
    WriteOffRequest,
)
from billing.models import DEBIT_MEMOS, INVOICES, BillingDocument, DocumentKind


@dataclass(frozen=True)
class ApiKind:
    kind: DocumentKind
    #: Zuora's name of the object, which its paths, operation ids and fields are made from.
    name: str
    #: With its article, for summaries: "an invoice".
    called: str
    request: type[WriteOffRequest]
    response: type[DocumentOut]
    #: Other path segments a document is also read under: Zuora's SDK reads a debit memo at
    #: `/v1/debit-memos/{key}`, while it writes one off at `/v1/debitmemos/{key}/write-off`.
    read_aliases: tuple[str, ...] = ()

    @property
    def segment(self) -> str:
        """The path segment, as in Zuora's `/v1/invoices/{key}/write-off` and
        `/v1/debitmemos/{key}/write-off`."""
        return f"{self.name.lower()}s"

    @property
    def reference(self) -> str:
        """The field of a credit memo that names the document it is applied to:
        `invoiceNumber`, `debitMemoNumber`."""
        return f"{self.name[0].lower()}{self.name[1:]}Number"

    @property
    def noun(self) -> str:
        return self.kind.name.lower()


INVOICE_API = ApiKind(INVOICES, "Invoice", "an invoice", WriteOffInvoiceRequest, InvoiceOut)
DEBIT_MEMO_API = ApiKind(
    DEBIT_MEMOS,
    "DebitMemo",
    "a debit memo",
    WriteOffDebitMemoRequest,
    DebitMemoOut,
    ("debit-memos",),
)
API_KINDS = (INVOICE_API, DEBIT_MEMO_API)


def api_kind(document: BillingDocument) -> ApiKind:
    return next(kind for kind in API_KINDS if kind.kind.type == document.type)
