"""`Idempotency-Key` (SPEC C8, W12): a retry gets the first response, success or refusal, and
writes nothing; the same key with another body is refused (422); while the first request with
the key is still running, a second gets 409."""

import json
import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from api import writeoff
from api.idempotency import request_hash
from api.services import api_token_create
from tests.api.helpers import INVOICE, bearer, reasons, write_off_path
from tests.conftest import postgresql_only
from tests.factories import UserFactory
from writeoffs.models import CreditMemo, ReasonCode, RequestKey

pytestmark = pytest.mark.django_db

NUMBER = "INV00000101"


def write_off_body(document, amount="1.00", kind=INVOICE, **fields):
    """A write-off of `amount` of the document's charge (`document` as `invoice_with_all_kinds`
    returns it)."""
    return json.dumps(
        {"items": [{kind.item_id: str(document[1].pk), "amountWithoutTax": amount}], **fields}
    )


@pytest.fixture
def put_with_key(put_write_off):
    def put(body, key="key-1", kind=INVOICE, **kwargs):
        path = kind.write_off_path(kind.number())
        return put_write_off(path, body, **{"Idempotency-Key": key}, **kwargs)

    return put


def test_a_retry_returns_the_first_response_and_writes_nothing(put_with_key, kind, example):
    first = put_with_key(write_off_body(example, kind=kind), kind=kind)
    retry = put_with_key(write_off_body(example, kind=kind), kind=kind)
    assert first.status_code == retry.status_code == 200
    assert retry.json() == first.json()
    assert retry["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first
    assert CreditMemo.objects.count() == 1


def test_a_refusal_is_kept_and_returned_too(put_with_key, invoice):
    reason = ReasonCode.objects.get(name="Charge Dispute")
    reason.active = False
    reason.save()
    body = write_off_body(invoice, reasonCode="Charge Dispute")
    first = put_with_key(body)
    assert reasons(first) == [("inactive", "reasonCode")]
    reason.active = True
    reason.save()
    retry = put_with_key(body)
    assert (retry.status_code, retry.json()) == (422, first.json())
    assert retry["Idempotent-Replayed"] == "true"
    assert CreditMemo.objects.count() == 0


def test_an_unreadable_body_is_kept_and_returned_too(put_with_key, invoice):
    assert put_with_key("{").status_code == 400
    retry = put_with_key("{")
    assert (retry.status_code, retry["Idempotent-Replayed"]) == (400, "true")


def test_the_same_key_with_another_body_is_refused(put_with_key, invoice):
    assert put_with_key(write_off_body(invoice, "1.00")).status_code == 200
    response = put_with_key(write_off_body(invoice, "2.00"))
    assert response.status_code == 422
    assert reasons(response) == [("idempotency_key_reused", None)]
    assert CreditMemo.objects.count() == 1
    assert response.json()["reasons"][0]["message"] == (
        "This key was used for another request in the last 24 hours; send a new key with a new "
        "request."
    )


def test_the_same_key_for_another_document_is_refused(put_write_off, invoice, kind):
    """Another invoice, or a debit memo: the path is part of the request."""
    other = kind.with_all_kinds(102)[0]
    headers = {"Idempotency-Key": "key-1"}
    assert put_write_off(write_off_path(NUMBER), "{}", **headers).status_code == 200
    response = put_write_off(kind.write_off_path(other.number), "{}", **headers)
    assert reasons(response) == [("idempotency_key_reused", None)]
    assert CreditMemo.objects.count() == 1


def test_keys_are_kept_per_user(put_with_key, invoice):
    other = UserFactory(username="other", permissions=["writeoffs.write_off_document"])
    other_token = api_token_create(user=other, name="x")[1]
    assert put_with_key(write_off_body(invoice)).status_code == 200
    response = put_with_key(write_off_body(invoice), token=other_token)
    assert response.status_code == 200
    assert "Idempotent-Replayed" not in response
    assert CreditMemo.objects.count() == 2


def test_a_key_is_forgotten_after_24_hours(put_with_key, invoice):
    assert put_with_key(write_off_body(invoice, "1.00")).status_code == 200
    RequestKey.objects.update(created=timezone.now() - timedelta(hours=24, seconds=1))
    assert put_with_key(write_off_body(invoice, "2.00")).status_code == 200
    assert CreditMemo.objects.count() == 2
    assert RequestKey.objects.count() == 1


def test_a_key_whose_first_request_is_running_gets_409(put_with_key, clerk, invoice):
    RequestKey.objects.create(
        user=clerk,
        channel=RequestKey.Channel.API,
        key="key-1",
        fingerprint=_hash_of(invoice),
        created=timezone.now(),
    )
    response = put_with_key(write_off_body(invoice))
    assert response.status_code == 409
    assert reasons(response) == [("request_in_progress", None)]
    assert CreditMemo.objects.count() == 0


def test_a_request_abandoned_by_a_dead_process_is_run_again(put_with_key, clerk, invoice):
    RequestKey.objects.create(
        user=clerk,
        channel=RequestKey.Channel.API,
        key="key-1",
        fingerprint=_hash_of(invoice),
        created=timezone.now() - timedelta(minutes=6),
    )
    assert put_with_key(write_off_body(invoice)).status_code == 200
    assert CreditMemo.objects.count() == 1


def test_a_request_abandoned_after_its_write_off_makes_no_second_one(put_with_key, clerk, invoice):
    put_with_key(write_off_body(invoice))
    memo = CreditMemo.objects.get()
    # As if the process died between the write-off's commit and storing its response.
    RequestKey.objects.update(
        completed=False,
        response_status=None,
        response_body=None,
        created=timezone.now() - timedelta(minutes=6),
    )
    retry = put_with_key(write_off_body(invoice))
    assert retry.json()["creditMemo"]["number"] == memo.number
    assert CreditMemo.objects.count() == 1


def test_a_request_that_crashes_keeps_no_response(put_with_key, invoice, monkeypatch):
    def crash(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(writeoff, "document_write_off", crash)
    with pytest.raises(RuntimeError):
        put_with_key(write_off_body(invoice))
    assert RequestKey.objects.count() == 0
    monkeypatch.undo()
    assert put_with_key(write_off_body(invoice)).status_code == 200


@pytest.mark.parametrize("key", ["", "k" * 256, "k\x00", "clé"])
def test_a_key_of_the_wrong_length_is_refused(put_with_key, invoice, key):
    response = put_with_key(write_off_body(invoice), key=key)
    assert response.status_code == 400
    assert reasons(response) == [("invalid_idempotency_key", "Idempotency-Key")]


def _hash_of(invoice):
    """The hash of a PUT of `write_off_body(invoice)` to the invoice."""
    return request_hash("PUT", write_off_path(NUMBER), write_off_body(invoice).encode())


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_a_second_request_while_the_first_runs_gets_409_then_the_first_response(
    clerk, clerk_token, invoice, monkeypatch
):
    running, release = threading.Event(), threading.Event()
    service = writeoff.document_write_off

    def slow_service(**kwargs):
        running.set()
        assert release.wait(timeout=30)
        return service(**kwargs)

    monkeypatch.setattr(writeoff, "document_write_off", slow_service)
    responses = {}

    def put(name):
        try:
            responses[name] = Client().put(
                write_off_path(NUMBER),
                write_off_body(invoice),
                content_type="application/json",
                headers={**bearer(clerk_token), "Idempotency-Key": "key-1"},
            )
        finally:
            connection.close()

    first = threading.Thread(target=put, args=("first",))
    first.start()
    assert running.wait(timeout=30)
    second = threading.Thread(target=put, args=("second",))
    second.start()
    second.join(timeout=30)
    release.set()
    first.join(timeout=30)
    put("retry")

    assert responses["second"].status_code == 409
    assert reasons(responses["second"]) == [("request_in_progress", None)]
    assert responses["first"].status_code == 200
    assert responses["retry"].json() == responses["first"].json()
    assert CreditMemo.objects.count() == 1


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_sixteen_requests_with_one_key_at_once_make_one_write_off(clerk_token, invoice):
    start = threading.Barrier(16)
    responses = []

    def put():
        try:
            start.wait()
            responses.append(
                Client().put(
                    write_off_path(NUMBER),
                    write_off_body(invoice),
                    content_type="application/json",
                    headers={**bearer(clerk_token), "Idempotency-Key": "key-1"},
                )
            )
        finally:
            connection.close()

    threads = [threading.Thread(target=put) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    statuses = sorted(response.status_code for response in responses)
    assert len(statuses) == 16 and set(statuses) <= {200, 409}, statuses
    numbers = {r.json()["creditMemo"]["number"] for r in responses if r.status_code == 200}
    assert numbers == {CreditMemo.objects.get().number}
