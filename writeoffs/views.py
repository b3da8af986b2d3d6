"""The Write Off Invoice dialog, its live total, and the Credit Memos pages.

The views parse, call the service or a selector, and render; the service does every check.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect, trigger_client_event
from django_htmx.middleware import HtmxDetails

from billing import selectors as billing_selectors
from billing.models import Invoice
from billing.money import format_amount
from writeoffs import selectors
from writeoffs.forms import CreditMemoFilterForm, WriteOffForm
from writeoffs.models import WriteOffSettings
from writeoffs.services import (
    WRITE_OFF_PERMISSION,
    invoice_write_off,
    write_off_date_default,
    write_off_preview,
)

VIEW_INVOICES = "billing.view_invoice"
MEMOS_PER_PAGE = 50


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


def _dialog_context(invoice: Invoice, form: WriteOffForm, preview=None) -> dict:
    return {
        "invoice": invoice,
        "form": form,
        "enhanced_write_off": WriteOffSettings.load().enhanced_write_off,
        "preview": preview or write_off_preview(document=invoice, lines=[]),
    }


@require_http_methods(["GET", "POST"])
@login_required
@permission_required([VIEW_INVOICES, WRITE_OFF_PERMISSION], raise_exception=True)
def write_off(request: HtmxHttpRequest, number: str) -> HttpResponse:
    """GET: the dialog. POST: save; a refused save answers 200 (htmx does not swap 4xx answers)
    with every message, put in place next to its field or line without touching the inputs."""
    invoice = billing_selectors.invoice_get(number)
    lines = billing_selectors.document_lines(invoice)
    if request.method == "GET":
        if not request.htmx:
            # The dialog is a fragment of the invoice page; opened on its own, show that page.
            return redirect("billing:invoice-detail", number)
        form = WriteOffForm(
            document=invoice,
            lines=lines,
            initial={
                "memo_date": write_off_date_default(invoice),
                "reason_code": selectors.default_reason_code(),
                "revenue_impacting": True,
            },
        )
        return render(request, "writeoffs/dialog.html", _dialog_context(invoice, form))
    form = WriteOffForm(request.POST, document=invoice, lines=lines)
    if form.is_valid():
        arguments = form.service_arguments()
        try:
            memo = invoice_write_off(document=invoice, user=request.user, **arguments)
        except ValidationError as error:
            form.add_service_errors(error, arguments["lines"])
        else:
            currency = memo.document.currency
            messages.success(
                request,
                f"Credit memo {memo.number} wrote off {format_amount(memo.total, currency)} "
                f"{currency}. The invoice balance is now "
                f"{format_amount(memo.document.balance, currency)} {currency}.",
            )
            return HttpResponseClientRedirect(reverse("billing:invoice-detail", args=[number]))
    response = render(
        request,
        "writeoffs/dialog.html#refused",
        _dialog_context(invoice, form, preview=_preview(invoice, form)),
    )
    return trigger_client_event(response, "writeOffRefused")


@require_POST
@login_required
@permission_required([VIEW_INVOICES, WRITE_OFF_PERMISSION], raise_exception=True)
def write_off_total(request: HtmxHttpRequest, number: str) -> HttpResponse:
    """The live total: the Write-Off Details and each line's message, computed by the server
    from what is typed so far. It writes nothing."""
    invoice = billing_selectors.invoice_get(number)
    form = WriteOffForm(
        request.POST, document=invoice, lines=billing_selectors.document_lines(invoice)
    )
    form.is_valid()
    return render(
        request,
        "writeoffs/dialog.html#live",
        _dialog_context(invoice, form, preview=_preview(invoice, form)),
    )


def _preview(invoice: Invoice, form: WriteOffForm):
    """The preview of the amounts that parsed, with their errors put next to their lines."""
    amounts = form.line_amounts()
    preview = write_off_preview(document=invoice, lines=amounts)
    if preview.errors:
        form.add_service_errors(ValidationError(preview.errors), amounts)
    return preview


@require_GET
@login_required
@permission_required(VIEW_INVOICES, raise_exception=True)
def credit_memo_list(request: HttpRequest) -> HttpResponse:
    filters = CreditMemoFilterForm(request.GET or None)
    memos = selectors.credit_memo_list(**filters.filters())
    page = Paginator(memos, MEMOS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "writeoffs/creditmemo_list.html", {"page": page, "filters": filters})


@require_GET
@login_required
@permission_required(VIEW_INVOICES, raise_exception=True)
def credit_memo_detail(request: HttpRequest, number: str) -> HttpResponse:
    memo = selectors.credit_memo_get(number)
    return render(
        request,
        "writeoffs/creditmemo_detail.html",
        {"memo": memo, "items": selectors.credit_memo_items(memo)},
    )
