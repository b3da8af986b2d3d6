"""Reading what people and programs send: ISO dates, text fit to store, and JSON whose numbers
stay exact. The dialog, the API and the import all read through here, so each format is
defined once and no input, however odd, reaches the database as something it cannot store.
"""

import datetime
import json
import re
from decimal import Decimal

# `date.fromisoformat` alone also reads `20261101` and `2026-W44-1`; the contract is YYYY-MM-DD.
ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")

#: JSON nested deeper than this is refused: no format read here needs more than five levels.
MAX_JSON_DEPTH = 32
#: A JSON number longer than this is refused as a number: money columns hold 22 digits.
MAX_NUMBER_LENGTH = 40


def parse_iso_date(value: str) -> datetime.date:
    """`value` as a date written YYYY-MM-DD; `ValueError` with a message for the user."""
    if not ISO_DATE.fullmatch(value):
        raise ValueError("Write the date as YYYY-MM-DD, e.g. 2026-10-15.")
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{value} is not a date.") from None


def text_problem(value: str) -> str | None:
    """Why `value` cannot be stored as text, or None.

    PostgreSQL refuses the NUL character, and a lone surrogate (JSON's `"\\ud800"`) is no
    character at all: it cannot even be encoded as UTF-8.
    """
    if "\x00" in value:
        return "Text cannot contain the NUL character."
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "Text cannot contain a lone surrogate (an unpaired \\ud800 to \\udfff)."
    return None


class RefusedNumber:
    """A JSON number that is read but never taken as an amount: an exponent (`1e3`), `NaN`,
    `Infinity`, or more digits than money holds. It stands where the number was, so that the
    refusal can name that field."""

    def __init__(self, text: str):
        self.text = text

    def __repr__(self) -> str:
        return f"RefusedNumber({self.text!r})"


class JsonRefused(ValueError):
    """The bytes are not JSON this application reads; `path` says where (None: the whole)."""

    def __init__(self, message: str, path: str | None = None):
        super().__init__(f"{path}: {message}" if path else message)
        self.message = message
        self.path = path


class _Repeated(dict):
    """An object in which a key appears twice; `json` would silently keep the last value."""

    def __init__(self, pairs, repeated: str):
        super().__init__(pairs)
        self.repeated = repeated


def _object(pairs: list[tuple[str, object]]) -> dict:
    seen = set()
    for key, _ in pairs:
        if key in seen:
            return _Repeated(pairs, key)
        seen.add(key)
    return dict(pairs)


def _number(text: str) -> Decimal | RefusedNumber:
    if len(text) > MAX_NUMBER_LENGTH or "e" in text or "E" in text:
        return RefusedNumber(text)
    return Decimal(text)


def parse_json(raw: bytes) -> object:
    """The JSON value in `raw`, every number a `Decimal` (never a binary float) or a
    `RefusedNumber`. `JsonRefused` names the place of anything else: bytes that are not UTF-8,
    invalid JSON, a key given twice in one object (a gateway might read the first where this
    reads the last), or nesting deeper than `MAX_JSON_DEPTH`."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise JsonRefused(f"byte {error.start} is not UTF-8 ({error.reason}).") from None
    try:
        value = json.loads(
            text,
            parse_float=_number,
            parse_int=_number,
            parse_constant=RefusedNumber,
            object_pairs_hook=_object,
        )
    except json.JSONDecodeError as error:
        raise JsonRefused(
            f"not valid JSON at line {error.lineno}, column {error.colno}: {error.msg}."
        ) from None
    except RecursionError:
        raise JsonRefused(f"nested more than {MAX_JSON_DEPTH} levels deep.") from None
    _check_structure(value)
    return value


def json_path(location) -> str | None:
    """`("items", 0, "taxationItems", 1, "amount")` -> `items[0].taxationItems[1].amount`."""
    path = ""
    for part in location:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path or None


def _check_structure(value: object) -> None:
    # Iterative, so that checking the depth cannot itself run out of stack.
    stack: list[tuple[object, tuple]] = [(value, ())]
    while stack:
        node, location = stack.pop()
        if len(location) > MAX_JSON_DEPTH:
            raise JsonRefused(
                f"nested more than {MAX_JSON_DEPTH} levels deep.", json_path(location)
            )
        if isinstance(node, _Repeated):
            raise JsonRefused(
                "this key appears more than once in its object; send it once.",
                json_path((*location, node.repeated)),
            )
        if isinstance(node, dict):
            stack.extend((child, (*location, key)) for key, child in node.items())
        elif isinstance(node, list):
            stack.extend((child, (*location, index)) for index, child in enumerate(node))
