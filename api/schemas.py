"""The API's JSON, named as in Zuora's REST API: the write-off and reversal requests and every
response.

A request body is read by `read_request`, not by django-ninja, so that JSON numbers
become exact `Decimal`s: `json` hands each number's literal text to a `Decimal`, never through a
binary float (Zuora's own SDK sends amounts as JSON numbers). Amounts may also be strings.
"""

import re
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PlainValidator,
    ValidationError,
    WithJsonSchema,
)
from pydantic_core import PydanticCustomError

from api.errors import ApiError, Code, Reason, shape_reasons
from billing.models import LineItem
from billing.money import MoneyError, parse_amount, quantum
from billing.parsing import JsonRefused, RefusedNumber, parse_iso_date, parse_json, text_problem
from writeoffs.models import MAX_COMMENT_LENGTH


def read_json(body: bytes):
    """The body as Python values, every JSON number a `Decimal` or a `RefusedNumber`; 400
    naming the place when it is not JSON this API reads (a key twice included)."""
    try:
        return parse_json(body)
    except JsonRefused as refused:
        message = f"The body is not JSON this API reads: {refused.message}"
        raise ApiError(400, Reason(Code.INVALID_JSON, message, refused.path)) from None


def _refuse(code: str, message: str) -> PydanticCustomError:
    # The message goes in as context so that braces in it are never read as a template.
    return PydanticCustomError(code, "{message}", {"message": message})


def _amount(value) -> Decimal:
    if isinstance(value, RefusedNumber):
        shown = value.text if len(value.text) <= 24 else f"{value.text[:24]}…"
        raise _refuse(
            Code.INVALID_AMOUNT,
            f"{shown} is not an amount: send a plain decimal such as 1234.56, with no exponent, "
            "NaN or Infinity.",
        )
    if isinstance(value, str):
        try:
            value = parse_amount(value)
        except MoneyError as error:
            raise _refuse(Code.INVALID_AMOUNT, str(error)) from None
    elif not isinstance(value, Decimal):
        message = 'Send the amount as a number or a string such as "12.50".'
        raise _refuse(Code.INVALID_AMOUNT, message)
    return value


_DIGITS = re.compile(r"[0-9]{1,18}")


def _line_id(value) -> int:
    if isinstance(value, str) and _DIGITS.fullmatch(value):
        return int(value)
    raise _refuse(
        Code.INVALID_ID,
        "Send the line's id as a string of digits, as the document's lines[].id shows it.",
    )


def _text(value: str) -> str:
    if problem := text_problem(value):
        raise _refuse(Code.INVALID_TEXT, problem)
    return value


def _memo_date(value) -> date:
    if not isinstance(value, str):
        raise _refuse(Code.INVALID_DATE, "Send the date as a string YYYY-MM-DD, e.g. 2026-10-15.")
    try:
        return parse_iso_date(value)
    except ValueError as error:
        raise _refuse(Code.INVALID_DATE, str(error)) from None


Amount = Annotated[
    Decimal,
    PlainValidator(_amount),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "number"},
                {"type": "string", "pattern": r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)$"},
            ],
            "description": "A plain decimal, as a JSON number or a string; no exponent.",
            "examples": ["10.00"],
        }
    ),
]
LineId = Annotated[
    int,
    PlainValidator(_line_id),
    WithJsonSchema({"type": "string", "pattern": "^[0-9]{1,18}$", "examples": ["1"]}),
]
MemoDate = Annotated[
    date, PlainValidator(_memo_date), WithJsonSchema({"type": "string", "format": "date"})
]
Text = Annotated[str, AfterValidator(_text)]


class _Request(BaseModel):
    # Strict: `5` is not a string and `"Yes"` only ever means "Yes". Unknown fields (Zuora has
    # many this application does not use) are ignored.
    model_config = ConfigDict(strict=True)


class TaxationItemRequest(_Request):
    taxationItemId: LineId = Field(description="A tax or discount-tax line of the item.")
    amount: Amount = Field(Decimal(0), description="Left out: zero.")


class WriteOffItem(_Request):
    """An `items[]` entry: a charge or discount line with its own tax lines. Each kind of
    document names the line's id as Zuora does, by an alias in its subclass."""

    line_id: LineId
    amountWithoutTax: Amount = Field(Decimal(0), description="Left out: zero.")
    taxationItems: list[TaxationItemRequest] = Field(
        default_factory=list, description="The item's own tax lines to write off."
    )

    @classmethod
    def line_id_name(cls) -> str:
        """The line id's name in the JSON: `invoiceItemId` or `debitMemoItemId`."""
        return cls.model_fields["line_id"].alias


class WriteOffInvoiceItem(WriteOffItem):
    line_id: LineId = Field(
        alias="invoiceItemId", description="A charge or discount line of the invoice."
    )


class WriteOffDebitMemoItem(WriteOffItem):
    line_id: LineId = Field(
        alias="debitMemoItemId", description="A charge or discount line of the debit memo."
    )


