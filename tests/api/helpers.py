"""Small helpers shared by the API tests, and the kinds of billing document they are run for."""

from dataclasses import dataclass

from tests.factories import DebitMemoFactory, InvoiceFactory, invoice_with_all_kinds


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def reasons(response) -> list[tuple[str, str | None]]:
    """The refusal's (code, field) pairs."""
    body = response.json()
    assert body["success"] is False
    return [(reason["code"], reason["field"]) for reason in body["reasons"]]


@dataclass(frozen=True)
class Kind:
    """One kind of billing document as a script meets it in the API (SPEC C8, D1): its path
    and the name of an item's line id in a write-off."""

    segment: str
    item_id: str
    factory: type[InvoiceFactory]
    prefix: str

    def __str__(self) -> str:
        return self.segment

    def number(self, n: int = 101) -> str:
        return f"{self.prefix}{n:08d}"

    def path(self, number: str) -> str:
        return f"/api/v1/{self.segment}/{number}"

    def write_off_path(self, number: str) -> str:
        return f"{self.path(number)}/write-off"

    def with_all_kinds(self, n: int = 101, **kwargs):
        """The SPEC C7 example as a document of this kind: (document, charge, tax, discount,
        discount tax)."""
        return invoice_with_all_kinds(
            number=self.number(n), document_factory=self.factory, **kwargs
        )


INVOICE = Kind("invoices", "invoiceItemId", InvoiceFactory, "INV")
DEBIT_MEMO = Kind("debitmemos", "debitMemoItemId", DebitMemoFactory, "DM")
KINDS = [INVOICE, DEBIT_MEMO]


def write_off_path(number: str) -> str:
    return INVOICE.write_off_path(number)


def reverse_path(number: str) -> str:
    """Where a credit memo is reversed (SPEC D2)."""
    return f"/api/v1/credit-memos/{number}/reverse"
