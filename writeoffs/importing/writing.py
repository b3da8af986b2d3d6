"""Checking the file against the database, and writing it, a batch of documents at a time."""

import contextlib
import io
import json
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from concurrent import futures
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from itertools import batched

import psycopg.copy
from django.db import connection, models
from django.db.models.expressions import RawSQL

from audit.services import created_recorded
from billing.models import Account, AccountingCode, BillingDocument, LineItem
from writeoffs.importing.fields import Reader
from writeoffs.importing.reading import CODE_FIELD, Document, Kind
from writeoffs.models import ReasonCode

#: Lines are made a level at a time, parents first: a line names its parent by id, which SQLite
#: gives only once the parent is inserted, and checks each new line's parent as it is inserted
#: (PostgreSQL, as the statement that inserts it ends).
LEVELS = [(Kind.CHARGE,), (Kind.TAX, Kind.DISCOUNT), (Kind.DISCOUNT_TAX,)]


class Spooled:
    """Texts in the order given: the first `IN_MEMORY` in a list, the rest in a temporary file,
    so that what an import reports (every number it created) does not grow its memory with
    the file. `close` removes the file."""

    IN_MEMORY = 1000

    def __init__(self):
        self.head: list[str] = []
        self.file: io.TextIOBase | None = None
        self.count = 0

    def extend(self, texts: Iterable[str]) -> None:
        texts = list(texts)
        kept = max(0, min(len(texts), self.IN_MEMORY - self.count))
        self.head += texts[:kept]
        self.count += len(texts)
        if kept == len(texts):
            return
        if self.file is None:
            # Kept open past this call; `close` closes it.
            self.file = tempfile.TemporaryFile("w+", encoding="utf-8")  # noqa: SIM115
        self.file.seek(0, io.SEEK_END)
        # One JSON list a line (a batch's numbers): whatever a text holds, it reads back the same.
        self.file.write(f"{json.dumps(texts[kept:])}\n")

    def append(self, text: str) -> None:
        self.extend([text])

    def __len__(self) -> int:
        return self.count

    def __iter__(self) -> Iterator[str]:
        yield from self.head
        if self.file is not None:
            self.file.seek(0)
            for line in self.file:
                yield from json.loads(line)

    def close(self) -> None:
        if self.file is not None:
            self.file.close()
            self.file = None


@dataclass
class ImportReport:
    """What an import created (codes, names and numbers) and what it left unchanged; `close`
    lets go of the file that keeps the longer lists."""

    accounting_codes: list[str] = field(default_factory=list)
    reason_codes: list[str] = field(default_factory=list)
    accounts: Spooled = field(default_factory=Spooled)
    documents: Spooled = field(default_factory=Spooled)
    lines: int = 0
    skipped: Spooled = field(default_factory=Spooled)

    def summary(self) -> Iterator[str]:
        """One sentence a line per kind of thing created or left unchanged, in pieces, for the
        commands to write as they come: a list of what was created is as long as the file."""
        created = [
            (self.accounting_codes, "accounting code", ""),
            (self.reason_codes, "reason code", ""),
            (self.accounts, "account", ""),
            (self.documents, "document", f" with {self.lines} lines"),
        ]
        said = False
        for names, noun, extra in created:
            if not names:
                continue
            said = True
            yield f"Created {len(names)} {noun}{'s' if len(names) != 1 else ''}{extra}: "
            for number, some in enumerate(batched(names, Spooled.IN_MEMORY)):
                yield (", " if number else "") + ", ".join(some)
            yield "\n"
        for sentence in self.skipped:
            said = True
            yield f"{sentence}\n"
        if not said:
            yield "Nothing to import.\n"

    def close(self) -> None:
        for spooled in (self.accounts, self.documents, self.skipped):
            spooled.close()


