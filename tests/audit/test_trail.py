"""Every audited action leaves exactly one entry, with its user, channel, address and amounts,
in the transaction of what it records (SPEC D5)."""

import datetime
import json
from decimal import Decimal
from unittest import mock

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse

from api.models import ApiToken
from api.services import api_token_create
from audit.context import audit_channel
from audit.models import Action, AuditEntry, Channel
from billing.models import AccountingCode
from tests.api.helpers import bearer
from tests.conftest import postgresql_only
from tests.factories import (
    ReasonCodeFactory,
    UserFactory,
    invoice_with_all_kinds,
    write_off,
)
from tests.writeoffs.test_reversals import run_at_once
from tests.writeoffs.test_views import HTMX, form_data
from writeoffs.importing import documents_import
from writeoffs.keys import reversal_key_issue
from writeoffs.models import (
    REVERSE_PERMISSION,
    WRITE_OFF_PERMISSION,
    CreditMemo,
    ReasonCode,
    WriteOffSettings,
)
from writeoffs.reversals import ReversalProposal, credit_memo_reverse
from writeoffs.services import WriteOffRefused

pytestmark = pytest.mark.django_db

DIALOG = "/billing/invoices/INV00000101/write-off/"


@pytest.fixture
def invoice():
    return invoice_with_all_kinds(number="INV00000101")


@pytest.fixture
def controller(db):
    return UserFactory(
        username="controller", permissions=[WRITE_OFF_PERMISSION, REVERSE_PERMISSION]
    )


def last_id() -> int:
    """Where the entries of what a test does start (a factory records what it makes)."""
    return AuditEntry.objects.order_by("id").values_list("id", flat=True).last() or 0


def only_entry(since: int = 0, **filters) -> AuditEntry:
    """The one entry after `since`, which must match `filters`."""
    entry = AuditEntry.objects.get(id__gt=since)
    for name, value in filters.items():
        assert getattr(entry, name) == value, name
    return entry


# Write-offs and reversals, through each channel


def test_a_write_off_in_the_dialog_is_recorded_with_its_user_address_and_amounts(
    client, clerk, invoice
):
    document, charge, tax, *_ = invoice
    client.force_login(clerk)
    since = last_id()
    response = client.post(DIALOG, form_data([(charge, "40.00"), (tax, "3.30")]), **HTMX)
    assert response.status_code == 200
    memo = CreditMemo.objects.get()
    entry = only_entry(
        since,
        action=Action.WRITE_OFF,
        channel=Channel.DIALOG,
        user=clerk,
        username="clerk",
        address="127.0.0.1",
        document=document,
        credit_memo=memo,
        amount=Decimal("43.30"),
        currency="USD",
    )
    assert entry.data["lines"] == [
        {"line": charge.pk, "description": "Gold Plan", "amount": "40.00"},
        {"line": tax.pk, "description": "CA State Tax", "amount": "3.30"},
    ]
    assert entry.data["memo_date"] == "2026-10-15"
    assert entry.data["reason_code"] == "Write-off"


def test_a_write_off_through_the_api_is_recorded_as_the_tokens_user(client, clerk, invoice):
    token = api_token_create(user=clerk, name="script")[1]
    since = last_id()  # after the token's own entry
    response = client.put(
        "/api/v1/invoices/INV00000101/write-off",
        "{}",
        content_type="application/json",
        headers=bearer(token),
        REMOTE_ADDR="192.0.2.7",
    )
    assert response.status_code == 200, response.content
    only_entry(
        since,
        action=Action.WRITE_OFF,
        channel=Channel.API,
        user=clerk,
        address="192.0.2.7",
        amount=Decimal("97.42"),
        credit_memo=CreditMemo.objects.get(),
    )


def test_a_write_off_from_the_shell_or_a_command_is_recorded_as_a_command(clerk, invoice):
    since = last_id()
    document, charge, *_ = invoice
    memo = write_off(document, clerk, [(charge, "1.00")])
    only_entry(
        since,
        action=Action.WRITE_OFF,
        channel=Channel.COMMAND,
        user=clerk,
        address=None,
        credit_memo=memo,
    )


