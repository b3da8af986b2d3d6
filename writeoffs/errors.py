"""Why a write-off is refused: one enumeration of stable codes (SPEC Q7), and the problem that
carries one.

The service raises these codes, the dialog shows their messages next to the field or line they
name, and the API sends them as `reasons[].code`; scripts may rely on them. A message speaks of
the domain only: a surface that wants to point at its own controls adds a hint by code.
"""

from dataclasses import dataclass
from enum import StrEnum


class WriteOffErrorCode(StrEnum):
    # The document (SPEC W1, W9).
    NOT_POSTED = "not_posted"
    NO_BALANCE = "no_balance"
    TOO_MANY_LINES = "too_many_lines"
    DOCUMENT_CHANGED = "document_changed"

    # What was sent could not be read as the value it stands for.
    REQUIRED = "required"
    INVALID_DATE = "invalid_date"
    INVALID_AMOUNT = "invalid_amount"
    INVALID_TEXT = "invalid_text"
    INVALID_CHOICE = "invalid_choice"
    INVALID_ID = "invalid_id"
    WRONG_TYPE = "wrong_type"
    TOO_SHORT = "too_short"
    REPEATED_FIELD = "repeated_field"
    UNKNOWN_REASON_CODE = "unknown_reason_code"
    UNKNOWN_ACCOUNTING_CODE = "unknown_accounting_code"

    # The write-off's own fields (W2 to W5).
    DATE_BEFORE_DOCUMENT = "date_before_document"
    DATE_IN_FUTURE = "date_in_future"
    INACTIVE = "inactive"
    COMMENT_TOO_LONG = "comment_too_long"
    NOT_APPLICABLE = "not_applicable"
    ENHANCED_WRITE_OFF_OFF = "enhanced_write_off_off"
    INVALID_ACCOUNTING_CODE = "invalid_accounting_code"

    # The lines and the total (W6 to W8, W13).
    UNKNOWN_LINE = "unknown_line"
    DUPLICATE_LINE = "duplicate_line"
    NOT_AN_INVOICE_ITEM = "not_an_invoice_item"
    NOT_A_TAXATION_ITEM = "not_a_taxation_item"
    TAXATION_ITEM_OF_ANOTHER_ITEM = "taxation_item_of_another_item"
    LINES_AND_FULL_BALANCE = "lines_and_full_balance"
    WRONG_SIGN = "wrong_sign"
    ABOVE_LINE_BALANCE = "above_line_balance"
    LINE_HAS_NO_BALANCE = "line_has_no_balance"
    TOTAL_NOT_POSITIVE = "total_not_positive"
    TOTAL_ABOVE_BALANCE = "total_above_balance"
    LEAVES_LINES_OPEN = "leaves_lines_open"

    # A reversal (SPEC D2).
    ALREADY_REVERSED = "already_reversed"
    DATE_BEFORE_MEMO = "date_before_memo"
    #: The API's `applyEffectiveDate` names another day than the reversal date.
    APPLY_DATE_NOT_REVERSAL_DATE = "apply_date_not_reversal_date"

    # The key that makes a repeat harmless (W12, C8).
    INVALID_REQUEST_KEY = "invalid_request_key"
    REQUEST_KEY_REUSED = "request_key_reused"
    IDEMPOTENCY_KEY_REUSED = "idempotency_key_reused"
    INVALID_IDEMPOTENCY_KEY = "invalid_idempotency_key"
    REQUEST_IN_PROGRESS = "request_in_progress"

    # The request as a whole (API).
    INVALID_JSON = "invalid_json"
    BODY_TOO_LARGE = "body_too_large"
    NOT_AUTHENTICATED = "not_authenticated"
    INVALID_TOKEN = "invalid_token"
    PERMISSION_DENIED = "permission_denied"
    NOT_FOUND = "not_found"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a proposed write-off.

    `field` is where it is: `document`, `memo_date`, `reason_code`, `comment`,
    `revenue_impacting`, `accounting_code`, `lines` (the lines as a whole), `lines[<i>]` (the
    i-th line amount given), `total`, or `request_key`; for a reversal also `memo` (the credit
    memo itself), `reversal_date` and, from the API, `apply_effective_date`.
    """

    field: str
    code: WriteOffErrorCode
    message: str


def line_field(index: int) -> str:
    """Where a problem of the `index`-th line amount of a proposal is reported."""
    return f"lines[{index}]"


def named(name: object) -> str:
    """A name (a line's description, a reason code's) as a message writes it: between Unicode's
    FIRST STRONG ISOLATE and POP DIRECTIONAL ISOLATE, the `<bdi>` of plain text. A name
    written right to left, or holding a direction control such as U+202E, then cannot reorder
    or turn round the words of the message around it."""
    return f"\u2068{name}\u2069"
