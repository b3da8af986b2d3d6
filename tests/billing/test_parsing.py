"""Reading JSON a piece at a time (`json_members`) gives what `parse_json` gives for the whole."""

import io
import json
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from billing import parsing
from billing.parsing import JsonArray, JsonRefused, RefusedNumber, json_members, parse_json


def streamed(raw: bytes) -> object:
    """The value `json_members` reads from `raw`, its arrays read to the end."""
    members = {}
    for key, value in json_members(io.BytesIO(raw)):
        value = list(value) if isinstance(value, JsonArray) else value
        if key is None:
            return value
        members[key] = value
    return members


def outcome(read, raw: bytes) -> tuple[str, object]:
    """What `read` makes of `raw`, comparable: the value, or the words of the refusal."""
    try:
        value = read(raw)
    except JsonRefused as refused:
        return ("refused", str(refused))
    return ("read", json.loads(json.dumps(value, default=_plain)))


def _plain(value: object) -> str:
    return value.text if isinstance(value, RefusedNumber) else str(value)


@pytest.fixture(params=[1, 7, parsing._Stream.CHUNK], ids=lambda size: f"chunk={size}")
def chunk(request, monkeypatch):
    """A chunk size: one character at a time finds every boundary a value can straddle."""
    monkeypatch.setattr(parsing._Stream, "CHUNK", request.param)


SAME_AS_PARSE_JSON = [
    b'{"documents": [{"number": "INV1", "amount": "1.00"}, {"lines": [[]]}], "x": {"y": 1}}',
    b'\n {\n "a" : [ 1 , -2.5e-3 , "\\ud83d\\ude00" ] ,\n "b" : [ ] , "c" : { } }\n\n',
    b'{"a": [NaN, Infinity, -Infinity, 1e2, 1E+2, -0, 0.1]}',
    b'{"a": ' + b"9" * 5000 + b"}",
    b'{"a": ["\\ud800", "\\u0000", "Caf\xc3\xa9"], "k\\u00e9y": true}',
    b'[{"a": 1}, 2, "three"]',
    b'"just a string"',
    b"12",
    b'{"a": ' + b"[" * 32 + b"]" * 32 + b"}",
]

REFUSED_AS_PARSE_JSON = [
    b"",
    b"  \n ",
    b'{"documents": [}',
    b'{"documents": [1 2]}',
    b'{"a": 1,}',
    b'{"a" 1}',
    b'{"a": 1 "b": 2}',
    b"{1: 2}",
    b'{"a": [1,]}',
    b'{"a": 1}x',
    b'{"a": "unterminated',
    b'{"a": tru',
    b'{"a": [1, 2',
    b'{"a": "\\u12"}',
    b'{"a": "\\q"}',
    b'{"a": "\x01"}',
    b"\xef\xbb\xbf{}",
    b'{"documents": [], "name": "Caf\xe9"}',
    b'{"a": "\xc3',
    b'{"documents": [], "documents": []}',
    b'{"documents": [{"lines": [{"amount": "1", "amount": "2"}]}]}',
    b'{"a": ' + b"[" * 33 + b"]" * 33 + b"}",
    b'{"a": [' + b"[" * 32 + b"1" + b"]" * 32 + b"]}",
    b"[" * 100000,
    b'\n\n{"documents": [\n  {"a": 1},\n  {"a": 2} {"b": 3}\n]}',
]


@pytest.mark.parametrize("raw", SAME_AS_PARSE_JSON)
def test_streamed_values_are_those_of_parse_json(raw, chunk):
    assert outcome(streamed, raw) == outcome(parse_json, raw)
    assert outcome(streamed, raw)[0] == "read"


@pytest.mark.parametrize("raw", REFUSED_AS_PARSE_JSON)
def test_stream_refuses_what_parse_json_refuses_with_the_same_words(raw, chunk):
    assert outcome(streamed, raw) == outcome(parse_json, raw)
    assert outcome(streamed, raw)[0] == "refused"


