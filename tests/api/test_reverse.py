"""`PUT /api/v1/credit-memos/<number>/reverse` (SPEC D2): Zuora's reverse credit memo on the one
reversal service. How the request is read (defaults, `applyEffectiveDate`, reason codes by
name), every refusal with its status, code and field, each writing nothing, `Idempotency-Key`,
hostile bodies, and, on PostgreSQL, many reversals of one memo at once.

The rules themselves are the service's and are tested in `tests/writeoffs/test_reversals.py`;
here each is seen once through the API. Tests that ask for `kind` run for a write-off of an
invoice and of a debit memo."""

import datetime
import json
import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from api import reversal
from api.idempotency import request_hash
from api.models import ApiToken
from api.services import api_token_create
from api.views import api as api_views
from billing.models import VIEW_DOCUMENTS, BillingDocument, LineItem
from tests.api.helpers import INVOICE, bearer, reasons, reverse_path
from tests.conftest import postgresql_only
from tests.factories import (
    LineItemFactory,
    ReasonCodeFactory,
    UserFactory,
    write_off,
)
from writeoffs.models import (
    REVERSE_PERMISSION,
    CreditMemo,
    NumberSequence,
    ReasonCode,
    RequestKey,
)

pytestmark = pytest.mark.django_db

MEMO_DATE = datetime.date(2026, 10, 15)
REVERSAL = {"memoDate": "2026-10-20", "reasonCode": "Correcting Invoice Error"}


def books():
    """Everything a reversal changes, to show that a refusal changed nothing: documents (the
    debit memo is one), lines and their balances, the memos' states and the number counters."""
    return (
        list(BillingDocument.objects.order_by("pk").values_list("pk", "number", "balance")),
        list(LineItem.objects.order_by("pk").values_list("pk", "balance")),
        list(
            CreditMemo.objects.order_by("pk").values_list(
                "pk", "status", "reversing_debit_memo", "reversed_by"
            )
        ),
        list(NumberSequence.objects.order_by("name").values_list("name", "last_value")),
    )


@pytest.fixture
def memo(example, clerk):
    """A write-off of part of every line of the example document: 60.00, 4.95, -6.00, -0.50."""
    document, charge, tax, discount, discount_tax = example
    return write_off(
        document,
        clerk,
        [(charge, "60.00"), (tax, "4.95"), (discount, "-6.00"), (discount_tax, "-0.50")],
        memo_date=MEMO_DATE,
        reason_code=ReasonCode.objects.get(name="Charge Dispute"),
    )


@pytest.fixture
def put_reverse(client, controller_token):
    """`put_reverse(number, body, token=..., **headers)`: a PUT as the controller (`token=None`:
    with no Authorization header); a `str` or `bytes` body is sent as it is, anything else as
    JSON."""

    def put(number, body=REVERSAL, token=controller_token, path=reverse_path, **headers):
        data = body if isinstance(body, str | bytes) else json.dumps(body)
        return client.put(
            path(number),
            data,
            content_type="application/json",
            headers={**(bearer(token) if token is not None else {}), **headers},
        )

    return put


@pytest.fixture
def refused(put_reverse, memo):
    """`refused(body, status=422, **put_options)`: the (code, field) pairs of a refusal of the
    memo's reversal that wrote nothing."""

    def refuse(body, status=422, number=None, **options):
        before = books()
        response = put_reverse(number or memo.number, body, **options)
        assert response.status_code == status, response.content
        assert books() == before
        return reasons(response)

    return refuse


@pytest.fixture
def reversed_(put_reverse, memo):
    """`reversed_(body)`: the memo, reloaded, after a successful reversal."""

    def reverse(body=REVERSAL, **options):
        response = put_reverse(memo.number, body, **options)
        assert response.status_code == 200, response.content
        memo.refresh_from_db()
        return memo

    return reverse


# Success


