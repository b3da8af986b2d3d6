"""`python manage.py import_invoices FILE`: import a C7 JSON file, all or nothing (SPEC C3)."""

import sys

from django.core.management.base import BaseCommand, CommandError
from django.db import IntegrityError

from writeoffs.importing import ImportRefused, documents_import, import_json_parse


class Command(BaseCommand):
    help = (
        "Import accounting codes, reason codes and invoices from a JSON file (SPEC C7). "
        "Nothing is imported if any part of the file is wrong; every problem is listed."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="the JSON file to import, or - for standard input")

    def handle(self, *args, file: str, **options):
        try:
            report = documents_import(data=import_json_parse(self.read(file)))
        except ImportRefused as refused:
            for problem in refused.problems:
                self.stderr.write(problem)
            count = len(refused.problems)
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
        for sentence in report.summary():
            self.stdout.write(sentence)

    def read(self, file: str) -> bytes:
        # Bytes, not text: the importer reports invalid UTF-8 itself, with its position.
        if file == "-":
            return sys.stdin.buffer.read()
        try:
            with open(file, "rb") as f:
                return f.read()
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror}.") from None
