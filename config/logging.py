"""Logging filters."""

import logging


class RefusalsInOneLine(logging.Filter):
    """A 403 (no permission, a failed CSRF check) is logged without its traceback: one line
    that says what was refused, where."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "status_code", None) == 403:
            record.exc_info = None
            record.exc_text = None
        return True
