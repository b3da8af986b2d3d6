"""Logging filters."""

import logging


class RefusalsInOneLine(logging.Filter):
    """A 403 (no permission, a failed CSRF check) or a 400 Django refuses before any view (a
    body too large, a malformed upload) is logged without its traceback: one line that says
    what was refused, where."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "status_code", None) in (400, 403):
            record.exc_info = None
            record.exc_text = None
        return True
