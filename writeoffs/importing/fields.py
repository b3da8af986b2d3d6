"""Reading one field of the parsed C7 JSON at a time, each problem recorded with its JSON path."""

import datetime
import re
from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal
from functools import cache

from billing.money import (
    DECIMAL_PLACES,
    MAX_DIGITS,
    MoneyError,
    minor_units,
    parse_amount,
    to_currency,
)
from billing.parsing import JsonArray, RefusedNumber, parse_iso_date, text_problem

#: Problems listed in a refusal; past these, only their number is given.
MAX_PROBLEMS = 1000

# Every amount and every document total must fit the money columns.
MAX_AMOUNT = Decimal(10) ** (MAX_DIGITS - DECIMAL_PLACES)


@cache
def _exact_amount(currency: str) -> re.Pattern | None:
    """The amounts in `currency` that `Reader.amount` takes as they are written: an optional
    minus, fewer digits before the point than `MAX_AMOUNT` has, and exactly the currency's
    decimals. Nearly every amount of a file is one; `to_currency` would not change it (but
    for the sign of zero), so it is read with one match and no rounding check. None for a
    code that is no currency."""
    try:
        places = minor_units(currency)
    except MoneyError:
        return None
    decimals = rf"\.[0-9]{{{places}}}" if places else ""
    return re.compile(rf"-?[0-9]{{1,{MAX_DIGITS - DECIMAL_PLACES}}}{decimals}")


def _plain_decimal(text: str) -> Decimal | None:
    """`text` as a decimal, or None for anything else: blank, text, exponents, NaN."""
    if not text.strip():
        return None  # parse_amount reads a blank as zero, as a clerk means it; a file does not
    try:
        return parse_amount(text)
    except MoneyError:
        return None


def _shown(text: str, limit: int = 40) -> str:
    """`text` as a problem may quote it: at most `limit` characters, anything unprintable (a
    NUL, a lone surrogate, a line break) written as its escape, so a report stays one line."""
    shown = "".join(c if c.isprintable() else repr(c)[1:-1] for c in text[:limit])
    return f"{shown}…" if len(text) > limit else shown


def _number_text(value: object) -> str | None:
    """`value` as written if it is a JSON number, else None. `parse_json` reads `1e2`, `NaN` and
    numbers longer than money holds as `RefusedNumber`: in an amount they are numbers all the
    same, and refused as such."""
    if isinstance(value, RefusedNumber):
        return value.text
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return str(value)
    return None


def _text_problem(value: object, max_length: int, required: bool) -> str | None:
    """Why `value` is not a text the file may give, or None."""
    if value is None:
        return "is missing" if required else None
    if not isinstance(value, str) or not value.strip():
        return "must be a non-empty string"
    if problem := text_problem(value):
        return problem
    if max_length and len(value) > max_length:
        return f"has {len(value)} characters; at most {max_length} are allowed"
    return None


