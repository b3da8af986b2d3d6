"""Refusals as the API sends them: `{"success": false, "reasons": [{code, message, field}]}`.

The codes are the write-off's own enumeration (`writeoffs.errors.WriteOffErrorCode`), shared
with the dialog. Status codes, one scheme throughout:
400 the request cannot be read (not JSON, a key twice, a wrong type, an amount or date in the
wrong format); 401 no valid bearer token; 403 the token's user lacks the permission; 404 no
such document; 409 a request with the same `Idempotency-Key` is still running; 422 the request
was read but breaks a write-off rule (or reuses an `Idempotency-Key` with another body).
"""

from dataclasses import dataclass

from pydantic_core import ErrorDetails

from billing.parsing import json_path
from writeoffs.errors import WriteOffErrorCode

Code = WriteOffErrorCode


@dataclass(frozen=True)
class Reason:
    code: WriteOffErrorCode
    message: str
    field: str | None = None


class ApiError(Exception):
    def __init__(self, status: int, *reasons: Reason):
        super().__init__(status, reasons)
        self.status = status
        self.reasons = reasons

    def body(self) -> dict:
        return {
            "success": False,
            "reasons": [
                {"code": reason.code.value, "message": reason.message, "field": reason.field}
                for reason in self.reasons
            ],
        }


# pydantic's own error types, as this API names them; custom errors carry a code already.
_SHAPE_CODES = {
    "missing": Code.REQUIRED,
    "literal_error": Code.INVALID_CHOICE,
    "too_short": Code.TOO_SHORT,
}
# Clearer words than pydantic's for these; `too_short` can only be an empty `items`.
_SHAPE_MESSAGES = {
    "model_type": "Send a JSON object here.",
    "too_short": "Send at least one item, or leave items out to write off the whole balance.",
}


def shape_reasons(errors: list[ErrorDetails]) -> list[Reason]:
    """The reasons for a body whose shape or formats are wrong (pydantic's errors)."""
    return [
        Reason(
            _shape_code(error["type"]),
            _SHAPE_MESSAGES.get(error["type"], error["msg"]),
            json_path(error["loc"]),
        )
        for error in errors
    ]


def _shape_code(pydantic_type: str) -> WriteOffErrorCode:
    if pydantic_type in Code:
        return Code(pydantic_type)
    # Every other type pydantic reports is a value of the wrong JSON type.
    return _SHAPE_CODES.get(pydantic_type, Code.WRONG_TYPE)