def test_a_reversal_restores_every_balance_and_returns_both_ids(put_reverse, memo, example):
    document, *lines = example
    response = put_reverse(memo.number, {**REVERSAL, "comment": "Wrong customer"})
    assert response.status_code == 200, response.content
    assert "Idempotent-Replayed" not in response
    memo.refresh_from_db()
    debit_memo = memo.reversing_debit_memo
    assert response.json() == {
        "success": True,
        "creditMemo": {"id": str(memo.pk), "number": memo.number, "amount": "58.45"},
        "debitMemo": {"id": str(debit_memo.pk), "number": "DM00000001", "amount": "58.45"},
    }
    # Every line and the document are back where they were before the write-off.
    document.refresh_from_db()
    assert document.balance == document.amount == Decimal("97.42")
    for line in lines:
        line.refresh_from_db()
        assert line.balance == line.amount
    assert (memo.status, memo.reversal_date, memo.reversal_reason_code.name) == (
        "Reversed",
        datetime.date(2026, 10, 20),
        "Correcting Invoice Error",
    )
    assert (memo.reversal_comment, memo.reversed_by.username) == ("Wrong customer", "controller")
    assert (debit_memo.type, debit_memo.date, debit_memo.balance, debit_memo.amount) == (
        BillingDocument.Type.DEBIT_MEMO,
        datetime.date(2026, 10, 20),
        Decimal("0"),
        Decimal("58.45"),
    )


def test_the_debit_memo_id_is_the_one_its_own_get_shows(put_reverse, memo, get_as_clerk):
    debit_memo = put_reverse(memo.number).json()["debitMemo"]
    read = get_as_clerk(f"/api/v1/debitmemos/{debit_memo['number']}")
    assert read.status_code == 200
    assert (read.json()["id"], read.json()["balance"]) == (debit_memo["id"], "0.00")


def test_the_credit_memo_shows_its_reversal(reversed_, memo, get_as_clerk):
    reversed_({**REVERSAL, "comment": "Wrong customer"})
    body = get_as_clerk(f"/api/v1/credit-memos/{memo.number}").json()
    assert body.pop("reversedAt")
    assert {key: value for key, value in body.items() if key.startswith("revers")} == {
        "reversed": True,
        "reversingDebitMemoId": str(memo.reversing_debit_memo_id),
        "reversingDebitMemoNumber": "DM00000001",
        "reversalDate": "2026-10-20",
        "reversalReasonCode": "Correcting Invoice Error",
        "reversalComment": "Wrong customer",
        "reversedBy": "controller",
    }
    assert body["status"] == "Reversed"
    # What the memo was is unchanged.
    assert (body["memoDate"], body["reasonCode"], body["amount"]) == (
        "2026-10-15",
        "Charge Dispute",
        "58.45",
    )


def test_the_document_may_be_written_off_again(reversed_, put_write_off, kind, memo):
    reversed_()
    response = put_write_off(kind.write_off_path(kind.number()), {})
    assert response.status_code == 200
    assert response.json()["creditMemo"]["amount"] == "97.42"


@pytest.mark.parametrize("body", ["", "{}", {"memoDate": None, "reasonCode": "", "comment": None}])
def test_no_date_means_today_and_no_reason_the_default_reason(reversed_, body):
    memo = reversed_(body)
    assert memo.reversal_date == timezone.localdate()
    assert memo.reversal_reason_code.name == "Write-off"
    assert memo.reversal_comment == ""


def test_a_memo_dated_after_today_is_reversed_on_its_date_by_default(put_reverse, clerk, kind):
    later = timezone.localdate() + timedelta(days=10)
    document, charge, *_ = kind.with_all_kinds(date=later, due_date=later)
    memo = write_off(document, clerk, [(charge, "1.00")], memo_date=later)
    assert put_reverse(memo.number, {}).status_code == 200
    memo.refresh_from_db()
    assert memo.reversal_date == later


@pytest.mark.parametrize(
    "body",
    [
        {**REVERSAL, "applyEffectiveDate": "2026-10-20"},
        {"reasonCode": "Charge Dispute", "applyEffectiveDate": "today"},
    ],
    ids=["the reversal date", "the default reversal date"],
)
def test_apply_effective_date_may_name_the_reversal_date(reversed_, body):
    if body.get("applyEffectiveDate") == "today":
        body = {**body, "applyEffectiveDate": timezone.localdate().isoformat()}
    assert reversed_(body).is_reversed


@pytest.mark.parametrize("apply_date", ["2026-10-21", "2026-10-15", "2026-10-01"])
def test_apply_effective_date_of_another_day_is_refused(refused, apply_date):
    assert refused({**REVERSAL, "applyEffectiveDate": apply_date}) == [
        ("apply_date_not_reversal_date", "applyEffectiveDate")
    ]


