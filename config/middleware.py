"""Response headers of every page and API answer, and request headers no page may read."""

import re

from django.http import HttpResponseBadRequest

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
