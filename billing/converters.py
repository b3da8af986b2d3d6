"""The `number` path converter: a document or credit memo number in a URL.

Importing this module registers it (once: Django refuses a second registration).
"""

from django.urls import register_converter


class NumberConverter:
    # Numbers are kept as imported, but never hold a slash or a control character: a NUL in
    # particular would reach PostgreSQL, which refuses it with an error instead of "not found".
    regex = r"[^/\x00-\x1f\x7f]+"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(NumberConverter, "number")
