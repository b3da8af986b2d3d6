"""The file of document numbers: read whole or refused whole, every bad line named."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bulk import csvfile
from bulk.csvfile import FileRefused, NumberLine, read_numbers
from bulk.selectors import documents_from_numbers
from tests.bulk.conftest import invoices
from tests.factories import InvoiceFactory, add_line, write_off


def refusal(raw: bytes) -> list[str]:
    with pytest.raises(FileRefused) as refused:
        read_numbers(raw)
    return refused.value.problems


def test_one_number_a_line_with_a_header_a_bom_crlf_and_trailing_empty_cells():
    raw = "\ufeffDocument Number,,\r\nINV00000001,,\r\n\r\n  DM00000002 \r\nINV-3.a_b\r\n"
    assert read_numbers(raw.encode()) == [
        NumberLine(2, "INV00000001"),
        NumberLine(4, "DM00000002"),
        NumberLine(5, "INV-3.a_b"),
    ]


def test_a_quoted_number_is_read_and_lines_are_counted_across_a_quoted_line_break():
    raw = b'"INV1"\n"INV2\nX"\nINV3,extra\n'
    assert refusal(raw) == [
        "Line 2: 'INV2\\nX' is not a document number (ASCII letters, digits, -, _ and . only).",
        "Line 4: one document number a line, in the first column; this line has 2 values.",
    ]


def test_every_bad_line_is_named_with_why():
    raw = b'INV1\n=HYPERLINK("http://x")\n+1\n@SUM(A1)\n-2\nINV1\nINV 2\n' + b"A" * 51 + b"\n"
    assert refusal(raw) == [
        "Line 2: '=HYPERLINK(\"http://x\")' is a spreadsheet formula, not a document number.",
        "Line 3: '+1' is a spreadsheet formula, not a document number.",
        "Line 4: '@SUM(A1)' is a spreadsheet formula, not a document number.",
        "Line 5: '-2' is a spreadsheet formula, not a document number.",
        "Line 6: INV1 is also on line 1.",
        "Line 7: 'INV 2' is not a document number (ASCII letters, digits, -, _ and . only).",
        "Line 8: a document number has at most 50 characters; this has 51.",
    ]


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"", "The file is empty."),
        (b"\n\n,,\n", "The file holds no document number."),
        (b"number\n", "The file holds no document number."),
        (b"PK\x03\x04\x14\x00rest", "This file is a spreadsheet workbook (.xlsx or .ods)"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1", "This file is an Excel 97-2003 workbook (.xls)"),
        (b"%PDF-1.7\n", "This file is a PDF document"),
        (b"\x89PNG\r\n\x1a\n", "This file is a PNG image"),
        (b"INV1\nINV2\x00\n", "Line 2: the file holds the NUL character"),
        ("\ufeffINV1".encode("utf-16"), "Line 1: the file holds the NUL character"),
        (b"INV1\nINV\xe92\n", "Line 2: this is not UTF-8 text (byte 9)."),
        (b"\xed\xa0\x80\n", "Line 1: this is not UTF-8 text"),  # a lone surrogate
    ],
    ids=[
        "empty",
        "blank",
        "header only",
        "xlsx",
        "xls",
        "pdf",
        "image",
        "NUL",
        "UTF-16",
        "Latin-1",
        "surrogate",
    ],
)
def test_a_file_that_is_not_a_list_of_numbers_is_refused_saying_what_it_is(raw, message):
    (problem,) = refusal(raw)
    assert problem.startswith(message), problem


def test_a_huge_file_is_refused_unread():
    (problem,) = refusal(b"INV1\n" * (csvfile.MAX_FILE_BYTES // 5 + 1))
    assert (
        problem
        == "The file is 0.4 MB; a list of document numbers is at most 400 KB (10,000 numbers)."
    )


def test_more_numbers_than_a_job_takes_are_refused(monkeypatch):
    monkeypatch.setattr(csvfile, "MAX_DOCUMENTS_PER_JOB", 3)
    assert refusal(b"A1\nA2\nA3\nA4\n") == [
        "The file has more than 3 document numbers; a bulk write-off takes at most that many. "
        "Split it into several files."
    ]


def test_a_line_the_csv_reader_cannot_read_is_named():
    (problem,) = refusal(b"INV1\n" + b"x" * 200_000 + b"\n")
    assert problem.startswith("Line 2: this line cannot be read as CSV (field larger than")


def test_many_problems_are_listed_up_to_fifty_then_counted():
    problems = refusal(b"".join(b"=%d\n" % n for n in range(80)))
    assert len(problems) == 51
    assert problems[-1] == "... and 30 more."


@pytest.mark.django_db
def test_numbers_of_no_document_of_a_credit_memo_or_of_one_that_cannot_be_written_off_are_named(
    clerk,
):
    good, paid = invoices(2)
    write_off(paid, clerk, full_balance=True)
    draft = InvoiceFactory(status="Draft")
    add_line(draft)
    memo = paid.credit_memos.get()
    numbers = [
        NumberLine(1, good.number),
        NumberLine(2, "INV99999999"),
        NumberLine(3, memo.number),
        NumberLine(4, paid.number),
        NumberLine(5, draft.number),
    ]
    with pytest.raises(FileRefused) as refused:
        documents_from_numbers(numbers)
    assert refused.value.problems == [
        "Line 2: no invoice or debit memo is numbered INV99999999.",
        f"Line 3: {memo.number} is a credit memo; only invoices and debit memos are written off.",
        "Line 4: Nothing is left to write off: the balance is zero.",
        f"Line 5: Only posted documents can be written off; {draft.number} is Draft.",
    ]
    assert documents_from_numbers(numbers[:1]) == [good]


@given(st.binary(max_size=2000) | st.text(max_size=500).map(str.encode))
@settings(max_examples=300, deadline=None)
def test_any_bytes_are_read_or_refused_with_messages_never_an_error(raw):
    try:
        numbers = read_numbers(raw)
    except FileRefused as refused:
        assert refused.problems
        assert all(isinstance(problem, str) and problem for problem in refused.problems)
    else:
        assert numbers
        assert len({entry.number for entry in numbers}) == len(numbers)
        assert all(entry.number.isascii() and entry.number.isprintable() for entry in numbers)
