"""Names people type (accounts, lines, reason and accounting codes) may be written right to
left, or hold Unicode's direction controls: U+202E turns round everything after it in its
paragraph, numbers included. Wherever such a name sits beside other text, the page isolates
it in a `<bdi>`, so that a name can neither reorder nor turn round an amount or a number next
to it. A name alone in its cell needs no `<bdi>`: a cell is a paragraph of its own. A message,
plain text, quotes a name between Unicode's isolates instead."""

import datetime
import re
from decimal import Decimal
from html.parser import HTMLParser

import pytest

from billing.models import AccountingCode, LineItem
from billing.selectors import line_rows
from bulk.models import BulkJob
from bulk.services import bulk_job_prepare, bulk_job_start
from tests.factories import (
    AccountFactory,
    AccountingCodeFactory,
    ReasonCodeFactory,
    invoice_with_all_kinds,
    write_off,
)
from writeoffs.checks import LineAmount, WriteOffProposal, write_off_check
from writeoffs.models import ReasonCode
from writeoffs.reversals import ReversalProposal, credit_memo_reverse

pytestmark = pytest.mark.django_db

RLO = "\u202e"  # RIGHT-TO-LEFT OVERRIDE
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"}
_NAME = re.compile(f"{RLO}[^{RLO}]*?[0-9]+")
INLINE = {"a", "abbr", "b", "code", "em", "i", "label", "output", "small", "span", "strong"}


class _Node:
    def __init__(self, tag: str, parent: "_Node | None"):
        self.tag, self.parent, self.text = tag, parent, ""


class _Names(HTMLParser):
    """Each text that holds U+202E, with the element it is written in."""

    def __init__(self):
        super().__init__()
        self.open = _Node("document", None)
        self.found: list[tuple[str, _Node]] = []

    def handle_starttag(self, tag, attrs):
        if tag not in VOID:
            self.open = _Node(tag, self.open)

    def handle_endtag(self, tag):
        while self.open.parent and self.open.tag != tag:
            self.open = self.open.parent  # an element whose end tag HTML leaves out
        self.open = self.open.parent or self.open

    def handle_data(self, data):
        node = self.open
        while node:
            node.text += data
            node = node.parent
        if RLO in data:
            self.found.append((data, self.open))


def unisolated_names(html: str) -> list[str]:
    """The texts holding U+202E that are neither a name alone in its paragraph nor one in a
    `<bdi>`. (Every name of these tests starts with U+202E and ends with a digit.) An option's
    text cannot hold markup; a name that ends it can turn round nothing but itself."""
    parser = _Names()
    parser.feed(html)
    parser.close()
    shared = []
    for text, node in parser.found:
        text = text.strip()
        if node.tag == "bdi" or (node.tag == "option" and _NAME.search(text).end() == len(text)):
            continue
        if not _NAME.fullmatch(text):
            shared.append(f"{text!r} in <{node.tag}>")
            continue
        while node.tag != "bdi":
            if node.text.strip() != text:
                shared.append(f"{text!r} in <{node.tag}>{node.text.strip()!r}")
                break
            if node.tag not in INLINE:
                break  # alone in its own block
            node = node.parent
    return shared


@pytest.fixture
def named(admin_user):
    """An invoice whose account, lines and codes all have names holding U+202E, written off to
    a bad-debt code with such a name and reversed for a reason with such a name."""
    account = AccountFactory(number="A00000042", name=f"{RLO}Acme 42")
    invoice, charge, *_ = invoice_with_all_kinds(number="INV00000101", account=account)
    for line in LineItem.objects.filter(document=invoice):
        LineItem.objects.filter(pk=line.pk).update(description=f"{RLO}{line.description} 7")
    AccountingCode.objects.update(name=f"{RLO}Code 2")
    bad_debt = AccountingCodeFactory(
        code="6100", name=f"{RLO}Bad Debt 9", type=AccountingCode.Type.BAD_DEBT
    )
    reason = ReasonCodeFactory(name=f"{RLO}Reason 3")
    memo = write_off(
        invoice,
        admin_user,
        [(charge, "10.00")],
        reason_code=reason,
        revenue_impacting=False,
        accounting_code=bad_debt,
    )
    credit_memo_reverse(
        memo=memo,
        user=admin_user,
        proposal=ReversalProposal(reversal_date=memo.memo_date, reason_code=reason),
    )
    return invoice, memo, bad_debt, reason


