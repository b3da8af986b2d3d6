"""The order of an import: the file's top-level members as they come, documents in batches."""

import contextlib
import sys
import threading
from collections.abc import Callable, Iterator
from queue import Empty, Queue

from billing.models import AccountingCode
from writeoffs.importing.fields import Reader
from writeoffs.importing.reading import document_batches, read_accounting_codes, read_reason_codes
from writeoffs.importing.writing import ImportReport, Writer

#: Documents read, checked against the database and written together; memory holds a few
#: batches: the one being written, the next being read and one read between them. Each batch
#: costs a few milliseconds whatever its size (its statements, the threads handing it over, and
#: its look-ups where they wait for the copy): at 1,000 documents an import of 100,000 invoices
#: took 2 to 6% longer, for 14 MB less memory.
BATCH_SIZE = 2000
#: Seconds the reading thread may hold the interpreter before the import's thread gets it.
SWITCH_INTERVAL = 0.0005

#: Gives the file's top-level members, `(key, value)` in file order, each time it is called;
#: `(None, value)` for a file that is not a JSON object.
Members = Callable[[], Iterator[tuple[str | None, object]]]


def import_members(
    reader: Reader, members: Members, *, own_transaction: bool = False
) -> ImportReport:
    """Read, check and write what `members` gives, recording problems with `reader`. Writing
    stops at the first problem (the caller rolls back); checking goes on to the end.
    `own_transaction`: see `Writer`."""
    writer = Writer(reader, own_transaction=own_transaction)
    keys, codes_read = set(), False
    try:
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
                for batch, problems in _read_ahead(document_batches(value, BATCH_SIZE)):
                    reader.add(*problems)
                    writer.documents(batch)
        writer.finish()
    except BaseException:
        writer.abandon()
        raise
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


def _read_ahead[T](items: Iterator[T]) -> Iterator[T]:
    """`items`, made in a thread of their own one item ahead: the next batch is read from the
    file and checked while the database writes this one. The thread touches no database."""
    queue: Queue = Queue(maxsize=1)
    stop = threading.Event()

    def make() -> None:
        error = None
        try:
            for item in items:
                if stop.is_set():
                    return
                queue.put((True, item))
        except BaseException as raised:  # raised again in the consumer's thread
            error = raised
        queue.put((False, error))

    thread = threading.Thread(target=make, name="import-read-ahead", daemon=True)
    # Each time this thread waits for the database, the reading thread takes the interpreter
    # and keeps it for up to the switch interval (5 ms): shorten that while both run.
    switch_interval = sys.getswitchinterval()
    sys.setswitchinterval(SWITCH_INTERVAL)
    thread.start()
    try:
        while True:
            more, item = queue.get()
            if not more:
                if item is not None:
                    raise item
                return
            yield item
    finally:
        sys.setswitchinterval(switch_interval)
        stop.set()
        while thread.is_alive():  # let it past a full queue to see `stop`
            with contextlib.suppress(Empty):
                queue.get(timeout=0.1)