def test_a_bulk_job_says_its_channel_once_for_every_write_off_it_makes(clerk, invoice):
    since = last_id()
    document, charge, *_ = invoice
    with audit_channel(Channel.BULK, user=clerk):
        write_off(document, clerk, [(charge, "1.00")])
    only_entry(since, action=Action.WRITE_OFF, channel=Channel.BULK, user=clerk)


def test_a_refused_write_off_is_recorded_with_the_codes_of_what_was_refused(client, clerk, invoice):
    document, charge, *_ = invoice
    client.force_login(clerk)
    since = last_id()
    response = client.post(DIALOG, form_data([(charge, "100.01")], comment="x" * 256), **HTMX)
    assert response.status_code == 200
    assert not CreditMemo.objects.exists()
    entry = only_entry(
        since,
        action=Action.WRITE_OFF_REFUSED,
        channel=Channel.DIALOG,
        user=clerk,
        document=document,
        credit_memo=None,
    )
    assert entry.data["codes"] == ["above_line_balance", "comment_too_long"]
    assert entry.data["lines"] == [{"line": charge.pk, "amount": "100.01"}]


def test_a_write_off_rolled_back_after_its_entry_leaves_no_entry(clerk, invoice):
    since = last_id()
    document, charge, *_ = invoice
    with (
        mock.patch("writeoffs.services._give_number", side_effect=RuntimeError("disk full")),
        pytest.raises(RuntimeError),
    ):
        write_off(document, clerk, [(charge, "1.00")])
    assert not AuditEntry.objects.filter(id__gt=since).exists()
    assert not CreditMemo.objects.exists()


def test_a_write_off_in_a_transaction_that_rolls_back_leaves_no_entry(clerk, invoice):
    since = last_id()
    document, charge, *_ = invoice
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        write_off(document, clerk, [(charge, "1.00")])
        1 / 0  # noqa: B018
    assert not AuditEntry.objects.filter(id__gt=since).exists()


def test_a_repeated_request_under_the_same_key_records_nothing_more(client, clerk, invoice):
    _document, charge, *_ = invoice
    client.force_login(clerk)
    since = last_id()
    data = form_data([(charge, "1.00")])
    client.post(DIALOG, data, **HTMX)
    client.post(DIALOG, data, **HTMX)
    only_entry(since, action=Action.WRITE_OFF)


def test_a_reversal_is_recorded_with_the_memo_and_the_debit_memo(controller, invoice):
    since = last_id()
    document, charge, *_ = invoice
    memo = write_off(document, controller, [(charge, "40.00")])
    proposal = ReversalProposal(
        reversal_date=datetime.date.today(), reason_code=ReasonCode.objects.default()
    )
    with audit_channel(Channel.DIALOG, address="192.0.2.8"):
        debit_memo = credit_memo_reverse(memo=memo, user=controller, proposal=proposal)
    entry = AuditEntry.objects.get(id__gt=since, action=Action.REVERSAL)
    assert (entry.user, entry.channel, entry.address) == (controller, Channel.DIALOG, "192.0.2.8")
    assert (entry.document, entry.credit_memo, entry.debit_memo) == (document, memo, debit_memo)
    assert (entry.amount, entry.currency) == (Decimal("40.00"), "USD")
    assert AuditEntry.objects.filter(id__gt=since).count() == 2


def test_a_reversal_in_its_dialog_is_recorded_once_as_the_dialogs(client, controller, invoice):
    document, charge, *_ = invoice
    memo = write_off(document, controller, [(charge, "40.00")])
    controller.user_permissions.add(Permission.objects.get(codename="view_billingdocument"))
    client.force_login(controller)
    since = last_id()
    response = client.post(
        f"/billing/credit-memos/{memo.number}/reverse/",
        {
            "reversal_date": datetime.date.today().isoformat(),
            "reason_code": str(ReasonCode.objects.default().pk),
            "comment": "Written off by mistake",
            "request_key": reversal_key_issue(user=controller, memo=memo),
        },
        headers=HTMX,
        REMOTE_ADDR="192.0.2.9",
    )
    assert response.status_code == 200, response.content
    memo.refresh_from_db()
    only_entry(
        since,
        action=Action.REVERSAL,
        channel=Channel.DIALOG,
        user=controller,
        address="192.0.2.9",
        amount=Decimal("40.00"),
        credit_memo=memo,
        debit_memo=memo.reversing_debit_memo,
    )