def _rows(
    model: type[models.Model],
    name: str,
    values: Iterable[str | None],
    *,
    beside: "NumbersSeen | None" = None,
) -> dict:
    """The rows of `model` whose text field `name` is one of `values`, by that field; read
    through the connection `beside` (PostgreSQL) when one is given."""
    values = sorted({value for value in values if value is not None})
    if not values:
        return {}
    if connection.vendor == "postgresql":
        # The values as one JSON text: a list of a thousand placeholders (a batch's document
        # numbers) costs this process four times the CPU that one array does, and psycopg
        # dumps an array of texts in Python, a millisecond a batch.
        in_values = RawSQL("SELECT json_array_elements_text(%s::json)", [json.dumps(values)])
        found = model.objects.filter(**{f"{name}__in": in_values})
        if beside is None:
            return {getattr(row, name): row for row in found}
        # Django's own query and rows, sent through the other connection.
        attnames = [field.attname for field in model._meta.concrete_fields]
        sql, params = found.values_list(*attnames).query.sql_with_params()
        with beside.cursor() as cursor:
            cursor.execute(sql, params)
            rows = [model.from_db(connection.alias, attnames, row) for row in cursor.fetchall()]
        return {getattr(row, name): row for row in rows}
    rows = {}
    for part in _parameter_chunks(values):
        lookup = {f"{name}__in": part}
        rows.update((getattr(row, name), row) for row in model.objects.filter(**lookup))
    return rows


def _parameter_chunks[T](values: list[T]) -> Iterator[list[T]]:
    """`values` in parts no longer than one query may take as parameters (SQLite's limit)."""
    chunk = connection.features.max_query_params or len(values) or 1
    for start in range(0, len(values), chunk):
        yield values[start : start + chunk]


