"""The History of a document's or a credit memo's page: loaded into the page when the clerk
opens it (htmx), so that the page itself reads nothing more; on its own, a page of its own.
And the site's 403, which puts an attempt to write off or reverse without the permission on
the record."""

from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views import defaults
from django.views.decorators.http import require_GET

from audit import selectors
from audit.services import denied_attempt_recorded
from billing import selectors as billing_selectors
from billing.models import VIEW_DOCUMENTS, DocumentKind
from writeoffs import selectors as writeoff_selectors


@require_GET
@login_required
@permission_required(VIEW_DOCUMENTS, raise_exception=True)
def document_history(request: HttpRequest, kind: DocumentKind, number: str) -> HttpResponse:
    document = billing_selectors.document_get(kind, number)
    return _render(
        request,
        title=f"{kind.name} {number}",
        back=reverse("writeoffs:document-detail", args=[kind, number]),
        entries=selectors.document_history(document),
    )


@require_GET
@login_required
@permission_required(VIEW_DOCUMENTS, raise_exception=True)
def credit_memo_history(request: HttpRequest, number: str) -> HttpResponse:
    memo = writeoff_selectors.credit_memo_get(number)
    return _render(
        request,
        title=f"Credit Memo {number}",
        back=reverse("writeoffs:credit-memo-detail", args=[number]),
        entries=selectors.credit_memo_history(memo),
    )


def _render(request, **context) -> HttpResponse:
    template = "audit/history.html#entries" if request.htmx else "audit/history.html"
    return render(request, template, {**context, "length": selectors.HISTORY_LENGTH})


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    """The site's 403 (`handler403`): Django's own page, once an attempt to write off or
    reverse without the permission is on the record."""
    denied_attempt_recorded(request, user=getattr(request, "user", None))
    return defaults.permission_denied(request, exception)