class Reader:
    """Reads values out of the parsed JSON, recording each problem with its JSON path: the
    first `MAX_PROBLEMS`, and how many more there were."""

    def __init__(self):
        self.problems: list[str] = []
        self.more = 0

    def problem(self, path: str, message: str) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(f"{path}: {message}")
        else:
            self.more += 1

    def take(self) -> tuple[list[str], int]:
        """The problems recorded since the last take (and how many more), forgotten here."""
        taken = self.problems, self.more
        self.problems, self.more = [], 0
        return taken

    def add(self, problems: list[str], more: int) -> None:
        """Record problems another reader took, in their order."""
        room = MAX_PROBLEMS - len(self.problems)
        self.problems += problems[:room]
        self.more += more + len(problems[room:])

    def only(self, path: str, message: str) -> None:
        """Make this the one problem: the file is not what the other problems speak of."""
        self.problems, self.more = [], 0
        self.problem(path, message)

    def objects(self, value: object, path: str) -> Iterable[tuple[str, dict]]:
        """The objects of the JSON list `value`, each with its path; those of an array that is
        being streamed one at a time, as they are read."""
        objects = self.indexed_objects(value, path)
        if isinstance(objects, list):
            return [(item_path, item) for _, item_path, item in objects]
        return ((item_path, item) for _, item_path, item in objects)

    def indexed_objects(self, value: object, path: str) -> Iterable[tuple[int, str, dict]]:
        """`objects`, each with its index in the list first."""
        if isinstance(value, JsonArray):
            return self._objects(value, path)
        if not isinstance(value, list):
            self.problem(path, "must be a list")
            return []
        return list(self._objects(value, path))

    def _objects(self, items: Iterable, path: str) -> Iterator[tuple[int, str, dict]]:
        for index, item in enumerate(items):
            if isinstance(item, dict):
                yield index, f"{path}[{index}]", item
            else:
                self.problem(f"{path}[{index}]", "must be an object")

    def text(
        self, obj: dict, key: str, path: str, *, max_length: int = 0, required: bool = True
    ) -> str | None:
        value = obj.get(key)
        # Most text is short ASCII, which holds no lone surrogate: told apart here without the
        # calls `_text_problem` makes, as a file has some twenty texts in each document.
        if (
            value.__class__ is str
            and value.isascii()
            and "\x00" not in value
            and (not max_length or len(value) <= max_length)
            and value.strip()
        ):
            return value
        if problem := _text_problem(value, max_length, required):
            self.problem(f"{path}.{key}", problem)
            return None
        return value

    def choice(self, obj: dict, key: str, path: str, choices: list[str]) -> str | None:
        value = obj.get(key)
        if isinstance(value, str) and value in choices:
            return value
        choices = ", ".join(choices)
        if value is None:
            self.problem(f"{path}.{key}", f"is missing (one of {choices})")
        elif isinstance(value, str):
            self.problem(f"{path}.{key}", f'"{_shown(value)}" is not one of {choices}')
        else:
            self.problem(f"{path}.{key}", f"must be one of {choices}")
        return None

    def flag(self, obj: dict, key: str, path: str, *, default: bool) -> bool:
        value = obj.get(key, default)
        if not isinstance(value, bool):
            self.problem(f"{path}.{key}", "must be true or false")
            return default
        return value

    def date(
        self, obj: dict, key: str, path: str, *, required: bool = True
    ) -> datetime.date | None:
        value = obj.get(key)
        if value is None:
            if required:
                self.problem(f"{path}.{key}", "is missing")
            return None
        if not isinstance(value, str):
            self.problem(f"{path}.{key}", "must be a date written YYYY-MM-DD")
            return None
        try:
            return parse_iso_date(value)
        except ValueError as error:
            self.problem(f"{path}.{key}", str(error))
            return None

    def amount(self, obj: dict, key: str, path: str, currency: str | None) -> Decimal | None:
        """An exact amount in `currency` (when that is known) from a decimal string."""
        value = obj.get(key)
        if (
            value.__class__ is str
            and currency
            and (exact := _exact_amount(currency))
            and exact.fullmatch(value)
        ):
            amount = Decimal(value)
            return amount if amount else abs(amount)  # `-0.00` is zero, as `to_currency` says
        if (number := _number_text(value)) is not None:
            self.problem(
                f"{path}.{key}",
                f'write the amount as a string ("{_shown(number)}"), not a JSON number',
            )
            return None
        if not isinstance(value, str):
            problem = "is missing" if value is None else "must be a decimal string"
            self.problem(f"{path}.{key}", problem)
            return None
        amount = _plain_decimal(value)
        if amount is None or abs(amount) >= MAX_AMOUNT:
            self.problem(
                f"{path}.{key}",
                f'must be a plain decimal string such as "12.50", not "{_shown(value)}"',
            )
            return None
        try:
            return to_currency(amount, currency) if currency else amount
        except MoneyError as error:
            self.problem(f"{path}.{key}", str(error))
            return None

    def unique(
        self,
        seen: dict[str, object],
        value: str | None,
        path: str,
        first: object = None,
        where: Callable[[object], str] = str,
    ) -> bool:
        """Whether `value` is new to `seen`; a repeat is a problem. `seen` keeps, for each
        value, `first` (by default `path`), which `where` turns back into the path named."""
        if value is None:
            return False
        if value in seen:
            self.problem(path, f'"{value}" appears already at {where(seen[value])}')
            return False
        seen[value] = path if first is None else first
        return True