def test_a_reversal_through_the_api_is_recorded_once_as_the_tokens_user(
    client, controller, invoice
):
    document, charge, *_ = invoice
    memo = write_off(document, controller, [(charge, "40.00")])
    token = api_token_create(user=controller, name="script")[1]
    since = last_id()  # after the token's own entry
    response = client.put(
        f"/api/v1/credit-memos/{memo.number}/reverse",
        json.dumps({"comment": "Written off by mistake"}),
        content_type="application/json",
        headers=bearer(token),
        REMOTE_ADDR="192.0.2.7",
    )
    assert response.status_code == 200, response.content
    memo.refresh_from_db()
    only_entry(
        since,
        action=Action.REVERSAL,
        channel=Channel.API,
        user=controller,
        address="192.0.2.7",
        amount=Decimal("40.00"),
        credit_memo=memo,
        debit_memo=memo.reversing_debit_memo,
    )


def test_a_reversal_rolled_back_after_its_entry_leaves_no_entry(controller, invoice):
    document, charge, *_ = invoice
    memo = write_off(document, controller, [(charge, "40.00")])
    since = last_id()
    proposal = ReversalProposal(
        reversal_date=datetime.date.today(), reason_code=ReasonCode.objects.default()
    )
    with (
        mock.patch(
            "writeoffs.reversals._give_debit_memo_number", side_effect=RuntimeError("disk full")
        ),
        pytest.raises(RuntimeError),
    ):
        credit_memo_reverse(memo=memo, user=controller, proposal=proposal)
    assert not AuditEntry.objects.filter(id__gt=since).exists()
    memo.refresh_from_db()
    assert memo.status == CreditMemo.Status.POSTED


def test_a_refused_reversal_is_recorded_with_its_codes(controller, invoice):
    since = last_id()
    document, charge, *_ = invoice
    memo = write_off(document, controller, [(charge, "40.00")])
    with pytest.raises(WriteOffRefused):
        credit_memo_reverse(memo=memo, user=controller, proposal=ReversalProposal())
    entry = AuditEntry.objects.get(id__gt=since, action=Action.REVERSAL_REFUSED)
    assert entry.data["codes"] == ["required"]
    assert (entry.credit_memo, entry.user, entry.amount) == (memo, controller, Decimal("40.00"))


def test_a_reversal_refused_for_want_of_the_permission_is_recorded(controller, invoice):
    document, charge, *_ = invoice
    memo = write_off(document, controller, [(charge, "40.00")])
    clerk = UserFactory(username="clerk", permissions=[WRITE_OFF_PERMISSION])
    since = last_id()
    proposal = ReversalProposal(
        reversal_date=datetime.date.today(), reason_code=ReasonCode.objects.default()
    )
    with pytest.raises(PermissionDenied):
        credit_memo_reverse(memo=memo, user=clerk, proposal=proposal)
    only_entry(
        since,
        action=Action.REVERSAL_REFUSED,
        user=clerk,
        credit_memo=memo,
        channel=Channel.COMMAND,
    )
    assert AuditEntry.objects.get(id__gt=since).data["codes"] == ["permission_denied"]
    memo.refresh_from_db()
    assert memo.status == CreditMemo.Status.POSTED


@pytest.fixture
def viewer(db):
    """May see documents and memos, but neither write off nor reverse."""
    return UserFactory(username="viewer", permissions=["billing.view_billingdocument"])


def test_a_save_in_the_dialog_without_the_permission_is_recorded_as_refused(
    client, viewer, invoice
):
    charge = invoice[1]
    client.force_login(viewer)
    since = last_id()
    assert client.get(DIALOG, **HTMX).status_code == 403  # opening it is no attempt
    assert not AuditEntry.objects.filter(id__gt=since).exists()

    response = client.post(DIALOG, {f"amount_{charge.pk}": "40.00"}, **HTMX)
    assert response.status_code == 403
    entry = only_entry(
        since,
        action=Action.WRITE_OFF_REFUSED,
        channel=Channel.DIALOG,
        user=viewer,
        address="127.0.0.1",
        target=DIALOG,
    )
    assert entry.data == {"codes": ["permission_denied"]}
    assert not CreditMemo.objects.exists()