class WriteOffRequest[Item: WriteOffItem](_Request):
    memoDate: MemoDate | None = Field(
        None, description="Left out: today, or the document date when that is later."
    )
    reasonCode: Text | None = Field(None, description="Left out or empty: the default reason.")
    comment: Text | None = Field(None, description=f"At most {MAX_COMMENT_LENGTH} characters.")
    revenueImpacting: Literal["Yes", "No"] = "Yes"
    nonRevenueWriteOffAccountingCode: Text | None = Field(
        None, description="Required when revenueImpacting is No: a BadDebt or OtherExpenses code."
    )
    items: list[Item] = Field(
        None,
        min_length=1,
        description="The amount to write off per line; lines left out are not written off. "
        "Left out altogether: every line's whole balance.",
    )


# Named as Zuora's SDK names them.
class WriteOffInvoiceRequest(WriteOffRequest[WriteOffInvoiceItem]):
    pass


class WriteOffDebitMemoRequest(WriteOffRequest[WriteOffDebitMemoItem]):
    pass


class ReverseCreditMemoRequest(_Request):
    """Zuora's `ReverseCreditMemoRequest`. The memo is unapplied from its document and applied
    to the reversing debit memo in one step, on the reversal date: `applyEffectiveDate` can
    only name that day."""

    memoDate: MemoDate | None = Field(
        None,
        description="The reversal date, which is the reversing debit memo's date: not before "
        "the credit memo's date, not in the future. Left out: today, or the credit memo's "
        "date when that is later.",
    )
    applyEffectiveDate: MemoDate | None = Field(
        None,
        description="When the credit memo is applied to the reversing debit memo. That happens "
        "on the reversal date, so when sent it must be that date (memoDate, or its default).",
    )
    reasonCode: Text | None = Field(None, description="Left out or empty: the default reason.")
    comment: Text | None = Field(None, description=f"At most {MAX_COMMENT_LENGTH} characters.")


def read_request[Request: _Request](body: bytes, model: type[Request]) -> Request:
    """The body read as `model`, or `ApiError(400)` naming each field that cannot be read.

    An empty body asks for the defaults (a write-off: the full balance, today, the default
    reason; a reversal: today, the default reason)."""
    data = read_json(body) if body.strip() else {}
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise ApiError(400, *shape_reasons(error.errors(include_url=False))) from None


def read_write_off_request(body: bytes, model: type[WriteOffRequest]) -> WriteOffRequest:
    """The body of a write-off read as `model` (`read_request`)."""
    return read_request(body, model)


# Responses. Amounts are decimal strings with the currency's digits; ids are strings, as in Zuora.

DecimalString = Annotated[str, Field(pattern=r"^-?[0-9]+(\.[0-9]+)?$", examples=["10.00"])]


class ReasonOut(BaseModel):
    code: str = Field(description="Stable: scripts may rely on it.")
    message: str
    field: str | None = Field(description="The JSON path of the field, e.g. items[0].amount.")


class RefusalOut(BaseModel):
    success: Literal[False]
    reasons: list[ReasonOut]


class CreditMemoRefOut(BaseModel):
    id: str
    number: str
    amount: DecimalString


class WriteOffOut(BaseModel):
    success: Literal[True]
    creditMemo: CreditMemoRefOut


class DebitMemoRefOut(BaseModel):
    id: str = Field(description="As `GET /debitmemos/{number}` shows it.")
    number: str
    amount: DecimalString


class ReverseCreditMemoOut(BaseModel):
    """Zuora's `ReverseCreditMemoResponse`."""

    success: Literal[True]
    creditMemo: CreditMemoRefOut = Field(description="The credit memo that was reversed.")
    debitMemo: DebitMemoRefOut = Field(
        description="The debit memo that reverses it, settled by it (balance zero)."
    )


class LineOut(BaseModel):
    id: str
    kind: LineItem.Kind
    parentId: str | None
    description: str
    serviceStartDate: date | None
    serviceEndDate: date | None
    amount: DecimalString
    balance: DecimalString


class DocumentOut(BaseModel):
    """A billing document with its lines. Each kind names its number and date as Zuora does,
    by aliases in its subclass; `document_body` fills the fields by their own names."""

    model_config = ConfigDict(validate_by_name=True)

    success: Literal[True]
    id: str
    number: str
    accountNumber: str
    accountName: str
    currency: str
    documentDate: date
    dueDate: date
    status: str
    amount: DecimalString
    balance: DecimalString
    lines: list[LineOut]


class InvoiceOut(DocumentOut):
    number: str = Field(alias="invoiceNumber")
    documentDate: date = Field(alias="invoiceDate")


class DebitMemoOut(DocumentOut):
    documentDate: date = Field(alias="debitMemoDate")


class CreditMemoItemOut(BaseModel):
    id: str
    sourceItemId: str
    sourceItemKind: LineItem.Kind
    description: str
    amount: DecimalString
    accountingCode: str