def test_fields_this_application_does_not_use_are_ignored(reversed_):
    assert reversed_({**REVERSAL, "IntegrationId__NS": "x", "taxAutoCalculation": True})


def test_the_path_with_a_trailing_slash_works_too(reversed_):
    assert reversed_(path=lambda number: reverse_path(number) + "/").is_reversed


def test_a_token_authenticated_reversal_needs_no_csrf_token(controller_token, memo):
    client = Client(enforce_csrf_checks=True)
    response = client.put(
        reverse_path(memo.number),
        json.dumps(REVERSAL),
        content_type="application/json",
        headers=bearer(controller_token),
    )
    assert response.status_code == 200


# Refusals: 404, 401, 403


@pytest.mark.parametrize("number", ["CM99999999", "CM%00", "INV00000101", "C" * 300])
def test_an_unknown_credit_memo_is_not_found(refused, number):
    assert refused(REVERSAL, status=404, number=number) == [("not_found", None)]


@pytest.mark.parametrize("token", ["viewer_token", "clerk_token"])
def test_without_the_reverse_permission_gets_403(refused, request, token, memo, client):
    """The viewer may see the memo and the clerk may write off; neither may reverse."""
    token = request.getfixturevalue(token)
    assert refused(REVERSAL, status=403, token=token) == [("permission_denied", None)]
    assert client.get(f"/api/v1/credit-memos/{memo.number}", headers=bearer(token)).status_code == (
        200
    )


def test_the_permission_is_checked_before_the_memo_is_looked_up(refused, viewer_token):
    assert refused(REVERSAL, status=403, token=viewer_token, number="CM99999999") == [
        ("permission_denied", None)
    ]


@pytest.mark.parametrize(
    ("token", "code"),
    [("wo_unknown", "invalid_token"), ("", "invalid_token"), (None, "not_authenticated")],
)
def test_without_a_valid_token_gets_401(refused, token, code):
    assert refused(REVERSAL, status=401, token=token) == [(code, None)]


def test_a_revoked_token_gets_401(refused, controller_token):
    ApiToken.objects.update(revoked_at=timezone.now())
    assert refused(REVERSAL, status=401) == [("invalid_token", None)]


# Refusals: 422, one per rule


def test_a_memo_reversed_already_is_refused(reversed_, refused):
    reversed_()
    assert refused(REVERSAL) == [("already_reversed", None)]


def test_a_reversal_date_before_the_memo_date_is_refused(refused):
    assert refused({**REVERSAL, "memoDate": "2026-10-14"}) == [("date_before_memo", "memoDate")]


def test_a_reversal_date_in_the_future_is_refused(refused):
    tomorrow = timezone.localdate() + timedelta(days=1)
    assert refused({**REVERSAL, "memoDate": tomorrow.isoformat()}) == [
        ("date_in_future", "memoDate")
    ]


def test_a_reversal_on_the_memo_date_is_accepted(reversed_):
    assert reversed_({**REVERSAL, "memoDate": "2026-10-15"}).reversal_date == MEMO_DATE


def test_an_unknown_reason_code_is_refused(refused):
    assert refused({**REVERSAL, "reasonCode": "Customer Bankruptcy"}) == [
        ("unknown_reason_code", "reasonCode")
    ]


def test_a_reason_code_is_found_by_its_exact_name(refused):
    assert refused({**REVERSAL, "reasonCode": "correcting invoice error"}) == [
        ("unknown_reason_code", "reasonCode")
    ]


def test_an_inactive_reason_code_is_refused(refused):
    ReasonCodeFactory(name="Old reason", active=False)
    assert refused({**REVERSAL, "reasonCode": "Old reason"}) == [("inactive", "reasonCode")]


def test_a_comment_longer_than_255_characters_is_refused(refused, reversed_):
    assert refused({**REVERSAL, "comment": "x" * 256}) == [("comment_too_long", "comment")]
    assert reversed_({**REVERSAL, "comment": "é" * 255}).reversal_comment == "é" * 255


