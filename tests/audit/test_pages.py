"""The History of invoice, debit memo and credit memo pages, and the trail in the admin."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit.context import audit_channel
from audit.models import AuditEntry, Channel
from tests.factories import UserFactory, invoice_with_all_kinds, write_off
from writeoffs.models import REVERSE_PERMISSION, WRITE_OFF_PERMISSION, ReasonCode
from writeoffs.reversals import ReversalProposal, credit_memo_reverse
from writeoffs.services import WriteOffRefused

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
INVOICE = "/billing/invoices/INV00000101/"


@pytest.fixture
def history(clerk):
    """A write-off through the dialog, a refused one, and the reversal of the first."""
    invoice, charge, *_ = invoice_with_all_kinds(number="INV00000101")
    controller = UserFactory(
        username="controller", permissions=[WRITE_OFF_PERMISSION, REVERSE_PERMISSION]
    )
    with audit_channel(Channel.DIALOG, address="192.0.2.1"):
        memo = write_off(invoice, clerk, [(charge, "40.00")])
        with pytest.raises(WriteOffRefused):
            write_off(invoice, clerk, [(charge, "99.00")])
        proposal = ReversalProposal(
            reversal_date=datetime.date.today(), reason_code=ReasonCode.objects.default()
        )
        debit_memo = credit_memo_reverse(memo=memo, user=controller, proposal=proposal)
    return memo, debit_memo


def test_the_document_page_offers_its_history_without_reading_it(clerk_client, history):
    with CaptureQueriesContext(connection) as queries:
        page = clerk_client.get(INVOICE).text
    assert not [q for q in queries if AuditEntry._meta.db_table in q["sql"]]
    assert '<summary class="h5">History</summary>' in page
    assert 'hx-get="/billing/invoices/INV00000101/history/"' in page


def test_the_documents_history_lists_what_was_done_newest_first(clerk_client, history):
    memo, debit_memo = history
    html = clerk_client.get(f"{INVOICE}history/", **HTMX).text
    assert "<html" not in html
    rows = html.split("<tr>")[2:]
    assert ["Write-off reversed" in rows[0], "Write-off refused" in rows[1]] == [True, True]
    assert "Write-off</td>" in rows[2]
    assert f">{memo.number}</a>" in rows[2]
    assert "40.00 USD" in rows[2]
    assert "clerk" in rows[2]
    assert "Dialog (web pages)" in rows[2]
    assert "refused: above_line_balance" in rows[1]
    assert f">{debit_memo.number}</a>" in rows[0]
    assert "controller" in rows[0]


def test_the_debit_memo_that_reversed_shows_the_reversal(clerk_client, history):
    _memo, debit_memo = history
    html = clerk_client.get(f"/billing/debit-memos/{debit_memo.number}/history/", **HTMX).text
    assert html.count("<tr>") == 2
    assert "Write-off reversed" in html


def test_the_credit_memo_page_shows_its_write_off_and_reversal(clerk_client, history):
    memo, _ = history
    page = clerk_client.get(f"/billing/credit-memos/{memo.number}/").text
    assert f'hx-get="/billing/credit-memos/{memo.number}/history/"' in page
    html = clerk_client.get(f"/billing/credit-memos/{memo.number}/history/", **HTMX).text
    assert html.count("<tr>") == 3
    assert "Write-off reversed" in html
    assert "Write-off refused" not in html


def test_the_history_on_its_own_is_a_page(clerk_client, history):
    response = clerk_client.get(f"{INVOICE}history/")
    assert '<h1 class="h3 mb-3">History of Invoice INV00000101</h1>' in response.text
    assert f'href="{INVOICE}"' in response.text


def test_a_document_with_no_history_says_so(clerk_client):
    invoice_with_all_kinds(number="INV00000102")
    html = clerk_client.get("/billing/invoices/INV00000102/history/", **HTMX).text
    assert "Nothing has been done to it yet." in html


def test_the_history_needs_sign_in_and_the_view_permission(client, history):
    assert client.get(f"{INVOICE}history/").status_code == 302
    client.force_login(UserFactory(username="nobody"))
    assert client.get(f"{INVOICE}history/").status_code == 403


def test_the_history_of_an_unknown_or_other_kind_of_document_is_404(clerk_client, history):
    assert clerk_client.get("/billing/invoices/INV404/history/").status_code == 404
    assert clerk_client.get("/billing/debit-memos/INV00000101/history/").status_code == 404
    assert clerk_client.get("/billing/credit-memos/CM404/history/").status_code == 404


def test_a_history_query_count_does_not_grow_with_its_entries(
    clerk_client, history, django_assert_max_num_queries
):
    # session, user with permissions, document, entries
    with django_assert_max_num_queries(4):
        clerk_client.get(f"{INVOICE}history/", **HTMX)


# The admin


def test_the_admin_lists_the_trail_with_its_filters(admin_client, history, clerk):
    url = reverse("admin:audit_auditentry_changelist")
    for query in [
        "",
        "?action__exact=write_off",
        "?channel__exact=dialog",
        f"?user__id__exact={clerk.pk}",
        "?at__gte=2026-01-01+00%3A00%3A00%2B00%3A00",
    ]:
        response = admin_client.get(url + query)
        assert response.status_code == 200, query
    filtered = admin_client.get(url + "?action__exact=reversal")
    assert filtered.context["cl"].result_count == 1


def test_the_trail_cannot_be_added_changed_or_deleted_in_the_admin(admin_client, history):
    entry = AuditEntry.objects.first()
    assert admin_client.get(reverse("admin:audit_auditentry_add")).status_code == 403
    change = reverse("admin:audit_auditentry_change", args=[entry.pk])
    assert admin_client.get(change).status_code == 200  # read
    assert admin_client.post(change, {"username": "someone"}).status_code == 403
    delete = reverse("admin:audit_auditentry_delete", args=[entry.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    assert AuditEntry.objects.get(pk=entry.pk).username == entry.username