def test_every_page_isolates_the_names_it_writes_beside_other_text(admin_client, named):
    memo = named[1]
    pages = [
        ("/billing/invoices/", {}),
        ("/billing/invoices/INV00000101/", {}),
        ("/billing/invoices/INV00000101/write-off/", {"HTTP_HX_REQUEST": "true"}),
        ("/billing/credit-memos/", {}),
        (f"/billing/credit-memos/{memo.number}/", {}),
        ("/billing/reports/write-offs/?date_from=2026-01-01&account=A00000042", {}),
    ]
    for path, headers in pages:
        response = admin_client.get(path, **headers)
        assert response.status_code == 200, path
        html = response.text
        assert RLO in html, path
        assert unisolated_names(html) == [], path


def test_the_bulk_pages_isolate_the_names_they_write_beside_other_text(
    admin_client, admin_user, named
):
    invoice, _memo, bad_debt, reason = named
    job = bulk_job_prepare(user=admin_user, documents=[invoice], chosen_by="test")
    html = admin_client.get(f"/billing/bulk-write-offs/{job.pk}/").text  # the preview
    assert f"{RLO}Acme 42" in html
    assert unisolated_names(html) == []
    proposal = WriteOffProposal(
        memo_date=datetime.date.today(),
        reason_code=reason,
        full_balance=True,
        revenue_impacting=False,
        accounting_code=bad_debt,
    )
    job = bulk_job_start(job=job, user=admin_user, proposal=proposal, enqueue=lambda job_id: None)
    assert job.status == BulkJob.Status.QUEUED
    html = admin_client.get(f"/billing/bulk-write-offs/{job.pk}/").text
    assert f"booked to <bdi>6100 {RLO}Bad Debt 9</bdi>" in html
    assert unisolated_names(html) == []


def test_the_check_finds_a_name_that_shares_its_paragraph():
    """The test above would pass on any page if this helper saw nothing."""
    name = f"{RLO}Acme 1"
    assert unisolated_names(f"<td>{name} (A1)</td>") == [f"{name + ' (A1)'!r} in <td>"]
    assert unisolated_names(f"<dd>A1 <a href='x'>{name}</a></dd>") == [
        f"{name!r} in <dd>{'A1 ' + name!r}"
    ]
    assert unisolated_names(f"<option>{name} (A1)</option>") != []
    assert unisolated_names(f"<option>6100 {name}</option>") == []
    assert unisolated_names(f"<p>A1 <bdi>{RLO}Acme 1</bdi> 10.00</p>") == []
    assert unisolated_names(f"<td><a href='x'>{RLO}Acme 1</a></td>") == []
    assert unisolated_names(f"<td>{RLO}Acme 1<input name='x'></td>") == []


def test_messages_isolate_the_names_they_quote(named):
    """A message is plain text: the names it quotes sit between Unicode's isolates (U+2068 and
    U+2069), the `<bdi>` of plain text."""
    invoice, _memo, _bad_debt, reason = named
    ReasonCode.objects.filter(pk=reason.pk).update(active=False)
    reason.refresh_from_db()
    lines = line_rows(invoice)
    charge = lines[0]
    twice = (LineAmount(charge.pk, Decimal("1.00")), LineAmount(charge.pk, Decimal("1.00")))
    check = write_off_check(
        document=invoice, lines=lines, proposal=WriteOffProposal(reason_code=reason, lines=twice)
    )
    to_zero = (LineAmount(charge.pk, invoice.balance),)
    check_to_zero = write_off_check(
        document=invoice, lines=lines, proposal=WriteOffProposal(reason_code=reason, lines=to_zero)
    )
    messages = [problem.message for problem in check.problems + check_to_zero.problems]
    assert {problem.code for problem in check.problems + check_to_zero.problems} >= {
        "inactive",
        "duplicate_line",
        "leaves_lines_open",
    }
    quoting = [message for message in messages if RLO in message]
    assert len(quoting) == 4  # the reason twice, the line given twice, the lines left open
    for message in quoting:
        names = re.findall(f"\u2068({RLO}[^\u2068\u2069]*)\u2069", message)
        assert names and message.count(RLO) == len(names), message
