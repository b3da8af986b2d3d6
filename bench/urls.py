"""The application's own URLs, plus `/bench/bare/`: the smallest response Django can give
through the same middleware, the floor every figure is divided by."""

from django.http import HttpRequest, HttpResponse
from django.urls import include, path

BARE_PATH = "/bench/bare/"


def bare(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [
    path(BARE_PATH.strip("/") + "/", bare),
    path("", include("config.urls")),
]