def test_position_of_invalid_json_counts_the_lines_of_chunks_already_dropped(monkeypatch):
    monkeypatch.setattr(parsing._Stream, "CHUNK", 64)
    items = ",\n".join(json.dumps({"number": f"INV{n}"}) for n in range(1000))
    raw = f'{{"documents": [\n{items},\n{{"number": "x" "y"}}\n]}}'.encode()

    assert outcome(streamed, raw) == (
        "refused",
        "not valid JSON at line 1002, column 16: Expecting ',' delimiter.",
    )
    assert outcome(parse_json, raw) == outcome(streamed, raw)


def test_byte_that_is_not_utf8_is_found_by_its_offset_in_the_file(monkeypatch):
    # The first chunk ends inside the "é" before the bad byte.
    monkeypatch.setattr(parsing._Stream, "CHUNK", 31)
    raw = b'{"documents": [], "name": "Caf\xc3\xa9 \xe9"}'

    assert outcome(streamed, raw) == (
        "refused",
        "byte 33 is not UTF-8 (invalid continuation byte).",
    )
    assert outcome(parse_json, raw) == outcome(streamed, raw)


def test_numbers_are_decimals_or_refused_numbers_never_floats():
    for _, value in json_members(io.BytesIO(b'{"a": [0.1, 5, 1e2, NaN]}')):
        first, five, exponent, nan = value

    assert (first, five) == (Decimal("0.1"), Decimal("5"))
    assert (exponent.text, nan.text) == ("1e2", "NaN")


def test_items_of_an_array_are_read_as_they_are_taken(monkeypatch):
    monkeypatch.setattr(parsing._Stream, "CHUNK", 1000)
    items = ", ".join(json.dumps({"number": f"INV{n}", "pad": "x" * 100}) for n in range(10000))
    file = io.BytesIO(f'{{"documents": [{items}]}}'.encode())
    key, documents = next(json_members(file))

    first = next(iter(documents))

    assert (key, first["number"]) == ("documents", "INV0")
    assert file.tell() < 5000 < len(file.getvalue())


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=5), children, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(
    value=st.dictionaries(st.text(max_size=5), JSON, max_size=4) | JSON,
    indent=st.sampled_from([None, 0, 2]),
    chunk=st.integers(1, 16),
)
def test_any_json_is_read_alike_whatever_the_chunks(value, indent, chunk):
    raw = json.dumps(value, indent=indent, default=str).encode()
    parsing._Stream.CHUNK, default = chunk, parsing._Stream.CHUNK
    try:
        assert outcome(streamed, raw) == outcome(parse_json, raw)
    finally:
        parsing._Stream.CHUNK = default


def _raw_object(pairs: list[tuple[str, str]]) -> str:
    return "{" + ", ".join(f"{json.dumps(key)}: {value}" for key, value in pairs) + "}"


def _nested(value: str, levels: int) -> str:
    for _ in range(levels):
        value = f"[{value}]" if levels % 2 else f'{{"n": {value}}}'
    return value


# JSON text that `json.dumps` cannot write: keys given twice (few names, so repeats are common),
# strings full of brackets, and values nested up to past `MAX_JSON_DEPTH`.
RAW_JSON = st.recursive(
    st.sampled_from(["1", "-2.5", "1e2", "true", "null", '"x"', '"[[{{"', '"\\u005b{"']),
    lambda children: (
        st.lists(children, max_size=4).map(lambda items: f"[{', '.join(items)}]")
        | st.lists(st.tuples(st.sampled_from("abc"), children), max_size=4).map(_raw_object)
        | st.tuples(children, st.integers(0, parsing.MAX_JSON_DEPTH + 2)).map(
            lambda nested: _nested(*nested)
        )
    ),
    max_leaves=12,
)


@settings(max_examples=400, deadline=None)
@given(documents=st.lists(RAW_JSON, max_size=3), other=RAW_JSON, chunk=st.integers(1, 64))
def test_stream_finds_repeated_keys_and_deep_nesting_without_walking_every_value(
    documents, other, chunk
):
    # The stream walks a value (`_check_structure`) only when its text could hold either fault;
    # what it finds is what it finds walking every value.
    raw = f'{{"documents": [{", ".join(documents)}], "other": {other}}}'.encode()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(parsing._Stream, "CHUNK", chunk)
        quick = outcome(streamed, raw)
        patch.setattr(parsing, "_may_nest_too_deep", lambda *args: True)
        assert quick == outcome(streamed, raw)