def test_every_problem_is_reported_at_once(reversed_, refused):
    reversed_()
    body = {
        "memoDate": "2026-10-14",
        "applyEffectiveDate": "2026-10-16",
        "reasonCode": "Customer Bankruptcy",
        "comment": "x" * 300,
    }
    assert refused(body) == [
        ("already_reversed", None),
        ("date_before_memo", "memoDate"),
        ("unknown_reason_code", "reasonCode"),
        ("comment_too_long", "comment"),
        ("apply_date_not_reversal_date", "applyEffectiveDate"),
    ]


# Refusals: 400, bodies that cannot be read, and other hostile input


@pytest.mark.parametrize(
    "body",
    [
        "{",
        "\xff",
        "{'memoDate': '2026-10-20'}",
        "[" * 100_000,
        '{"memoDate": ' + "[" * 40 + '"2026-10-20"' + "]" * 40 + "}",
        '{"comment": "a", "comment": "b"}',
        '{"reasonCode": "Write-off", "reasonCode": "Charge Dispute"}',
    ],
    ids=[
        "cut short",
        "not UTF-8",
        "single quotes",
        "100,000 brackets",
        "deep",
        "comment twice",
        "reason twice",
    ],
)
def test_a_body_that_is_not_json_this_api_reads_is_refused(refused, body):
    assert [code for code, _ in refused(body.encode("latin-1"), status=400)] == ["invalid_json"]


@pytest.mark.parametrize("body", ["[]", "1", '"memoDate"', "null", "true"])
def test_a_body_that_is_not_an_object_is_refused(refused, body):
    assert refused(body, status=400) == [("wrong_type", None)]


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("memoDate", 20261020, "invalid_date"),
        ("memoDate", "20261020", "invalid_date"),
        ("memoDate", "2026-02-30", "invalid_date"),
        ("memoDate", "2026-10-20T00:00:00", "invalid_date"),
        ("applyEffectiveDate", True, "invalid_date"),
        ("applyEffectiveDate", "tomorrow", "invalid_date"),
        ("reasonCode", ["Write-off"], "wrong_type"),
        ("reasonCode", 5, "wrong_type"),
        ("comment", 5, "wrong_type"),
        ("comment", {"text": "x"}, "wrong_type"),
        ("comment", "a\x00b", "invalid_text"),
        ("reasonCode", "Write-off\x00", "invalid_text"),
    ],
)
def test_a_field_of_the_wrong_type_or_format_is_refused(refused, field, value, code):
    assert refused({**REVERSAL, field: value}, status=400) == [(code, field)]


@pytest.mark.parametrize("field", ["comment", "reasonCode"])
def test_a_lone_surrogate_is_refused(refused, field):
    fields = {key: value for key, value in REVERSAL.items() if key != field}
    body = json.dumps(fields)[:-1] + f', "{field}": "a\\ud800b"}}'
    assert refused(body, status=400) == [("invalid_text", field)]


def test_every_unreadable_field_is_reported_at_once(refused):
    body = {"memoDate": "soon", "applyEffectiveDate": 1, "reasonCode": 2, "comment": "\x00"}
    assert refused(body, status=400) == [
        ("invalid_date", "memoDate"),
        ("invalid_date", "applyEffectiveDate"),
        ("wrong_type", "reasonCode"),
        ("invalid_text", "comment"),
    ]


def test_a_huge_comment_is_refused_as_too_long(refused):
    assert refused({**REVERSAL, "comment": "x" * 1_000_000}) == [("comment_too_long", "comment")]


def test_a_body_larger_than_the_server_accepts_is_refused(refused):
    """10 MB: more than Django reads (DATA_UPLOAD_MAX_MEMORY_SIZE), with a key or without."""
    body = json.dumps({**REVERSAL, "comment": "x" * 10_000_000})
    assert refused(body, status=400) == [("body_too_large", None)]
    assert refused(body, status=400, **{"Idempotency-Key": "big"}) == [("body_too_large", None)]
    assert not RequestKey.objects.exists()


@pytest.mark.parametrize("key", ["", "k" * 256, "k\x00", "clé"])
def test_an_idempotency_key_of_the_wrong_form_is_refused(refused, key):
    assert refused(REVERSAL, status=400, **{"Idempotency-Key": key}) == [
        ("invalid_idempotency_key", "Idempotency-Key")
    ]


# Idempotency-Key


