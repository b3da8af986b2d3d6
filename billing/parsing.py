"""Reading what people and programs send: ISO dates, text fit to store, and JSON whose numbers
stay exact. The dialog, the API and the import all read through here, so each format is
defined once and no input, however odd, reaches the database as something it cannot store.
`json_members` reads a large file (the import's) a piece at a time, with the same results.
"""

import codecs
import datetime
import itertools
import json
import re
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import BinaryIO, NoReturn

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
    if value.isascii():  # most text is, and ASCII holds no surrogate: no need to encode it
        return None
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
    obj = dict(pairs)
    if len(obj) < len(pairs):
        return _Repeated(pairs, _first_repeated(key for key, _ in pairs))
    return obj


def _first_repeated(keys: Iterator[str]) -> str | None:
    seen = set()
    for key in keys:
        if key in seen:
            return key
        seen.add(key)
    return None


def _number(text: str) -> Decimal | RefusedNumber:
    if len(text) > MAX_NUMBER_LENGTH or "e" in text or "E" in text:
        return RefusedNumber(text)
    return Decimal(text)


_HOOKS = {
    "parse_float": _number,
    "parse_int": _number,
    "parse_constant": RefusedNumber,
    "object_pairs_hook": _object,
}


def _invalid(message: str, line: int, column: int) -> JsonRefused:
    return JsonRefused(f"not valid JSON at line {line}, column {column}: {message}.")


_TOO_DEEP = f"nested more than {MAX_JSON_DEPTH} levels deep."


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
        value = json.loads(text, **_HOOKS)
    except json.JSONDecodeError as error:
        raise _invalid(error.msg, error.lineno, error.colno) from None
    except RecursionError:
        raise JsonRefused(_TOO_DEEP) from None
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


def _check_structure(value: object, location: tuple = ()) -> None:
    """Refuse a repeated key or nesting deeper than `MAX_JSON_DEPTH` in `value`, found at
    `location`. Iterative, so that checking the depth cannot itself run out of stack."""
    stack: list[tuple[object, tuple]] = (
        [(value, location)] if isinstance(value, dict | list) else []
    )
    while stack:
        node, location = stack.pop()
        if isinstance(node, _Repeated):
            raise JsonRefused(
                "this key appears more than once in its object; send it once.",
                json_path((*location, node.repeated)),
            )
        children = node.items() if isinstance(node, dict) else enumerate(node)
        for key, child in children:
            if len(location) == MAX_JSON_DEPTH:
                raise JsonRefused(_TOO_DEEP, json_path((*location, key)))
            # Only containers are walked: a large file holds millions of scalars.
            if isinstance(child, dict | list):
                stack.append((child, (*location, key)))


def _may_nest_too_deep(text: str, start: int, end: int, depth: int) -> bool:
    """Whether the value written `text[start:end]`, found `depth` levels down, may nest deeper
    than `MAX_JSON_DEPTH`. It cannot unless it opens that many arrays and objects: counting the
    brackets (those in strings too, which only errs on the side of checking) is much cheaper
    than `_check_structure`'s walk, which a file's documents can then skip."""
    return depth + text.count("[", start, end) + text.count("{", start, end) > MAX_JSON_DEPTH


class JsonArray:
    """The items of an array that `json_members` found at the top level of a file, parsed one at
    a time as they are iterated; each is checked as `parse_json` checks a whole file."""

    def __init__(self, items: Iterator[object]):
        self._items = items

    def __iter__(self) -> Iterator[object]:
        return self._items

    def drain(self) -> None:
        """Read (and so check) the items the consumer left."""
        for _ in self._items:
            pass


def json_members(file: BinaryIO) -> Iterator[tuple[str | None, object]]:
    """The members of the JSON object in `file` as `(key, value)`, in file order, read a piece
    at a time: the memory needed is that of the largest member, except that an array member is
    a `JsonArray` whose items are read as it is iterated (and must be, before the next member).
    A top-level value that is not an object is given as the single pair `(None, value)`.

    Values are what `parse_json` makes of them, and `JsonRefused` says what it would say, with
    one difference: a file with several faults reports the first it reaches."""
    return _Stream(file).members()


_WHITESPACE = re.compile(r"[ \t\n\r]*")
# How near the end of the text read so far a JSON error may be caused by the text not read yet.
_LOOKAHEAD = 16