def test_a_write_off_or_reversal_through_the_api_without_the_permission_is_recorded(
    client, clerk, viewer, invoice
):
    document, charge, *_ = invoice
    memo = write_off(document, clerk, [(charge, "40.00")])
    token = api_token_create(user=viewer, name="script")[1]
    since = last_id()
    paths = {
        Action.WRITE_OFF_REFUSED: "/api/v1/invoices/INV00000101/write-off",
        Action.REVERSAL_REFUSED: f"/api/v1/credit-memos/{memo.number}/reverse",
    }
    for path in paths.values():
        response = client.put(path, "{}", content_type="application/json", headers=bearer(token))
        assert response.status_code == 403, response.content
    entries = AuditEntry.objects.filter(id__gt=since).order_by("id")
    assert [(e.action, e.target, e.channel, e.user) for e in entries] == [
        (action, path, Channel.API, viewer) for action, path in paths.items()
    ]
    memo.refresh_from_db()
    assert memo.status == CreditMemo.Status.POSTED


def test_a_reversal_in_its_dialog_without_the_permission_is_recorded_as_refused(
    client, clerk, invoice
):
    document, charge, *_ = invoice
    memo = write_off(document, clerk, [(charge, "40.00")])
    client.force_login(clerk)  # may write off, not reverse
    since = last_id()
    path = f"/billing/credit-memos/{memo.number}/reverse/"
    response = client.post(path, {"comment": "x"}, headers=HTMX)
    assert response.status_code == 403
    only_entry(since, action=Action.REVERSAL_REFUSED, user=clerk, target=path)


# Reason codes, accounting codes and the settings


def test_a_reason_code_changed_in_the_admin_is_recorded_before_and_after(admin_client, admin_user):
    reason = ReasonCodeFactory(name="Dispute")
    since = last_id()  # after its creation's entry
    url = reverse("admin:writeoffs_reasoncode_change", args=[reason.pk])
    response = admin_client.post(url, {"name": "Customer Dispute", "active": ""})
    assert response.status_code == 302
    entry = only_entry(since, action=Action.CHANGED, channel=Channel.ADMIN, user=admin_user)
    assert entry.target == "Reason code Customer Dispute"
    assert entry.data == {
        "before": {"name": "Dispute", "active": True},
        "after": {"name": "Customer Dispute", "active": False},
    }


def test_making_another_reason_code_the_default_records_both(admin_client, admin_user):
    old = ReasonCode.objects.default()
    new = ReasonCodeFactory(name="Dispute")
    since = last_id()
    admin_client.post(
        reverse("admin:writeoffs_reasoncode_changelist"),
        {"action": "make_default", "_selected_action": [new.pk], "index": "0"},
    )
    entries = {entry.target: entry.data for entry in AuditEntry.objects.filter(id__gt=since)}
    assert entries == {
        f"Reason code {old}": {"before": {"is_default": True}, "after": {"is_default": False}},
        "Reason code Dispute": {"before": {"is_default": False}, "after": {"is_default": True}},
    }
    assert set(AuditEntry.objects.filter(id__gt=since).values_list("channel", "user")) == {
        (Channel.ADMIN, admin_user.pk)
    }


def test_accounting_codes_added_and_deleted_in_the_admin_are_recorded(admin_client, admin_user):
    since = last_id()
    admin_client.post(
        reverse("admin:billing_accountingcode_add"),
        {"code": "6100", "name": "Bad Debt", "type": "BadDebt", "active": "on"},
    )
    code = AccountingCode.objects.get(code="6100")
    admin_client.post(
        reverse("admin:billing_accountingcode_delete", args=[code.pk]), {"post": "yes"}
    )
    created, deleted = AuditEntry.objects.filter(id__gt=since).order_by("id")
    assert (created.action, deleted.action) == (Action.CREATED, Action.DELETED)
    assert created.data["after"]["code"] == deleted.data["before"]["code"] == "6100"
    assert {created.user, deleted.user} == {admin_user}


