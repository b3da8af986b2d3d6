"""The Write-Off Report page and its CSV (SPEC D3).

Both read the filters through one form, and both need `billing.view_billingdocument` (seeing
billing documents and credit memos): without it 403, signed out the sign-in page. Filters that
cannot be read are shown next to their fields, and no report is made of them.
"""

from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from billing.models import VIEW_DOCUMENTS
from billing.spreadsheets import csv_download
from reports import exports, selectors
from reports.charts import monthly_chart
from reports.forms import WriteOffReportForm


def _form(request: HttpRequest) -> WriteOffReportForm:
    return WriteOffReportForm(request.GET, clear_url=reverse("reports:write-offs"))


def _page(request: HttpRequest, form: WriteOffReportForm, *, status: int = 200) -> HttpResponse:
    context = {"filters": form, "report": None}
    if form.is_valid():
        report = selectors.write_off_report(form.report_filters())
        context.update(
            report=report,
            sections=[(currency, monthly_chart(currency)) for currency in report.currencies],
            csv_url=f"{reverse('reports:write-offs-csv')}?{form.query()}",
        )
    return render(request, "reports/write_off_report.html", context, status=status)


@require_GET
@login_required
@permission_required(VIEW_DOCUMENTS, raise_exception=True)
def write_off_report(request: HttpRequest) -> HttpResponse:
    return _page(request, _form(request))


@require_GET
@login_required
@permission_required(VIEW_DOCUMENTS, raise_exception=True)
def write_off_report_csv(request: HttpRequest) -> HttpResponse:
    """The CSV of the filters given; filters that cannot be read get the page with their
    messages (400), rather than a file of something else."""
    form = _form(request)
    if not form.is_valid():
        return _page(request, form, status=400)
    filters = form.report_filters()
    return csv_download(exports.csv_pieces(filters), exports.file_name(filters))