class CreditMemoOut(BaseModel):
    success: Literal[True]
    id: str
    number: str
    invoiceNumber: str | None = Field(
        description="The invoice the memo is applied to; null when it is applied to a debit memo."
    )
    debitMemoNumber: str | None = Field(
        description="The debit memo the memo is applied to; null when it is applied to an invoice."
    )
    memoDate: date
    reasonCode: str
    comment: str
    revenueImpacting: Literal["Yes", "No"]
    status: Literal["Posted", "Reversed"]
    currency: str
    amount: DecimalString
    createdBy: str
    createdAt: datetime
    # The reversal (SPEC D2): Zuora's `reversed`, and the rest null while it is not reversed.
    reversed: bool = Field(description="Whether the write-off was reversed (status Reversed).")
    reversingDebitMemoId: str | None = Field(
        description="The debit memo that reversed the memo, as `GET /debitmemos/{number}` "
        "shows its id."
    )
    reversingDebitMemoNumber: str | None
    reversalDate: date | None = Field(description="The reversing debit memo's date.")
    reversalReasonCode: str | None
    reversalComment: str | None
    reversedBy: str | None = Field(description="Who reversed it (a username).")
    reversedAt: datetime | None
    items: list[CreditMemoItemOut]


def decimal_string(amount: Decimal, currency: str) -> str:
    exact = amount.quantize(quantum(currency))
    return str(exact if exact else abs(exact))


def _yes_no(flag: bool) -> str:
    return "Yes" if flag else "No"


def document_body(document, lines: list[LineItem]) -> dict:
    """The fields of `DocumentOut`, by their own names (the kind's model names them)."""
    currency = document.currency
    return {
        "success": True,
        "id": str(document.pk),
        "number": document.number,
        "accountNumber": document.account.number,
        "accountName": document.account.name,
        "currency": currency,
        "documentDate": document.date,
        "dueDate": document.due_date,
        "status": document.status,
        "amount": decimal_string(document.amount, currency),
        "balance": decimal_string(document.balance, currency),
        "lines": [
            {
                "id": str(line.pk),
                "kind": line.kind,
                "parentId": str(line.parent_id) if line.parent_id else None,
                "description": line.description,
                "serviceStartDate": line.service_start,
                "serviceEndDate": line.service_end,
                "amount": decimal_string(line.amount, currency),
                "balance": decimal_string(line.balance, currency),
            }
            for line in lines
        ],
    }


def write_off_body(memo) -> dict:
    return {
        "success": True,
        "creditMemo": {
            "id": str(memo.pk),
            "number": memo.number,
            "amount": decimal_string(memo.total, memo.document.currency),
        },
    }


def credit_memo_body(memo, items, *, applied_to: str) -> dict:
    """`applied_to` is the field that names the memo's document by its kind (`invoiceNumber`,
    `debitMemoNumber`); the other one is null."""
    currency = memo.document.currency
    return {
        "success": True,
        "id": str(memo.pk),
        "number": memo.number,
        "invoiceNumber": None,
        "debitMemoNumber": None,
        applied_to: memo.document.number,
        "memoDate": memo.memo_date,
        "reasonCode": memo.reason_code.name,
        "comment": memo.comment,
        "revenueImpacting": _yes_no(memo.revenue_impacting),
        "status": memo.status,
        "currency": currency,
        "amount": decimal_string(memo.total, currency),
        "createdBy": memo.created_by.get_username(),
        "createdAt": memo.created_at,
        **_reversal(memo),
        "items": [
            {
                "id": str(item.pk),
                "sourceItemId": str(item.source_line_id),
                "sourceItemKind": item.source_line.kind,
                "description": item.source_line.description,
                "amount": decimal_string(item.amount, currency),
                "accountingCode": item.accounting_code.code,
            }
            for item in items
        ],
    }


def _reversal(memo) -> dict:
    """The reversal's fields of `CreditMemoOut`: null, and `reversed` false, until it is."""
    if not memo.is_reversed:
        return {
            "reversed": False,
            "reversingDebitMemoId": None,
            "reversingDebitMemoNumber": None,
            "reversalDate": None,
            "reversalReasonCode": None,
            "reversalComment": None,
            "reversedBy": None,
            "reversedAt": None,
        }
    return {
        "reversed": True,
        "reversingDebitMemoId": str(memo.reversing_debit_memo_id),
        "reversingDebitMemoNumber": memo.reversing_debit_memo.number,
        "reversalDate": memo.reversal_date,
        "reversalReasonCode": memo.reversal_reason_code.name,
        "reversalComment": memo.reversal_comment,
        "reversedBy": memo.reversed_by.get_username(),
        "reversedAt": memo.reversed_at,
    }


def reverse_body(memo, debit_memo) -> dict:
    """`ReverseCreditMemoOut`: the reversed memo and the debit memo that reverses it."""
    currency = debit_memo.currency
    return {
        "success": True,
        "creditMemo": {
            "id": str(memo.pk),
            "number": memo.number,
            "amount": decimal_string(memo.total, currency),
        },
        "debitMemo": {
            "id": str(debit_memo.pk),
            "number": debit_memo.number,
            "amount": decimal_string(debit_memo.amount, currency),
        },
    }