class Writer:
    """Checks the file's codes and each batch of its documents against the database and, as
    long as the file has shown no problem, writes them. What the database holds already is
    reported and left unchanged. Between batches it keeps only what later batches need: the
    ids of the codes and accounts met so far.

    With `own_transaction` (the import's transaction is not inside one of its caller's), a
    batch's look-ups go through `NumbersSeen`'s connection, while the import's own copies in
    the batch before, rather than between two copies: the database then never waits for them
    (0.4 to 1.1 s of an import of 100,000 invoices, when it did). That connection cannot see
    what the import has written, which the import knows already (the numbers met, the
    accounts and codes it created), and sees what other sessions have committed, as the
    import's own does.
    Inside a caller's transaction, which may hold rows of its own that no other connection
    can see, they go through the import's connection."""

    def __init__(self, reader: Reader, *, own_transaction: bool = False):
        self.reader = reader
        self.report = ImportReport()
        self.file_codes: set[str] = set()  # the accounting codes the file gives
        self.code_ids: dict[str, int] = {}  # of codes in the database, by code
        self.missing_codes: set[str] = set()  # codes lines name that are nowhere
        # Accounts by number: their id, and their name if they were in the database before.
        self.accounts: dict[str, tuple[int, str | None]] = {}
        self.inserts = Inserts()
        try:
            # Last: it opens a connection, which `finish` and `abandon` close.
            self.numbers_seen = NumbersSeen()
        except BaseException:
            self.inserts.abandon()
            raise
        self.beside = self.numbers_seen if own_transaction and self.numbers_seen.own else None

    @property
    def writing(self) -> bool:
        """Whether the file is still without problems, so that what is read is written."""
        return not self.reader.problems

    def accounting_codes(self, codes: list[AccountingCode]) -> None:
        self.file_codes = {code.code for code in codes if code.code is not None}
        existing = _rows(AccountingCode, "code", self.file_codes)
        self.code_ids |= {code: row.pk for code, row in existing.items()}
        if self.writing:
            new = _create_new(AccountingCode, codes, "code", existing, self.report)
            self.report.accounting_codes = [code.code for code in new]
            self.code_ids |= {code.code: code.pk for code in new}

    def reason_codes(self, reasons: list[ReasonCode]) -> None:
        # A file may give its reason codes after its documents: the batch being copied in is
        # in before the import's connection is used here.
        self.inserts.wait()
        existing = _rows(ReasonCode, "name", (reason.name for reason in reasons))
        if self.writing:
            new = _create_new(ReasonCode, reasons, "name", existing, self.report)
            self.report.reason_codes = [reason.name for reason in new]

    def documents(self, documents: Sequence[Document]) -> None:
        """Check a batch of documents against the file before it and the database; write it
        if all is well so far."""
        self._check_repeats(documents)
        if self.beside is None:
            self.inserts.wait()  # the look-ups use the import's connection
        numbers = _rows(
            BillingDocument,
            "number",
            (document.number for document in documents),
            beside=self.beside,
        )
        self._look_up_codes(documents)
        self._look_up_accounts(documents)
        for document in documents:
            self._check_codes(document)
            self._check_account(document)
        if not self.writing:
            return
        new = []
        for document in documents:
            if document.number in numbers:
                self.report.skipped.append(f"{document.number} exists already; left unchanged.")
            else:
                new.append(document)
        new_accounts = self._new_accounts(new)
        self.inserts.draw(
            {
                Account: len(new_accounts),
                BillingDocument: len(new),
                LineItem: sum(len(document.lines) for document in new),
            },
            self.numbers_seen,
        )
        self.inserts.start()
        document_ids = self._create_documents(new, new_accounts)
        self.report.lines += _create_lines(self.inserts, new, document_ids, self.code_ids)

    def finish(self) -> None:
        """Write what is left to write, once the last batch has been read."""
        if self.writing:
            self.inserts.start()
        self.inserts.close()
        self.numbers_seen.close()

    def abandon(self) -> None:
        """Stop writing after an error; see `Inserts.abandon`."""
        self.inserts.abandon()
        self.numbers_seen.close()

    def _check_repeats(self, documents: Sequence[Document]) -> None:
        """A document number appears once in the file: a repeat names the first document."""
        given = [document for document in documents if document.number is not None]
        firsts = self.numbers_seen.met([(document.number, document.index) for document in given])
        for document in given:
            # Adds the batch's own numbers to `firsts` as it goes, to find repeats within it.
            self.reader.unique(
                firsts,
                document.number,
                f"{document.path}.number",
                first=document.index,
                where=lambda index: f"documents[{index}].number",
            )

    def _look_up_codes(self, documents: Sequence[Document]) -> None:
        named = {
            code
            for document in documents
            for line in document.lines
            for code in line.codes.values()
        }
        unknown = named - self.file_codes - self.code_ids.keys() - self.missing_codes
        found = _rows(AccountingCode, "code", unknown, beside=self.beside)
        self.code_ids |= {code: row.pk for code, row in found.items()}
        self.missing_codes |= unknown - found.keys()

    def _check_codes(self, document: Document) -> None:
        if not self.missing_codes:
            return
        for line in document.lines:
            for name, code in line.codes.items():
                if code in self.missing_codes:
                    self.reader.problem(
                        f"{line.path}.{name}",
                        f"accounting code {code} is neither in this file nor in the database",
                    )

    def _look_up_accounts(self, documents: Sequence[Document]) -> None:
        numbers = {document.account_number for document in documents} - self.accounts.keys()
        for number, account in _rows(Account, "number", numbers, beside=self.beside).items():
            self.accounts[number] = (account.pk, account.name)

    def _check_account(self, document: Document) -> None:
        _, name = self.accounts.get(document.account_number, (None, None))
        if name is not None and document.account_name is not None and name != document.account_name:
            self.reader.problem(
                f"{document.path}.account.name",
                f'account {document.account_number} is named "{name}" in the database',
            )

    def _new_accounts(self, documents: list[Document]) -> dict[str, tuple[str, str | None]]:
        new_accounts = {}
        for document in documents:
            number = document.account_number
            if number not in self.accounts and number not in new_accounts:
                new_accounts[number] = (number, document.account_name)
        return new_accounts

    def _create_documents(
        self, documents: list[Document], new_accounts: dict[str, tuple[str, str | None]]
    ) -> dict[str, int]:
        """Insert the documents, and the accounts they name that are new; ids by number."""
        ids = self.inserts.insert(Account, ACCOUNT_COLUMNS, list(new_accounts.values()))
        self.accounts |= {
            number: (id_, None) for number, id_ in zip(new_accounts, ids, strict=True)
        }
        self.report.accounts.extend(new_accounts)
        rows = [
            (
                document.type,
                document.number,
                self.accounts[document.account_number][0],
                document.currency,
                document.date,
                document.due_date,
                document.status,
                document.amount,
                document.balance,
            )
            for document in documents
        ]
        ids = self.inserts.insert(BillingDocument, DOCUMENT_COLUMNS, rows)
        self.report.documents.extend(document.number for document in documents)
        return {document.number: id_ for document, id_ in zip(documents, ids, strict=True)}


