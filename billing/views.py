from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from billing import selectors
from billing.models import BillingDocument
from writeoffs import selectors as writeoff_selectors

VIEW_INVOICES = "billing.view_invoice"
INVOICES_PER_PAGE = 50


@require_GET
@login_required
def home(request: HttpRequest) -> HttpResponse:
    if request.user.has_perm(VIEW_INVOICES):
        return redirect("billing:invoice-list")
    return render(request, "home.html")


@require_GET
@login_required
@permission_required(VIEW_INVOICES, raise_exception=True)
def invoice_list(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()
    status = request.GET.get("status", "")
    if status not in BillingDocument.Status.values:
        status = ""
    invoices = selectors.invoice_list(q=q, status=status)
    page = Paginator(invoices, INVOICES_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "billing/invoice_list.html",
        {"page": page, "q": q, "status": status, "statuses": BillingDocument.Status.choices},
    )


@require_GET
@login_required
@permission_required(VIEW_INVOICES, raise_exception=True)
def invoice_detail(request: HttpRequest, number: str) -> HttpResponse:
    invoice = selectors.invoice_get(number)
    return render(
        request,
        "billing/invoice_detail.html",
        {
            "invoice": invoice,
            "lines": selectors.document_lines(invoice),
            "credit_memos": writeoff_selectors.document_credit_memos(invoice),
            "write_off_refusal": writeoff_selectors.write_off_refusal(invoice, request.user),
        },
    )
