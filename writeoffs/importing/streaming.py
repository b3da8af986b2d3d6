"""The order of an import: the file's top-level members as they come, documents in batches."""

from collections.abc import Callable, Iterator
from itertools import batched

from billing.models import AccountingCode
from writeoffs.importing.reading import (
    FileChecks,
    Reader,
    read_accounting_codes,
    read_documents,
    read_reason_codes,
)
from writeoffs.importing.writing import ImportReport, Writer

#: Documents read, checked against the database and written together; memory holds one batch.
BATCH_SIZE = 1000

#: Gives the file's top-level members, `(key, value)` in file order, each time it is called;
#: `(None, value)` for a file that is not a JSON object.
Members = Callable[[], Iterator[tuple[str | None, object]]]


def import_members(reader: Reader, members: Members) -> ImportReport:
    """Read, check and write what `members` gives, recording problems with `reader`. Writing
    stops at the first problem (the caller rolls back); checking goes on to the end."""
    writer, checks = Writer(reader), FileChecks(reader)
    keys, codes_read = set(), False
    for key, value in members():
        keys.add(key)
        if key == "accounting_codes" and not codes_read:
            writer.accounting_codes(read_accounting_codes(reader, value))
            codes_read = True
        elif key == "reason_codes":
            writer.reason_codes(read_reason_codes(reader, value))
        elif key == "documents":
            if not codes_read:
                writer.accounting_codes(_accounting_codes_after_documents(reader, members))
                codes_read = True
            for batch in batched(read_documents(reader, value), BATCH_SIZE):
                for document in batch:
                    checks.check(document)
                writer.documents(batch)
    if None in keys or "documents" not in keys:
        reader.only("top level", "must be a JSON object with a documents list (C7)")
    return writer.report


def _accounting_codes_after_documents(reader: Reader, members: Members) -> list[AccountingCode]:
    """The accounting codes of a file that gives them after its documents (or not at all): the
    lines name them, so they are read first, in a pass of their own over the file."""
    for key, value in members():
        if key == "accounting_codes":
            return read_accounting_codes(reader, value)
    return []
