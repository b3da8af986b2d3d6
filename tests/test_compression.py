"""Pages and API answers are sent compressed to a client that accepts gzip, padded against
BREACH-style guessing (config.middleware.GZipMiddleware)."""

import gzip
import zlib

import pytest
from django.http import HttpResponse, StreamingHttpResponse
from django.test import RequestFactory

from config.middleware import GZipMiddleware
from tests.factories import invoice_with_all_kinds

pytestmark = pytest.mark.django_db


def members(body: bytes) -> tuple[bytes, bytes]:
    """The file name in a gzip member's header (flag FNAME), and its deflate stream."""
    assert body[:3] == b"\x1f\x8b\x08" and body[3] == gzip.FNAME
    end = body.index(b"\x00", 10)
    return body[10:end], body[end + 1 :]


@pytest.fixture
def invoice_page(client, clerk):
    client.force_login(clerk)
    invoice = invoice_with_all_kinds()[0]
    return f"/billing/invoices/{invoice.number}/"


def test_a_page_is_compressed_at_level_3_and_padded_with_a_name_of_random_length(
    client, invoice_page
):
    names = set()
    for _ in range(12):
        response = client.get(invoice_page, headers={"accept-encoding": "gzip, br"})
        assert response["Content-Encoding"] == "gzip"
        assert "Accept-Encoding" in response["Vary"]
        assert int(response["Content-Length"]) == len(response.content)
        name, stream = members(response.content)
        assert set(name) <= {ord("a")} and len(name) < 100
        names.add(len(name))
        page = gzip.decompress(response.content)
        assert b"Line Items" in page
        # The same stream as zlib makes at level 3 (the header aside): not Django's level 6.
        assert stream == gzip.compress(page, compresslevel=3, mtime=0)[10:]
        assert stream != gzip.compress(page, compresslevel=6, mtime=0)[10:]
    assert len(names) > 1  # the length changes from answer to answer


def test_a_client_that_does_not_accept_gzip_gets_the_page_as_it_is(client, invoice_page):
    response = client.get(invoice_page)
    assert not response.has_header("Content-Encoding")
    assert b"Line Items" in response.content
    assert "Accept-Encoding" in response["Vary"]


def test_short_answers_and_answers_already_encoded_are_left_alone():
    request = RequestFactory().get("/", headers={"accept-encoding": "gzip"})
    short = GZipMiddleware(lambda request: HttpResponse(b"x" * 199))(request)
    assert short.content == b"x" * 199 and not short.has_header("Content-Encoding")

    def encoded(request):
        response = HttpResponse(b"y" * 1000)
        response["Content-Encoding"] = "br"
        return response

    assert GZipMiddleware(encoded)(request).content == b"y" * 1000


def test_a_strong_etag_turns_weak_once_compressed():
    def tagged(request):
        response = HttpResponse(b"z" * 1000)
        response["ETag"] = '"v1"'
        return response

    request = RequestFactory().get("/", headers={"accept-encoding": "gzip"})
    assert GZipMiddleware(tagged)(request)["ETag"] == 'W/"v1"'


def test_a_streamed_answer_is_compressed_as_django_does():
    def streamed(request):
        return StreamingHttpResponse(iter([b"a,b\n"] * 500), content_type="text/csv")

    request = RequestFactory().get("/", headers={"accept-encoding": "gzip"})
    response = GZipMiddleware(streamed)(request)
    assert response["Content-Encoding"] == "gzip"
    body = b"".join(response.streaming_content)
    assert zlib.decompress(body, wbits=31) == b"a,b\n" * 500