def _create_new(
    model: type[models.Model], objs: list, name: str, in_database: dict, report: ImportReport
) -> list:
    """Insert the codes (`objs`, keyed by their field `name`) that are not in the database yet;
    report the others as left unchanged."""
    new = []
    for obj in objs:
        key = getattr(obj, name)
        if key in in_database:
            noun = model._meta.verbose_name.capitalize()
            report.skipped.append(f"{noun} {key} exists already; left unchanged.")
        else:
            new.append(obj)
    created = model.objects.bulk_create(new)
    created_recorded(created)
    return created


def _create_lines(
    inserts: "Inserts",
    documents: list[Document],
    document_ids: dict[str, int],
    code_ids: dict[str, int],
) -> int:
    """Insert the lines a level at a time, so that every parent exists before its children."""
    line_ids: dict[tuple[str, str], int] = {}  # by document number and ref
    for kinds in LEVELS:
        keys, rows = [], []
        for document in documents:
            document_id = document_ids[document.number]
            for line in document.lines:
                if line.kind not in kinds:
                    continue
                keys.append((document.number, line.ref))
                rows.append(
                    (
                        document_id,
                        line.position,
                        line.kind,
                        line_ids[document.number, line.parent] if line.parent else None,
                        line.description,
                        line.service_start,
                        line.service_end,
                        line.amount,
                        line.balance,
                        code_ids[line.codes[CODE_FIELD[line.kind]]],
                        code_ids.get(line.codes.get("revenue_code")),
                    )
                )
        line_ids |= zip(keys, inserts.insert(LineItem, LINE_COLUMNS, rows), strict=True)
    return len(line_ids)


class NumbersSeen:
    """The document numbers met so far in the file, each with the index of its first document,
    in a temporary table: in memory they would grow with the file (some 150 bytes a document;
    1.5 GB for ten million). On PostgreSQL the table is a connection's of its own, so that a
    batch's numbers are noted while the import's connection copies in the batch before; on
    SQLite, which copies nothing beside, it is the import's connection's. The import draws
    its ids through that connection too, and looks its batches up there when it can (see
    `Writer`). `close` lets go of it (and the connection) when the import ends, whatever its
    end."""

    NAME = "import_numbers_seen"

    def __init__(self):
        self.postgresql = connection.vendor == "postgresql"
        self.own = None
        # Named with its schema, so that no table of the application is ever meant.
        self.table = f"{'pg_temp' if self.postgresql else 'temp'}.{self.NAME}"
        if self.postgresql:
            with connection.wrap_database_errors:
                self.own = psycopg.connect(**connection.get_connection_params(), autocommit=True)
        with self.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {self.table}")
            cursor.execute(
                f"CREATE TABLE {self.table} (number text PRIMARY KEY, first integer NOT NULL)"
            )

    @contextlib.contextmanager
    def cursor(self) -> Iterator:
        """A cursor of the table's connection."""
        if self.own is None:
            with connection.cursor() as cursor:
                yield cursor
            return
        with connection.wrap_database_errors, self.own.cursor() as cursor:
            yield cursor

    def met(self, numbers: list[tuple[str, int]]) -> dict[str, int]:
        """Note `numbers` (each with its document's index) as met; return the first index of
        those met before, in earlier batches."""
        if not numbers:
            return {}
        with self.cursor() as cursor:
            if self.postgresql:
                # The pairs as one JSON text: psycopg would dump a list of a thousand texts in
                # Python, at a hundredth of a second a batch. Those met before are looked up
                # only when there are any: a join with the whole table on every batch would
                # grow with the file under a prepared statement's generic plan.
                cursor.execute(
                    f"INSERT INTO {self.table} (number, first) "
                    "SELECT DISTINCT ON (pair->>0) pair->>0, (pair->>1)::integer "
                    "FROM json_array_elements(%s::json) AS pair "
                    "ORDER BY pair->>0, (pair->>1)::integer "
                    "ON CONFLICT (number) DO NOTHING RETURNING number",
                    [json.dumps(numbers)],
                )
                added = {number for (number,) in cursor.fetchall()}
                before = sorted({number for number, _ in numbers} - added)
                if not before:
                    return {}
                cursor.execute(
                    f"SELECT number, first FROM {self.table} WHERE number = ANY(%s::text[])",
                    [before],
                )
                return dict(cursor.fetchall())
            firsts = {}
            select = f"SELECT number, first FROM {self.table} WHERE number IN"
            for part in _parameter_chunks([number for number, _ in numbers]):
                cursor.execute(f"{select} ({', '.join(['%s'] * len(part))})", part)
                firsts.update(cursor.fetchall())
            # In the file's order, so that of a number given twice in the batch, the first stays.
            cursor.executemany(
                f"INSERT OR IGNORE INTO {self.table} (number, first) VALUES (%s, %s)", numbers
            )
            return firsts

    def close(self) -> None:
        if self.own is not None:
            self.own.close()  # and its temporary table with it
            self.own = None
            return
        # The import's connection is in a transaction that failed, if the import did: its
        # rollback drops the table.
        if not connection.needs_rollback:
            with connection.cursor() as cursor:
                cursor.execute(f"DROP TABLE IF EXISTS {self.table}")