def test_the_write_off_settings_changed_in_the_admin_are_recorded(admin_client):
    settings = WriteOffSettings.load()
    since = last_id()
    admin_client.post(
        reverse("admin:writeoffs_writeoffsettings_change", args=[settings.pk]),
        {"enhanced_write_off": ""},
    )
    entry = only_entry(since, action=Action.CHANGED, channel=Channel.ADMIN)
    assert entry.data == {
        "before": {"enhanced_write_off": True},
        "after": {"enhanced_write_off": False},
    }


def test_a_save_that_changes_nothing_is_not_recorded(admin_client):
    reason = ReasonCodeFactory(name="Dispute")
    since = last_id()
    reason.save()
    assert not AuditEntry.objects.filter(id__gt=since).exists()


def test_codes_an_import_creates_are_recorded_as_made_by_a_command():
    since = last_id()
    documents_import(
        data={
            "accounting_codes": [{"code": "6100", "name": "Bad Debt", "type": "BadDebt"}],
            "reason_codes": [{"name": "Customer Bankruptcy"}],
            "documents": [],
        }
    )
    targets = set(
        AuditEntry.objects.filter(id__gt=since).values_list("action", "channel", "target")
    )
    assert targets == {
        (Action.CREATED, Channel.COMMAND, "Accounting code 6100 Bad Debt"),
        (Action.CREATED, Channel.COMMAND, "Reason code Customer Bankruptcy"),
    }


# API tokens


def test_a_token_made_and_revoked_in_the_admin_is_recorded_never_the_token(
    admin_client, admin_user, clerk
):
    since = last_id()
    response = admin_client.post(
        reverse("admin:api_apitoken_add"), {"user": clerk.pk, "name": "Nightly script"}
    )
    secret = response.context["secret"]
    token = ApiToken.objects.get()
    admin_client.post(
        reverse("admin:api_apitoken_changelist"),
        {"action": "revoke", "_selected_action": [token.pk], "index": "0"},
    )
    created, revoked = AuditEntry.objects.filter(id__gt=since).order_by("id")
    assert (created.action, revoked.action) == (Action.API_TOKEN_CREATED, Action.API_TOKEN_REVOKED)
    for entry in (created, revoked):
        assert (entry.channel, entry.user) == (Channel.ADMIN, admin_user)
        assert entry.data == {"token": token.prefix, "name": "Nightly script", "of_user": "clerk"}
        assert secret not in json.dumps(entry.data)


def test_a_token_made_by_the_command_is_recorded_as_a_command(clerk, capsys):
    since = last_id()
    call_command("create_api_token", "clerk")
    only_entry(since, action=Action.API_TOKEN_CREATED, channel=Channel.COMMAND, user=None)


# Sign-ins


def test_a_sign_in_and_a_failed_one_are_recorded(client, clerk):
    since = last_id()
    clerk.set_password("right")
    clerk.save()
    client.post("/accounts/login/", {"username": "clerk", "password": "wrong"})
    client.post("/accounts/login/", {"username": "clerk", "password": "right"})
    failed, signed_in = AuditEntry.objects.filter(id__gt=since).order_by("id")
    assert (failed.action, failed.user, failed.username) == (Action.SIGN_IN_FAILED, None, "clerk")
    assert (signed_in.action, signed_in.user) == (Action.SIGN_IN, clerk)
    assert {failed.address, signed_in.address} == {"127.0.0.1"}
    assert {failed.channel, signed_in.channel} == {Channel.DIALOG}


def test_a_sign_in_to_the_admin_is_recorded_as_the_admins(client, admin_user):
    since = last_id()
    client.post("/admin/login/", {"username": "admin", "password": "password"})
    only_entry(since, action=Action.SIGN_IN, channel=Channel.ADMIN, user=admin_user)


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_write_offs_racing_for_one_invoice_record_one_success_and_every_refusal(clerk):
    document, *_ = invoice_with_all_kinds(number="INV00000101")
    since = last_id()
    outcomes = run_at_once(8, lambda index: write_off(document, clerk, full_balance=True))
    assert sum(isinstance(outcome, CreditMemo) for outcome in outcomes) == 1, outcomes
    assert sum(isinstance(outcome, WriteOffRefused) for outcome in outcomes) == 7, outcomes
    actions = AuditEntry.objects.filter(id__gt=since).values_list("action", flat=True)
    assert sorted(actions) == [Action.WRITE_OFF] + [Action.WRITE_OFF_REFUSED] * 7
