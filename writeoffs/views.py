"""A billing document's page with its write-off action, the Write Off Invoice (or Debit Memo)
dialog and its live total, the Credit Memos pages, and a credit memo's Reverse Write-Off dialog.

The views parse, call the one check or the service, and render what it returns; they judge
nothing themselves. The document page lives here, not in `billing`, because it shows write-offs:
`billing` knows nothing of them.
"""

from collections.abc import Sequence

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect, trigger_client_event
from django_htmx.middleware import HtmxDetails

from billing import selectors as billing_selectors
from billing.forms import PageForm
from billing.models import VIEW_DOCUMENTS, BillingDocument, DocumentKind
from billing.money import format_amount
from billing.paging import keyset_page
from billing.selectors import DisplayLine, LineRow
from writeoffs import selectors
from writeoffs.checks import (
    WriteOffCheck,
    WriteOffProposal,
    document_problems,
    write_off_check,
    write_off_date_default,
)
from writeoffs.errors import Problem
from writeoffs.forms import (
    LINES_PAGE,
    CreditMemoFilterForm,
    DialogForm,
    LinesPageForm,
    ReversalForm,
    WriteOffForm,
)
from writeoffs.keys import dialog_key_issue, reversal_key_issue
from writeoffs.models import REVERSE_PERMISSION, WRITE_OFF_PERMISSION, CreditMemo, WriteOffSettings
from writeoffs.reversals import (
    ReversalProposal,
    credit_memo_reverse,
    reversal_check,
    reversal_date_default,
)
from writeoffs.services import WriteOffRefused, document_write_off


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


@require_GET
@login_required
@permission_required(VIEW_DOCUMENTS, raise_exception=True)
def document_detail(request: HttpRequest, kind: DocumentKind, number: str) -> HttpResponse:
    document = selectors.document_for_page(kind, number)
    return render(
        request,
        "billing/document_detail.html",
        {
            "kind": kind,
            "document": document,
            "lines": billing_selectors.document_lines(document),
            "credit_memos": (
                selectors.document_credit_memos(document) if document.written_off else []
            ),
            "reversed_memo": selectors.reversed_credit_memo(document),
            "write_off_refusal": _write_off_refusal(document, request.user),
        },
    )


def _write_off_refusal(document: BillingDocument, user) -> str:
    """Why the menu shows its write-off action disabled (SPEC W1), or "" when it is enabled."""
    if not user.has_perm(WRITE_OFF_PERMISSION):
        return "You do not have permission to write off billing documents."
    problems = document_problems(document)
    return problems[0].message if problems else ""


def _form(
    request: HtmxHttpRequest,
    document: BillingDocument,
    settings: WriteOffSettings,
    lines: Sequence[LineRow],
    *,
    saving=False,
) -> WriteOffForm:
    return WriteOffForm(
        request.POST if request.method == "POST" else None,
        document=document,
        lines=lines,
        user=request.user if saving else None,
        enhanced_write_off=settings.enhanced_write_off,
    )


def _check(form: WriteOffForm, proposal: WriteOffProposal, settings, lines=None) -> WriteOffCheck:
    return write_off_check(
        document=form.document,
        lines=form.lines if lines is None else lines,
        proposal=proposal,
        settings=settings,
    )


def _rows(lines: list[DisplayLine], start: int, end: int) -> dict:
    """The dialog's rows from the `start`-th line to before the `end`-th, and how many lines
    there are (`dialog.html`, partial "rows")."""
    end = min(end, len(lines))
    return {"rows": lines[start:end], "shown": end, "line_count": len(lines)}


def _shown(data) -> int | None:
    """How many lines the open dialog shows (its `lines_shown`), or None for all of them."""
    shown = data.get("lines_shown", "")
    return int(shown) if shown.isascii() and shown.isdigit() and len(shown) < 5 else None


def _render(
    request: HtmxHttpRequest,
    form: WriteOffForm,
    check: WriteOffCheck,
    lines: list[DisplayLine] | None = None,
    *,
    template: str = "writeoffs/dialog.html#messages",
    typed: bool = True,
) -> HttpResponse:
    """The dialog with its first page of `lines`, or (by default) only the check's outcome,
    swapped into the open dialog out of band: the total and every message, never an input, so
    that nothing the clerk typed meanwhile is replaced. When the document has changed, the
    balances of the lines the dialog shows are sent anew too."""
    placed = form.place(check, typed=typed)
    context = {
        "kind": form.document.kind,
        "document": form.document,
        "form": form,
        "check": check,
        "placed": placed,
        "header": dict((field.name, shown) for field, shown in form.header_rows(placed)),
    }
    if lines is not None:
        context |= _rows(lines, 0, LINES_PAGE)
    elif check.document_changed:
        context["lines"] = billing_selectors.document_lines(form.document)[: _shown(form.data)]
    return render(request, template, context)