ACCOUNT_COLUMNS = ("number", "name")
DOCUMENT_COLUMNS = (
    "type",
    "number",
    "account_id",
    "currency",
    "date",
    "due_date",
    "status",
    "amount",
    "balance",
)
LINE_COLUMNS = (
    "document_id",
    "position",
    "kind",
    "parent_id",
    "description",
    "service_start",
    "service_end",
    "amount",
    "balance",
    "accounting_code_id",
    "revenue_code_id",
)


class Inserts:
    """Rows inserted a batch behind: on PostgreSQL, while this thread makes a batch's rows,
    a thread of its own copies in the rows of the batch before.

    PostgreSQL takes rows by COPY, their ids drawn from the tables' sequences first (`draw`,
    for a whole batch; lines name their parents by id).
    `bulk_create` would spend some 40 microseconds of Python on each row (a model instance,
    each field prepared and adapted): most of the time of an import of 100,000 invoices, which
    has 870,000 lines. The database checks the foreign keys of the rows it is given as each
    COPY ends (the tables' keys are set IMMEDIATE for the import), so that this check, four
    tenths of the database's work, runs beside the reading of the file rather than alone at the
    commit. Other databases (SQLite) insert at once, by `bulk_create`.

    The copying thread uses this thread's connection, in its transaction: this thread does not
    use it from `start` until `wait` has returned.
    """

    TABLES = (Account, BillingDocument, LineItem)

    def __init__(self):
        self.postgresql = connection.vendor == "postgresql"
        self.ids: dict[type[models.Model], Iterator[int]] = {}
        self.queued: list[tuple[type[models.Model], Sequence[str], list[bytes]]] = []
        self.copying: Future | None = None
        self.thread: ThreadPoolExecutor | None = None
        self.foreign_keys = ""
        if self.postgresql:
            self.foreign_keys = _deferred_foreign_keys(self.TABLES)
            self._set_constraints("IMMEDIATE")
            # Formats the rows (the connection's adapters and encoding); it sends nothing.
            self.cursor = connection.connection.cursor()

    def draw(self, counts: dict[type[models.Model], int], beside: "NumbersSeen") -> None:
        """Draw the ids that the next `insert`s of each model (`counts[model]` rows in all)
        give their rows, through the connection `beside`: a sequence gives the same numbers
        to any connection, in any transaction, and the import's may be copying."""
        if not self.postgresql:
            return
        with beside.cursor() as cursor:
            for model, count in counts.items():
                ids = _draw_ids(cursor, model._meta.db_table, count) if count else ()
                self.ids[model] = iter(ids)

    def insert(
        self, model: type[models.Model], columns: Sequence[str], rows: list[tuple]
    ) -> list[int]:
        """Insert `rows`, each the values of `columns` (attribute names); their ids, in order.
        On PostgreSQL the rows are queued, for the next `start` to write."""
        if not rows:
            return []
        if not self.postgresql:
            objs = [model(**dict(zip(columns, row, strict=True))) for row in rows]
            return [obj.pk for obj in model.objects.bulk_create(objs)]
        ids = [next(self.ids[model]) for _ in rows]
        if not (self.queued and self.queued[-1][:2] == (model, columns)):
            self.queued.append((model, columns, []))
        # One COPY for all of a batch's lines, children after their parents: the keys are
        # checked as the statement ends, when every row of it is in. The rows are written as
        # COPY's text here, by psycopg: the copying thread only sends it, and seldom waits
        # for the interpreter (which the reading of the file keeps busy) while the database
        # waits for the rows.
        text = _CopyText()
        with psycopg.copy.Copy(self.cursor, writer=text) as copy:
            for id_, row in zip(ids, rows, strict=True):
                copy.write_row((id_, *row))
        self.queued[-1][2].extend(text.chunks)
        return ids

    def start(self) -> None:
        """Start copying the queued rows in."""
        if not self.queued:
            return
        self.wait()
        copies = [(_copy_sql(model, columns), chunks) for model, columns, chunks in self.queued]
        self.queued = []
        if self.thread is None:
            self.thread = ThreadPoolExecutor(1, thread_name_prefix="import-copy")
        self.copying = self.thread.submit(_copy, connection.connection, copies)

    def wait(self) -> None:
        """Wait until the rows being copied are in; raise the database's error if it refused
        them."""
        copying, self.copying = self.copying, None
        if copying is not None:
            with connection.wrap_database_errors:
                copying.result()

    def close(self) -> None:
        """Wait for the rows being copied, and give the tables' keys back their deferred
        check."""
        try:
            self.wait()
        finally:
            self._end_thread()
        if self.postgresql:
            self._set_constraints("DEFERRED")

    def abandon(self) -> None:
        """After an error: wait for the rows being copied, whatever comes of them (the error
        raised already matters more), and copy nothing more."""
        if self.copying is not None:
            futures.wait([self.copying])
        self.copying = None
        self.queued = []
        self._end_thread()

    def _end_thread(self) -> None:
        if self.thread is not None:
            self.thread.shutdown()
            self.thread = None
        if self.postgresql:
            self.cursor.close()

    def _set_constraints(self, mode: str) -> None:
        if self.foreign_keys:
            with connection.cursor() as cursor:
                cursor.execute(f"SET CONSTRAINTS {self.foreign_keys} {mode}")


