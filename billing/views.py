from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET

from billing import selectors
from billing.forms import DocumentSearchForm, PageForm
from billing.models import INVOICES, VIEW_DOCUMENTS, DocumentKind
from billing.paging import keyset_page


@require_GET
@login_required
def home(request: HttpRequest) -> HttpResponse:
    if request.user.has_perm(VIEW_DOCUMENTS):
        return redirect("billing:document-list", INVOICES)
    return render(request, "home.html")


@require_GET
@login_required
@permission_required(VIEW_DOCUMENTS, raise_exception=True)
def document_list(request: HttpRequest, kind: DocumentKind) -> HttpResponse:
    """All Invoices or All Debit Memos (SPEC C5, D1)."""
    search = DocumentSearchForm(
        request.GET, clear_url=reverse("billing:document-list", args=[kind])
    )
    pages = PageForm(request.GET, keyset=selectors.DOCUMENT_ORDER)
    if search.is_valid():
        page = selectors.document_list_page(kind, **search.cleaned_data, cursor=pages.cursor())
    else:
        # A search that cannot be read finds nothing (its message says why), not everything.
        found = selectors.document_search(kind).none()
        page = keyset_page(found, keyset=selectors.DOCUMENT_ORDER, cursor=pages.cursor())
    context = {
        "kind": kind,
        "page": page,
        "pages": pages,
        "search": search,
        "detail_url": detail_url_prefix(kind),
    }
    return render(request, "billing/document_list.html", context)


def detail_url_prefix(kind: DocumentKind) -> str:
    """The address of a document page of `kind` up to its number, which each row of a list
    ends with its number and "/": one `reverse()` a page rather than one a row, where it cost
    as much as the rest of the row. A number needs no quoting in a URL: it matches
    `DOCUMENT_NUMBER_PATTERN` (a constraint holds every number to it)."""
    return reverse("writeoffs:document-detail", args=[kind, "0"]).removesuffix("0/")