@require_http_methods(["GET", "POST"])
@login_required
@permission_required([VIEW_DOCUMENTS, WRITE_OFF_PERMISSION], raise_exception=True)
def write_off(request: HtmxHttpRequest, kind: DocumentKind, number: str) -> HttpResponse:
    """GET: the dialog. POST: save; a refused save answers 200 (htmx does not swap 4xx answers)
    with every problem the service found, put in place next to its field or line."""
    document = billing_selectors.document_get(kind, number)
    if request.method == "GET" and not request.htmx:
        # The dialog is a fragment of the document's page; opened on its own, show that page.
        return redirect("writeoffs:document-detail", kind, number)
    settings = WriteOffSettings.load()
    if request.method == "GET":
        return _open(request, document, settings)
    lines = billing_selectors.document_lines(document)
    form = _form(request, document, settings, [display.line for display in lines], saving=True)
    proposal = form.proposal()
    try:
        memo = document_write_off(
            document=document, user=request.user, proposal=proposal, key=form.ledger_key(proposal)
        )
    except WriteOffRefused as refused:
        if refused.check.document_changed:
            # Show the balances as the refusal found them, not as this request first read them.
            form.document = billing_selectors.document_get(kind, number)
        response = _render(request, form, refused.check)
        # After the messages are in place: take the clerk to the first problem.
        return trigger_client_event(
            response, "writeOffRefused", {"focus": form.focus_target(refused.check)}, after="settle"
        )
    currency = memo.document.currency
    messages.success(
        request,
        f"Credit memo {memo.number} wrote off {format_amount(memo.total, currency)} "
        f"{currency}. The {kind.name.lower()} balance is now "
        f"{format_amount(memo.document.balance, currency)} {currency}.",
    )
    return HttpResponseClientRedirect(reverse("writeoffs:document-detail", args=[kind, number]))


def _open(request: HtmxHttpRequest, document: BillingDocument, settings: WriteOffSettings):
    if problems := document_problems(document):
        # As the menu shows the action disabled, a dialog asked for by its URL says why.
        title = f"Write Off {document.kind.name}"
        context = {"title": title, "kind": document.kind, "problems": problems}
        return render(request, "writeoffs/not_possible.html", context)
    lines = billing_selectors.document_lines(document)
    form = _form(request, document, settings, [display.line for display in lines])
    proposal = WriteOffProposal(
        memo_date=write_off_date_default(document), reason_code=selectors.default_reason_code()
    )
    form.initial = {
        "memo_date": proposal.memo_date,
        "reason_code": proposal.reason_code,
        "revenue_impacting": True,
        "request_key": dialog_key_issue(user=request.user, document=document),
        "seen_balance": document.balance,
    }
    check = _check(form, proposal, settings)
    return _render(request, form, check, lines, template="writeoffs/dialog.html", typed=False)


@require_POST
@login_required
@permission_required([VIEW_DOCUMENTS, WRITE_OFF_PERMISSION], raise_exception=True)
def write_off_total(request: HtmxHttpRequest, kind: DocumentKind, number: str) -> HttpResponse:
    """The live total: the one check of what is typed so far, without a lock. It writes
    nothing; the save asks the same check again under the lock. It reads the lines typed on,
    not every line, unless the check goes through them all (`DocumentLines`)."""
    document = billing_selectors.document_get(kind, number)
    settings = WriteOffSettings.load()
    lines = billing_selectors.DocumentLines(document, WriteOffForm.lines_named(request.POST))
    form = _form(request, document, settings, lines.named())
    proposal = form.proposal()
    check = _check(form, proposal, settings, lines)
    return _render(request, form, check, typed=bool(proposal.lines))


@require_GET
@login_required
@permission_required([VIEW_DOCUMENTS, WRITE_OFF_PERMISSION], raise_exception=True)
def write_off_lines(request: HtmxHttpRequest, kind: DocumentKind, number: str) -> HttpResponse:
    """More of an open dialog's rows on a long document: a page of them from the `start`-th,
    or every one left (`rest`), then the row that loads the next page while any are left."""
    document = billing_selectors.document_get(kind, number)
    if not request.htmx:
        return redirect("writeoffs:document-detail", kind, number)
    page = LinesPageForm(request.GET)
    if not page.is_valid():
        problems = "; ".join(f"{name}: {' '.join(errors)}" for name, errors in page.errors.items())
        return HttpResponseBadRequest(
            f"Which lines to show could not be read ({problems}).", content_type="text/plain"
        )
    start = page.cleaned_data["start"]
    lines = billing_selectors.document_lines(document)
    end = len(lines) if page.cleaned_data["rest"] else start + LINES_PAGE
    context = {"kind": kind, "document": document} | _rows(lines, start, end)
    return render(request, "writeoffs/dialog.html#rows", context)


