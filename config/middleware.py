"""Response headers of every page and API answer, and request headers no page may read."""

import gzip
import re
import secrets

from django.http import HttpResponseBadRequest
from django.middleware import gzip as django_gzip
from django.utils.cache import patch_vary_headers

#: No page of this application uses the camera, the microphone, the location, payments or the
#: like; a script injected anyway cannot either.
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "payment",
        "usb",
    )
)


class PermissionsPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response


#: Control characters other than the tab, which RFC 9110 forbids in a header's value.
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")


class ControlCharactersRefusedMiddleware:
    """A request with a control character in a header is refused (400), as gunicorn refuses
    it, whatever server runs the application: django-axes stores a failed sign-in's
    User-Agent and Accept, and PostgreSQL cannot store the NUL character. So is an admin page
    asked for with a NUL in its query: the admin's lists filter by any of their fields from
    the URL, and PostgreSQL cannot compare NUL either. (Our own pages read their queries
    through forms, which name a NUL next to its field.)"""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # The API reads its own headers and refuses in its own JSON; it stores none of them.
        for name, value in () if request.path.startswith("/api/") else request.META.items():
            if name.startswith("HTTP_") and isinstance(value, str) and _CONTROL.search(value):
                return HttpResponseBadRequest(
                    "A request header holds a control character.", content_type="text/plain"
                )
        if request.path.startswith("/admin/") and any(
            "\x00" in key or any("\x00" in value for value in values)
            for key, values in request.GET.lists()
        ):
            return HttpResponseBadRequest(
                "The address holds the NUL character.", content_type="text/plain"
            )
        return self.get_response(request)


class GZipMiddleware(django_gzip.GZipMiddleware):
    """Django's GZipMiddleware, padding included, at compression level 3 instead of 6 for a
    response held whole (a streamed one, the report's CSV, is left to Django).

    The dialog of a 2,000-line invoice is 1.4 MB of HTML: level 6 took 11 ms to make 61 KB of
    it, level 3 takes 3.6 ms for 71 KB; a page of a few KB is 8% larger and a tenth of a
    millisecond quicker. As Django does against BREACH-style guessing of a page's secrets
    (the CSRF token), the gzip header carries a file name of 0 to 99 random bytes."""

    level = 3

    def process_response(self, request, response):
        if response.streaming or len(response.content) < 200:
            return super().process_response(request, response)
        if response.has_header("Content-Encoding"):
            return response
        patch_vary_headers(response, ("Accept-Encoding",))
        if not django_gzip.re_accepts_gzip.search(request.META.get("HTTP_ACCEPT_ENCODING", "")):
            return response
        compressed = _padded(gzip.compress(response.content, compresslevel=self.level, mtime=0))
        if len(compressed) >= len(response.content):
            return response
        response.content = compressed
        response.headers["Content-Length"] = str(len(compressed))
        etag = response.get("ETag")
        if etag and etag.startswith('"'):
            response.headers["ETag"] = "W/" + etag  # RFC 9110 8.8.1: a strong tag turns weak
        response.headers["Content-Encoding"] = "gzip"
        return response


def _padded(compressed: bytes) -> bytes:
    """`compressed` (a gzip member) with a file name of random length in its header, as
    `django.utils.text.compress_string` pads it."""
    header = bytearray(compressed[:10])
    header[3] = gzip.FNAME
    name = b"a" * secrets.randbelow(GZipMiddleware.max_random_bytes) + b"\x00"
    return bytes(header) + name + compressed[10:]