class _Stream:
    """The text of a UTF-8 file read a chunk at a time, the parts of it not needed any more
    dropped; positions are kept for error messages, as `json` gives them."""

    CHUNK = 1 << 20

    def __init__(self, file: BinaryIO):
        self.file = file
        self.decoder = codecs.getincrementaldecoder("utf-8")()
        # Objects read with a key given twice: while this stays 0, no value read holds one.
        self.repeats = 0
        self.json = json.JSONDecoder(**{**_HOOKS, "object_pairs_hook": self._object})
        self.text, self.pos, self.eof = "", 0, False
        self.bytes_read = 0
        self.dropped = 0  # characters dropped before `text`
        self.dropped_lines = 0  # line breaks among them
        self.last_break = -1  # the position of the last of them

    def members(self) -> Iterator[tuple[str | None, object]]:
        if self.peek() == "\ufeff" and self.dropped + self.pos == 0:
            self.fail("Unexpected UTF-8 BOM (decode using utf-8-sig)")
        if self.peek() != "{":
            value = self.value(())
            yield None, value
            if isinstance(value, JsonArray):
                value.drain()
        else:
            yield from self.object_members()
        if self.peek():
            self.fail("Extra data")

    def object_members(self) -> Iterator[tuple[str, object]]:
        self.pos += 1
        keys: set[str] = set()
        char = self.peek()
        while char != "}":
            if char != '"':
                self.fail("Expecting property name enclosed in double quotes")
            key = self.key()
            if key in keys:
                raise JsonRefused(
                    "this key appears more than once in its object; send it once.", key
                )
            keys.add(key)
            if self.peek() != ":":
                self.fail("Expecting ':' delimiter")
            self.pos += 1
            self.peek()
            value = self.value((key,))
            yield key, value
            if isinstance(value, JsonArray):
                value.drain()
            char = self.peek()
            if char == ",":
                self.pos += 1
                char = self.peek()
                if char != '"':
                    self.fail("Expecting property name enclosed in double quotes")
            elif char != "}":
                self.fail("Expecting ',' delimiter")
        self.pos += 1

    def _object(self, pairs: list[tuple[str, object]]) -> dict:
        """`_object`, counting the objects with a repeated key (written out again rather than
        called: this runs for every object of the file)."""
        obj = dict(pairs)
        if len(obj) < len(pairs):
            self.repeats += 1
            return _Repeated(pairs, _first_repeated(key for key, _ in pairs))
        return obj

    def value(self, location: tuple) -> object:
        """The value at `pos`: an array lazily, anything else parsed whole."""
        if self.text.startswith("[", self.pos):
            return JsonArray(self.items(location))
        return self.parse(lambda: self.json.raw_decode(self.text, self.pos), location)

    def items(self, location: tuple) -> Iterator[object]:
        self.pos += 1
        if self.peek() == "]":
            self.pos += 1
            return
        for index in itertools.count():
            yield self.parse(lambda: self.json.raw_decode(self.text, self.pos), (*location, index))
            char = self.peek()
            if char == "]":
                self.pos += 1
                return
            if char != ",":
                self.fail("Expecting ',' delimiter")
            self.pos += 1
            self.peek()

    def key(self) -> str:
        return self.parse(lambda: json.decoder.scanstring(self.text, self.pos + 1), None)

    def parse(self, scan: Callable[[], tuple], location: tuple | None):
        """What `scan` reads at `pos`, once enough of the file has been read to be sure of it,
        checked as `parse_json` checks (unless `location` is None)."""
        repeats = self.repeats
        while True:
            try:
                value, end = scan()
            except json.JSONDecodeError as error:
                if self.eof or (
                    error.pos < len(self.text) - _LOOKAHEAD
                    and not error.msg.startswith("Unterminated string")
                ):
                    self.fail(error.msg, error.pos)
                self.read()
            except RecursionError:
                raise JsonRefused(_TOO_DEEP) from None
            else:
                # A number at the end of the text may go on in the next chunk (`-2.` `5`).
                if end < len(self.text) - _LOOKAHEAD or self.eof:
                    break
                self.read()
        start, self.pos = self.pos, end
        if location is not None and (
            self.repeats != repeats or _may_nest_too_deep(self.text, start, end, len(location))
        ):
            _check_structure(value, location)
        return value

    def peek(self) -> str:
        """The next character that is not whitespace ("" at the end of the file)."""
        while True:
            self.pos = _WHITESPACE.match(self.text, self.pos).end()
            if self.pos < len(self.text) or self.eof:
                return self.text[self.pos : self.pos + 1]
            self.read()

    def read(self) -> None:
        """Read the next chunk (at least as much again as is held, so a long value is read in
        few steps), dropping the text before `pos`."""
        if breaks := self.text.count("\n", 0, self.pos):
            self.dropped_lines += breaks
            self.last_break = self.dropped + self.text.rindex("\n", 0, self.pos)
        self.dropped += self.pos
        self.text, self.pos = self.text[self.pos :], 0
        data = self.file.read(max(self.CHUNK, len(self.text)))
        pending = len(self.decoder.getstate()[0])
        try:
            self.text += self.decoder.decode(data, final=not data)
        except UnicodeDecodeError as error:
            start = self.bytes_read - pending + error.start
            raise JsonRefused(f"byte {start} is not UTF-8 ({error.reason}).") from None
        self.bytes_read += len(data)
        self.eof = not data

    def fail(self, message: str, pos: int | None = None) -> NoReturn:
        """Refuse the file as `json` would, at `pos` of the text held (default: `pos`)."""
        pos = self.pos if pos is None else pos
        line = self.dropped_lines + self.text.count("\n", 0, pos) + 1
        line_start = self.text.rfind("\n", 0, pos)
        column = pos - line_start if line_start >= 0 else self.dropped + pos - self.last_break
        raise _invalid(message, line, column)
