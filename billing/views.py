from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET

from billing import selectors
from billing.forms import DocumentSearchForm, PageForm
from billing.models import VIEW_DOCUMENTS
from billing.paging import keyset_page


@require_GET
@login_required
def home(request: HttpRequest) -> HttpResponse:
    if request.user.has_perm(VIEW_DOCUMENTS):
        return redirect("billing:invoice-list")
    return render(request, "home.html")


@require_GET
@login_required
@permission_required(VIEW_DOCUMENTS, raise_exception=True)
def invoice_list(request: HttpRequest) -> HttpResponse:
    search = DocumentSearchForm(request.GET, clear_url=reverse("billing:invoice-list"))
    # A search that cannot be read finds nothing (its message says why) rather than everything.
    if search.is_valid():
        invoices = selectors.invoice_list(**search.cleaned_data)
    else:
        invoices = selectors.invoice_list().none()
    pages = PageForm(request.GET, keyset=selectors.INVOICE_ORDER)
    page = keyset_page(invoices, keyset=selectors.INVOICE_ORDER, cursor=pages.cursor())
    return render(
        request, "billing/invoice_list.html", {"page": page, "pages": pages, "search": search}
    )