@pytest.fixture
def put_with_key(put_reverse, memo):
    def put(body=REVERSAL, key="key-1", **options):
        return put_reverse(memo.number, body, **{"Idempotency-Key": key}, **options)

    return put


def test_a_retry_returns_the_first_response_and_reverses_once(put_with_key):
    first = put_with_key()
    retry = put_with_key()
    assert first.status_code == retry.status_code == 200
    assert retry.json() == first.json()
    assert retry["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first
    assert BillingDocument.objects.filter(reversed_credit_memo__isnull=False).count() == 1


def test_a_refusal_is_kept_and_returned_too(put_with_key):
    first = put_with_key({**REVERSAL, "reasonCode": "Old reason"})
    assert reasons(first) == [("unknown_reason_code", "reasonCode")]
    ReasonCodeFactory(name="Old reason")
    before = books()
    retry = put_with_key({**REVERSAL, "reasonCode": "Old reason"})
    assert (retry.status_code, retry.json(), retry["Idempotent-Replayed"]) == (
        422,
        first.json(),
        "true",
    )
    assert books() == before


def test_the_same_key_with_another_body_is_refused(put_with_key):
    assert put_with_key().status_code == 200
    before = books()
    response = put_with_key({**REVERSAL, "comment": "another"})
    assert response.status_code == 422
    assert reasons(response) == [("idempotency_key_reused", None)]
    assert books() == before


def test_the_same_key_for_a_write_off_and_a_reversal_is_refused(client, kind, memo):
    both = UserFactory(
        username="both",
        permissions=[VIEW_DOCUMENTS, REVERSE_PERMISSION, "writeoffs.write_off_document"],
    )
    headers = {**bearer(api_token_create(user=both, name="t")[1]), "Idempotency-Key": "key-1"}
    path = kind.write_off_path(kind.number())
    response = client.put(path, "{}", content_type="application/json", headers=headers)
    assert response.status_code == 200
    response = client.put(
        reverse_path(memo.number), "{}", content_type="application/json", headers=headers
    )
    assert reasons(response) == [("idempotency_key_reused", None)]
    memo.refresh_from_db()
    assert not memo.is_reversed


def test_keys_are_kept_per_user(put_with_key):
    """Another controller's request with the same key is that user's own: not a replay."""
    other = UserFactory(username="other", permissions=[REVERSE_PERMISSION])
    assert put_with_key().status_code == 200
    response = put_with_key(token=api_token_create(user=other, name="t")[1])
    assert "Idempotent-Replayed" not in response
    assert reasons(response) == [("already_reversed", None)]


def test_a_key_whose_first_request_is_running_gets_409(put_with_key, controller, memo):
    RequestKey.objects.create(
        user=controller,
        channel=RequestKey.Channel.API,
        key="key-1",
        fingerprint=request_hash("PUT", reverse_path(memo.number), json.dumps(REVERSAL).encode()),
        created=timezone.now(),
    )
    before = books()
    response = put_with_key()
    assert response.status_code == 409
    assert reasons(response) == [("request_in_progress", None)]
    assert books() == before


def test_a_request_abandoned_after_its_reversal_makes_no_second_one(put_with_key):
    first = put_with_key().json()
    # As if the process died between the reversal's commit and storing its response.
    RequestKey.objects.update(
        completed=False,
        response_status=None,
        response_body=None,
        created=timezone.now() - timedelta(minutes=6),
    )
    before = books()
    retry = put_with_key()
    assert (retry.status_code, retry.json()) == (200, first)
    assert books() == before


def test_a_request_that_crashes_keeps_no_response(put_with_key, monkeypatch):
    def crash(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(reversal, "credit_memo_reverse", crash)
    with pytest.raises(RuntimeError):
        put_with_key()
    assert not RequestKey.objects.exists()
    monkeypatch.undo()
    assert put_with_key().status_code == 200


def test_a_request_that_crashes_after_its_reversal_keeps_the_key(put_with_key, monkeypatch):
    """The reversal committed, then building the response failed: a retry (once the request
    counts as abandoned) gets that reversal back, not a second one nor `already_reversed`."""

    def crash(memo, debit_memo):
        raise RuntimeError("the process died")

    monkeypatch.setattr(api_views, "reverse_body", crash)
    with pytest.raises(RuntimeError):
        put_with_key()
    monkeypatch.undo()
    entry = RequestKey.objects.get()
    assert (entry.completed, entry.reversed_memo_id is not None) == (False, True)
    assert reasons(put_with_key()) == [("request_in_progress", None)]
    RequestKey.objects.update(created=timezone.now() - timedelta(minutes=6))
    before = books()
    retry = put_with_key()
    assert retry.status_code == 200
    assert retry.json()["debitMemo"]["id"] == str(entry.reversed_memo.reversing_debit_memo_id)
    assert books() == before


# Queries (SPEC Q6)


def _memo_of(number: str, count: int, clerk) -> CreditMemo:
    document = INVOICE.factory(number=number)
    LineItemFactory.create_batch(count, document=document, amount=Decimal("10.00"))
    document.amount = document.balance = Decimal("10.00") * count
    document.save()
    return write_off(document, clerk, full_balance=True)


def _queries(client, token, method, path, body=None) -> int:
    ApiToken.objects.update(last_used=timezone.now())
    with CaptureQueriesContext(connection) as queries:
        if method == "put":
            response = client.put(
                path, json.dumps(body), content_type="application/json", headers=bearer(token)
            )
        else:
            response = client.get(path, headers=bearer(token))
    assert response.status_code == 200, response.content
    return len(queries)


def test_a_reversal_takes_as_many_queries_for_1_line_as_for_200(client, clerk, controller_token):
    memos = [_memo_of(f"INV{count:08d}", count, clerk) for count in (1, 200)]
    counts = [
        _queries(client, controller_token, "put", reverse_path(memo.number), {}) for memo in memos
    ]
    assert counts[0] == counts[1]
    assert CreditMemo.objects.filter(status="Reversed").count() == 2


def test_a_reversed_credit_memo_reads_in_as_many_queries_as_a_posted_one(
    client, clerk, controller_token, put_reverse
):
    posted, reversed_memo = (_memo_of(f"INV{n:08d}", 3, clerk) for n in (1, 2))
    assert put_reverse(reversed_memo.number, {}).status_code == 200
    counts = [
        _queries(client, controller_token, "get", f"/api/v1/credit-memos/{memo.number}")
        for memo in (posted, reversed_memo)
    ]
    assert counts[0] == counts[1]


# PostgreSQL: many requests at once

THREADS = 16


def _at_once(requests) -> list:
    """Run each `request()` in its own thread and connection, all released together."""
    start = threading.Barrier(len(requests))
    responses = []

    def run(request):
        try:
            start.wait()
            responses.append(request())
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(request,)) for request in requests]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a reversal hung (deadlock?)"
    assert len(responses) == len(requests)
    return responses


