"""The `number` path converter: a document or credit memo number in a URL.

Importing this module registers it (once: Django refuses a second registration).
"""

from django.urls import register_converter

from billing.models import DOCUMENT_NUMBER_PATTERN, KINDS, DocumentKind


class NumberConverter:
    # The pattern every document number matches (a constraint holds them to it), so that every
    # number can be linked to and anything else is a plain 404 without a query.
    regex = DOCUMENT_NUMBER_PATTERN

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(NumberConverter, "number")


class KindConverter:
    """`invoices` or `debit-memos` in a URL: the kind of billing document its pages show."""

    regex = "|".join(KINDS)

    def to_python(self, value: str) -> DocumentKind:
        return KINDS[value]

    def to_url(self, value: DocumentKind | str) -> str:
        return str(value)


register_converter(KindConverter, "kind")
