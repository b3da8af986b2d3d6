"""The admin of reason codes, the write-off settings and credit memos."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import ReasonCodeFactory, invoice_with_all_kinds, write_off
from writeoffs.checks import write_off_date_default
from writeoffs.models import CreditMemo, ReasonCode, WriteOffSettings

pytestmark = pytest.mark.django_db

REASON_CODES = reverse("admin:writeoffs_reasoncode_changelist")


def run_action(client, action, *reason_codes, **extra):
    return client.post(
        REASON_CODES,
        {"action": action, "_selected_action": [r.pk for r in reason_codes], "index": "0", **extra},
        follow=True,
    )


def default_reason_code() -> ReasonCode:
    return ReasonCode.objects.get(is_default=True)


def write_off_in_full(invoice, user, reason_code=None) -> CreditMemo:
    return write_off(
        document=invoice,
        user=user,
        memo_date=write_off_date_default(invoice),
        reason_code=reason_code or default_reason_code(),
        full_balance=True,
    )


def test_make_default_moves_the_default_and_leaves_exactly_one(admin_client):
    old = default_reason_code()
    new = ReasonCodeFactory(name="Customer Bankruptcy")

    response = run_action(admin_client, "make_default", new)

    assert "Customer Bankruptcy is now the default reason code." in response.text
    assert list(ReasonCode.objects.filter(is_default=True)) == [new]
    old.refresh_from_db()
    assert old.active
    assert not old.is_default


def test_make_default_of_the_default_keeps_it_the_default(admin_client):
    default = default_reason_code()

    run_action(admin_client, "make_default", default)

    assert list(ReasonCode.objects.filter(is_default=True)) == [default]


def test_make_default_refuses_more_than_one_reason_code(admin_client):
    default = default_reason_code()

    response = run_action(admin_client, "make_default", ReasonCodeFactory(), ReasonCodeFactory())

    assert "Select exactly one reason code to make the default." in response.text
    assert list(ReasonCode.objects.filter(is_default=True)) == [default]


def test_make_default_refuses_an_inactive_reason_code(admin_client):
    default = default_reason_code()
    inactive = ReasonCodeFactory(name="Old Reason", active=False)

    response = run_action(admin_client, "make_default", inactive)

    assert "Old Reason is not active." in response.text
    assert list(ReasonCode.objects.filter(is_default=True)) == [default]


def test_the_default_reason_code_cannot_be_deactivated(admin_client):
    default = default_reason_code()
    url = reverse("admin:writeoffs_reasoncode_change", args=[default.pk])

    response = admin_client.post(url, {"name": default.name})  # `active` unticked

    assert response.status_code == 200
    assert "The default reason code cannot be deactivated." in response.text
    default.refresh_from_db()
    assert default.active


def test_another_reason_code_can_be_renamed_and_deactivated(admin_client):
    reason = ReasonCodeFactory(name="Typo Reasn")
    url = reverse("admin:writeoffs_reasoncode_change", args=[reason.pk])

    response = admin_client.post(url, {"name": "Typo Reason"})

    assert response.status_code == 302
    reason.refresh_from_db()
    assert reason.name == "Typo Reason"
    assert not reason.active


def test_a_new_reason_code_is_not_the_default(admin_client):
    response = admin_client.post(
        reverse("admin:writeoffs_reasoncode_add"),
        {"name": "Customer Bankruptcy", "active": "on", "is_default": "on"},
    )

    assert response.status_code == 302
    assert not ReasonCode.objects.get(name="Customer Bankruptcy").is_default


def test_the_default_reason_code_cannot_be_deleted(admin_client):
    default = default_reason_code()

    response = admin_client.post(
        reverse("admin:writeoffs_reasoncode_delete", args=[default.pk]),
        {"post": "yes"},
        follow=True,
    )

    assert "Write-off is the default reason code and cannot be deleted." in response.text
    assert ReasonCode.objects.filter(pk=default.pk).exists()


def test_bulk_delete_refuses_when_the_default_is_selected(admin_client):
    other = ReasonCodeFactory()

    response = run_action(admin_client, "delete_selected", default_reason_code(), other, post="yes")

    assert "Write-off is the default reason code and cannot be deleted." in response.text
    assert ReasonCode.objects.filter(pk=other.pk).exists()
    assert ReasonCode.objects.filter(is_default=True).exists()


def test_bulk_delete_deletes_unused_reason_codes_after_confirmation(admin_client):
    first, second = ReasonCodeFactory(), ReasonCodeFactory()

    confirmation = run_action(admin_client, "delete_selected", first, second)
    run_action(admin_client, "delete_selected", first, second, post="yes")

    assert "Are you sure you want to delete the selected reason codes?" in confirmation.text
    assert not ReasonCode.objects.filter(pk__in=[first.pk, second.pk]).exists()


def test_deleting_a_reason_code_that_a_memo_uses_shows_what_protects_it(admin_client, admin_user):
    reason = ReasonCodeFactory(name="Charge Dispute")
    invoice, *_ = invoice_with_all_kinds()
    memo = write_off_in_full(invoice, admin_user, reason)
    url = reverse("admin:writeoffs_reasoncode_delete", args=[reason.pk])

    response = admin_client.post(url, {"post": "yes"})

    assert response.status_code == 200
    assert "would require deleting the following protected related objects" in response.text
    assert memo.number in response.text
    assert ReasonCode.objects.filter(pk=reason.pk).exists()


def test_write_off_settings_list_goes_straight_to_the_one_row(admin_client):
    response = admin_client.get(reverse("admin:writeoffs_writeoffsettings_changelist"))

    assert response.status_code == 302
    assert response.url == reverse("admin:writeoffs_writeoffsettings_change", args=[1])


def test_write_off_settings_change_is_saved(admin_client):
    url = reverse("admin:writeoffs_writeoffsettings_change", args=[1])

    response = admin_client.post(url, {})  # enhanced write-off unticked

    assert response.status_code == 302
    assert not WriteOffSettings.load().enhanced_write_off


def test_write_off_settings_cannot_be_added_or_deleted(admin_client):
    add = admin_client.post(reverse("admin:writeoffs_writeoffsettings_add"), {})
    delete = admin_client.post(
        reverse("admin:writeoffs_writeoffsettings_delete", args=[1]), {"post": "yes"}
    )

    assert add.status_code == 403
    assert delete.status_code == 403
    assert WriteOffSettings.objects.count() == 1


def test_credit_memo_items_are_shown_read_only_on_the_memo(admin_client, admin_user):
    invoice, *_ = invoice_with_all_kinds()
    memo = write_off_in_full(invoice, admin_user)
    url = reverse("admin:writeoffs_creditmemo_change", args=[memo.pk])

    html = admin_client.get(url).text

    assert "CA State Tax on discount" in html
    assert "-0.83" in html
    assert 'name="items-0-amount"' not in html
    assert admin_client.post(url, {}).status_code == 403


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_credit_memo_list_makes_as_many_queries_for_30_memos_as_for_1(admin_client, admin_user):
    url = reverse("admin:writeoffs_creditmemo_changelist")
    invoice, *_ = invoice_with_all_kinds()
    write_off_in_full(invoice, admin_user)
    one = count_queries(admin_client, url)
    for _ in range(29):
        other, *_ = invoice_with_all_kinds()
        write_off_in_full(other, admin_user)

    assert count_queries(admin_client, url) == one