def _put(number, token, key):
    return lambda: Client().put(
        reverse_path(number),
        json.dumps(REVERSAL),
        content_type="application/json",
        headers={**bearer(token), "Idempotency-Key": key},
    )


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_sixteen_requests_with_one_key_at_once_make_one_debit_memo(controller_token, memo):
    responses = _at_once([_put(memo.number, controller_token, "key-1")] * THREADS)
    statuses = sorted(response.status_code for response in responses)
    assert set(statuses) <= {200, 409} and 200 in statuses, statuses
    debit_memos = {r.json()["debitMemo"]["id"] for r in responses if r.status_code == 200}
    memo.refresh_from_db()
    assert debit_memos == {str(memo.reversing_debit_memo_id)}
    assert BillingDocument.objects.filter(reversed_credit_memo__isnull=False).count() == 1


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_sixteen_reversals_of_one_memo_at_once_make_exactly_one(controller_token, memo, example):
    document = example[0]
    responses = _at_once([_put(memo.number, controller_token, f"key-{i}") for i in range(THREADS)])
    statuses = sorted(response.status_code for response in responses)
    assert statuses == [200] + [422] * (THREADS - 1), statuses
    refusals = {tuple(reasons(response)) for response in responses if response.status_code == 422}
    assert refusals == {(("already_reversed", None),)}
    assert BillingDocument.objects.filter(reversed_credit_memo__isnull=False).count() == 1
    document.refresh_from_db()
    assert (
        document.balance
        == Decimal("97.42")
        == sum(LineItem.objects.filter(document=document).values_list("balance", flat=True))
    )
