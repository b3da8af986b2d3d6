"""Refusals as the API sends them: `{"success": false, "reasons": [{code, message, field}]}`.

Status codes, one scheme throughout:
400 the request cannot be read (not JSON, a wrong type, an amount or date in the wrong format);
401 no valid bearer token; 403 the token's user lacks the permission; 404 no such document;
409 a request with the same `Idempotency-Key` is still running; 422 the request was read but
breaks a write-off rule (or reuses an `Idempotency-Key` with another body).
"""

from dataclasses import asdict, dataclass

from pydantic_core import ErrorDetails


@dataclass(frozen=True)
class Reason:
    code: str
    message: str
    field: str | None = None


class ApiError(Exception):
    def __init__(self, status: int, *reasons: Reason):
        super().__init__(status, reasons)
        self.status = status
        self.reasons = reasons

    def body(self) -> dict:
        return {"success": False, "reasons": [asdict(reason) for reason in self.reasons]}


def json_path(location) -> str | None:
    """`("items", 0, "taxationItems", 1, "amount")` -> `items[0].taxationItems[1].amount`."""
    path = ""
    for part in location:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else part
    return path or None


# pydantic's own error types, renamed to this API's codes; custom errors keep their type.
_SHAPE_CODES = {
    "missing": "required",
    "literal_error": "invalid_choice",
    "string_type": "wrong_type",
    "list_type": "wrong_type",
    "model_type": "wrong_type",
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
            _SHAPE_CODES.get(error["type"], error["type"]),
            _SHAPE_MESSAGES.get(error["type"], error["msg"]),
            json_path(error["loc"]),
        )
        for error in errors
    ]