@require_GET
@login_required
@permission_required(VIEW_DOCUMENTS, raise_exception=True)
def credit_memo_list(request: HttpRequest) -> HttpResponse:
    filters = CreditMemoFilterForm(request.GET, clear_url=reverse("writeoffs:credit-memo-list"))
    memos = selectors.credit_memo_list(**filters.filters())
    pages = PageForm(request.GET, keyset=selectors.CREDIT_MEMO_ORDER)
    page = keyset_page(memos, keyset=selectors.CREDIT_MEMO_ORDER, cursor=pages.cursor())
    return render(
        request,
        "writeoffs/creditmemo_list.html",
        {"page": page, "pages": pages, "filters": filters},
    )


@require_GET
@login_required
@permission_required(VIEW_DOCUMENTS, raise_exception=True)
def credit_memo_detail(request: HttpRequest, number: str) -> HttpResponse:
    memo = selectors.credit_memo_get(number)
    return render(
        request,
        "writeoffs/creditmemo_detail.html",
        {
            "memo": memo,
            "items": selectors.credit_memo_items(memo),
            # Only someone who may reverse sees the action, and only while it can be done.
            "can_reverse": request.user.has_perm(REVERSE_PERMISSION)
            and not _reversal_refusal(memo),
        },
    )


def _reversal_refusal(memo: CreditMemo) -> tuple[Problem, ...]:
    """Why `memo` itself cannot be reversed (reversed already), whatever is asked: the
    reversal's own check of the memo, without the fields of a proposal."""
    check = reversal_check(memo=memo, proposal=ReversalProposal())
    return tuple(problem for problem in check.problems if problem.field == "memo")


@require_http_methods(["GET", "POST"])
@login_required
@permission_required([VIEW_DOCUMENTS, REVERSE_PERMISSION], raise_exception=True)
def credit_memo_reversal(request: HtmxHttpRequest, number: str) -> HttpResponse:
    """The Reverse Write-Off dialog (SPEC D2). GET: the dialog. POST: reverse; a refused
    reversal answers 200 with every problem the service found put next to its field, or at
    the top for the memo itself (reversed meanwhile, say) and the dialog's key."""
    memo = selectors.credit_memo_get(number)
    if request.method == "GET" and not request.htmx:
        # The dialog is a fragment of the memo's page; opened on its own, show that page.
        return redirect("writeoffs:credit-memo-detail", number)
    if request.method == "GET":
        return _open_reversal(request, memo)
    form = ReversalForm(request.POST, memo=memo, user=request.user)
    proposal = form.proposal()
    try:
        debit_memo = credit_memo_reverse(
            memo=memo, user=request.user, proposal=proposal, key=form.ledger_key(proposal)
        )
    except WriteOffRefused as refused:
        response = _render_reversal(request, form, refused.check)
        return trigger_client_event(
            response, "writeOffRefused", {"focus": form.focus_target(refused.check)}, after="settle"
        )
    document = BillingDocument.objects.get(pk=memo.document_id)
    currency = document.currency
    messages.success(
        request,
        f"Debit memo {debit_memo.number} reversed credit memo {memo.number}: "
        f"{format_amount(memo.total, currency)} {currency} is back on "
        f"{document.kind.name.lower()} {document.number}, whose balance is now "
        f"{format_amount(document.balance, currency)} {currency}.",
    )
    return HttpResponseClientRedirect(reverse("writeoffs:credit-memo-detail", args=[number]))


def _open_reversal(request: HtmxHttpRequest, memo: CreditMemo) -> HttpResponse:
    if problems := _reversal_refusal(memo):
        # The page offers no reversal then; a dialog asked for by its URL says why.
        context = {"title": "Reverse Write-Off", "problems": problems}
        return render(request, "writeoffs/not_possible.html", context)
    form = ReversalForm(memo=memo)
    proposal = ReversalProposal(
        reversal_date=reversal_date_default(memo), reason_code=selectors.default_reason_code()
    )
    form.initial = {
        "reversal_date": proposal.reversal_date,
        "reason_code": proposal.reason_code,
        "request_key": reversal_key_issue(user=request.user, memo=memo),
    }
    check = reversal_check(memo=memo, proposal=proposal)
    return _render_reversal(request, form, check, template="writeoffs/reversal_dialog.html")


def _render_reversal(
    request: HtmxHttpRequest,
    form: DialogForm,
    check: WriteOffCheck,
    *,
    template: str = "writeoffs/reversal_dialog.html#messages",
) -> HttpResponse:
    """The dialog, or (by default) only the check's messages, swapped into the open dialog out
    of band, so that nothing the clerk typed is replaced."""
    placed = form.place(check)
    return render(
        request,
        template,
        {
            "memo": form.memo,
            "form": form,
            "placed": placed,
            "header": dict((field.name, shown) for field, shown in form.header_rows(placed)),
        },
    )