#: `count` ids from the sequence of `table`'s id. The sequence is looked up once (a subquery),
#: not for each id: looked up for each, it costs the database ten times what drawing does.
DRAW_IDS = (
    "SELECT nextval((SELECT pg_get_serial_sequence(%s, 'id')::regclass)) "
    "FROM generate_series(1, %s)"
)


def _draw_ids(cursor, table: str, count: int) -> Sequence[int]:
    """`count` new ids for `table`'s rows. They are nearly always one run of numbers, drawn
    and sent back as two; when another session drew ids of the same table meanwhile, they
    are drawn again one by one (the first are left unused, as a rolled-back insert leaves
    them)."""
    cursor.execute(f"SELECT min(id), max(id) FROM ({DRAW_IDS}) AS drawn (id)", [table, count])
    first, last = cursor.fetchone()
    if last - first + 1 == count:
        return range(first, last + 1)
    cursor.execute(DRAW_IDS, [table, count])
    return [id_ for (id_,) in cursor.fetchall()]


def _deferred_foreign_keys(models_: Sequence[type[models.Model]]) -> str:
    """The foreign keys of the tables of `models_` that are checked at the commit, as a list
    for SET CONSTRAINTS (each name quoted by the database)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT string_agg(format('%%I.%%I', n.nspname, c.conname), ', ' ORDER BY c.conname) "
            "FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace "
            "WHERE c.conrelid = ANY(%s::regclass[]) AND c.contype = 'f' AND c.condeferred",
            [[model._meta.db_table for model in models_]],
        )
        (names,) = cursor.fetchone()
    return names or ""


class _CopyText(psycopg.copy.Writer):
    """What psycopg would send for the rows of a COPY, kept: `chunks` of its text format."""

    def __init__(self):
        self.chunks: list[bytes] = []

    def write(self, data) -> None:
        self.chunks.append(bytes(data))


def _copy_sql(model: type[models.Model], columns: Sequence[str]) -> str:
    """The COPY of rows of `model`: its id, then `columns` (attribute names)."""
    names = ", ".join(
        connection.ops.quote_name(model._meta.get_field(name).column) for name in ("id", *columns)
    )
    return f"COPY {connection.ops.quote_name(model._meta.db_table)} ({names}) FROM STDIN"


def _copy(raw_connection, copies: list[tuple[str, list[bytes]]]) -> None:
    """Run each of `copies` (a COPY, and the text of its rows) on `raw_connection` (a psycopg
    connection). This thread uses nothing of Django's."""
    with raw_connection.cursor() as cursor:
        for sql, chunks in copies:
            with cursor.copy(sql) as copy:
                for chunk in chunks:
                    copy.write(chunk)
