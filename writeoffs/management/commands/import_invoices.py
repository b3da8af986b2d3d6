"""`python manage.py import_invoices FILE`: import a C7 JSON file, all or nothing (SPEC C3)."""

import contextlib
import gc
import shutil
import sys
import tempfile
from collections.abc import Iterator

from django.core.checks import Tags
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, IntegrityError

from writeoffs.importing import ImportRefused, ImportReport, file_import


class Command(BaseCommand):
    help = (
        "Import accounting codes, reason codes and invoices from a JSON file (SPEC C7). "
        "Nothing is imported if any part of the file is wrong; every problem is listed."
    )
    # The models' checks only: the import serves no page, and the URL checks alone import
    # every view, the API's schemas included (half a second before the file is opened).
    requires_system_checks = [Tags.models]

    def add_arguments(self, parser):
        parser.add_argument("file", help="the JSON file to import, or - for standard input")

    def handle(self, *args, file: str, **options):
        try:
            with _collector_paused():
                report = self.import_file(file)
        except ImportRefused as refused:
            for line in refused.lines():
                self.stderr.write(line)
            count = refused.count
            raise CommandError(
                f"Nothing was imported: {count} problem{'s' if count != 1 else ''}."
            ) from None
        except IntegrityError:
            # The file was checked against the database, but another import committed the same
            # number or code in the meantime; the transaction rolled back as a whole.
            raise CommandError(
                "Nothing was imported: another import created some of the same documents or "
                "codes at the same moment. Run the import again to see what is left to import."
            ) from None
        except DatabaseError as error:
            # A lost connection, or no second one to be had for the numbers met
            # (`max_connections`): the transaction rolled back as a whole.
            reason = next(iter(str(error).strip().splitlines()), type(error).__name__)
            raise CommandError(f"Nothing was imported: the database failed ({reason}).") from None
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror}.") from None
        try:
            for piece in report.summary():
                self.stdout.write(piece, ending="")
        finally:
            report.close()

    def import_file(self, file: str) -> ImportReport:
        if file != "-":
            return file_import(path=file)
        # Standard input can be read once only, and the import may read the file twice.
        with tempfile.NamedTemporaryFile(prefix="import_invoices-", suffix=".json") as spool:
            shutil.copyfileobj(sys.stdin.buffer, spool)
            spool.flush()
            return file_import(path=spool.name)


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector. An import makes no reference cycles (its memory
    is freed as each batch is let go), but the collector, run by the count of objects made,
    would walk the batches of documents held again and again: a sixth of the command's time."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
