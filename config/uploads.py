"""Uploaded files are cut off where Django's own bound on a request's other data is.

Django bounds what a request's fields may hold (`DATA_UPLOAD_MAX_MEMORY_SIZE`, 2.5 MB) but not
its files: a file of any size would be written to a temporary file in full before a view could
refuse it, and every POST is parsed (by the CSRF check, before any view), signed in or not. The
only file this application takes is a bulk write-off's list of numbers, at most 400 KB.
"""

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler


def upload_bound() -> int:
    """The most bytes of a file that are kept; a file said to hold more was cut off there."""
    return settings.DATA_UPLOAD_MAX_MEMORY_SIZE


class BoundedUploadHandler(FileUploadHandler):
    """First of `FILE_UPLOAD_HANDLERS`: passes on one byte more of each file than the bound,
    so that a larger file is seen as larger, and drops the rest as it arrives."""

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.passed = 0

    def receive_data_chunk(self, raw_data, start):
        room = upload_bound() + 1 - self.passed
        if room <= 0:
            return None
        self.passed += min(room, len(raw_data))
        return raw_data[:room]

    def file_complete(self, file_size):
        return None
