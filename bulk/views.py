"""Billing > Bulk Write-Off (SPEC D4): choose documents, preview, set the fields once, start,
and follow the job.

Every page needs `billing.view_billingdocument` and `writeoffs.bulk_write_off`; starting also
needs the write-off permission itself, which the service checks for every document. A job is
its creator's: another clerk's job number is not found.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST
from django_htmx.middleware import HtmxDetails

from billing.models import VIEW_DOCUMENTS
from billing.money import plain_amount
from billing.spreadsheets import BYTE_ORDER_MARK, csv_download, line_writer, spreadsheet_safe
from bulk import selectors
from bulk.forms import BulkWriteOffForm, ChooseByFileForm, ChooseByFilterForm
from bulk.models import BulkJob
from bulk.services import (
    STALLED_AFTER,
    JobNotStartable,
    bulk_job_cancel,
    bulk_job_prepare,
    bulk_job_resume,
    bulk_job_start,
    may_bulk_write_off,
)
from bulk.tasks import bulk_job_enqueue
from writeoffs import selectors as writeoff_selectors
from writeoffs.models import BULK_WRITE_OFF_PERMISSION, WriteOffSettings
from writeoffs.services import WriteOffRefused

PERMISSIONS = [VIEW_DOCUMENTS, BULK_WRITE_OFF_PERMISSION]


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


@require_GET
@login_required
@permission_required(PERMISSIONS, raise_exception=True)
def bulk_home(request: HttpRequest) -> HttpResponse:
    return _home(request, ChooseByFilterForm(), ChooseByFileForm())


def _home(request, by_filter, by_file, *, status=200) -> HttpResponse:
    context = {
        "by_filter": by_filter,
        "by_file": by_file,
        "jobs": selectors.recent_jobs(request.user),
        "may_write_off": may_bulk_write_off(request.user),
    }
    return render(request, "bulk/home.html", context, status=status)


@require_POST
@login_required
@permission_required(PERMISSIONS, raise_exception=True)
def bulk_preview(request: HttpRequest) -> HttpResponse:
    """Choose by filter or by file; a refusal shows the page again with every problem (a bad
    file names each line) and creates nothing."""
    if request.POST.get("chosen_by") == "file":
        form, other = ChooseByFileForm(request.POST, request.FILES), ChooseByFilterForm()
        forms = (other, form)
    else:
        form = ChooseByFilterForm(request.POST)
        forms = (form, ChooseByFileForm())
    documents = form.documents() if form.is_valid() else None
    if documents is None:
        return _home(request, *forms, status=400)
    job = bulk_job_prepare(user=request.user, documents=documents, chosen_by=form.described())
    return redirect("bulk:job", job.pk)


@require_GET
@login_required
@permission_required(PERMISSIONS, raise_exception=True)
def bulk_job(request: HtmxHttpRequest, job_id: int) -> HttpResponse:
    """A previewed job: its documents and the fields to start it. A started one: its progress,
    which the page polls (`#progress`) until the job ends."""
    job = selectors.job_get(request.user, job_id)
    if job.status == BulkJob.Status.DRAFT:
        return _preview(request, job, _fields_form())
    template = "bulk/job.html#progress" if request.htmx else "bulk/job.html"
    progress = selectors.job_progress(job)
    last_moved = progress.last_finished or job.started_at
    return render(
        request,
        template,
        {
            "job": job,
            "progress": progress,
            "stalled": job.is_active and timezone.now() - last_moved > STALLED_AFTER,
            "refused": selectors.refused_items(job),
            "refused_shown": selectors.REFUSED_SHOWN,
        },
    )


def _fields_form(data=None) -> BulkWriteOffForm:
    settings = WriteOffSettings.load()
    form = BulkWriteOffForm(data, enhanced_write_off=settings.enhanced_write_off)
    if data is None:
        form.initial = {
            "memo_date": timezone.localdate(),
            "reason_code": writeoff_selectors.default_reason_code(),
            "revenue_impacting": True,
        }
    return form


def _preview(request, job: BulkJob, form: BulkWriteOffForm, *, status=200) -> HttpResponse:
    context = {
        "job": job,
        "form": form,
        "progress": selectors.job_progress(job),
        "items": selectors.first_items(job),
        "shown": selectors.PREVIEW_SHOWN,
        "may_write_off": may_bulk_write_off(request.user),
    }
    return render(request, "bulk/preview.html", context, status=status)


@require_POST
@login_required
@permission_required(PERMISSIONS, raise_exception=True)
def bulk_start(request: HttpRequest, job_id: int) -> HttpResponse:
    job = selectors.job_get(request.user, job_id)
    form = _fields_form(request.POST)
    try:
        job = bulk_job_start(
            job=job, user=request.user, proposal=form.proposal(), enqueue=bulk_job_enqueue
        )
    except WriteOffRefused as refused:
        form.show(refused.check.problems)
        return _preview(request, job, form, status=400)
    except JobNotStartable:
        # A second Start (a double click, Back and Start again) queues nothing more.
        return redirect("bulk:job", job.pk)
    messages.success(request, f"Bulk write-off {job.pk} started.")
    return redirect("bulk:job", job.pk)


@require_POST
@login_required
@permission_required(PERMISSIONS, raise_exception=True)
def bulk_cancel(request: HttpRequest, job_id: int) -> HttpResponse:
    job = selectors.job_get(request.user, job_id)
    if job.is_active:
        left = bulk_job_cancel(job=job, user=request.user)
        messages.info(
            request,
            f"Bulk write-off {job.pk} cancelled: {left:,} document(s) were not written off. "
            "Those written off before stay written off.",
        )
    return redirect("bulk:job", job.pk)


@require_POST
@login_required
@permission_required(PERMISSIONS, raise_exception=True)
def bulk_resume(request: HttpRequest, job_id: int) -> HttpResponse:
    job = selectors.job_get(request.user, job_id)
    if bulk_job_resume(job=job, user=request.user, enqueue=bulk_job_enqueue):
        messages.info(request, f"Bulk write-off {job.pk} queued again for the workers.")
    return redirect("bulk:job", job.pk)


@require_GET
@login_required
@permission_required(PERMISSIONS, raise_exception=True)
def bulk_results(request: HttpRequest, job_id: int) -> StreamingHttpResponse:
    """One row per document of the job with its outcome, streamed in constant memory."""
    job = selectors.job_get(request.user, job_id)
    writer = line_writer()

    def rows():
        yield BYTE_ORDER_MARK + writer.writerow(
            [
                "position",
                "document type",
                "document number",
                "account number",
                "account name",
                "currency",
                "balance when chosen",
                "outcome",
                "credit memo",
                "written off",
                "refusal code",
                "refusal",
            ]
        )
        for item in selectors.result_rows(job):
            document = item.document
            yield writer.writerow(
                [
                    item.position,
                    document.get_type_display(),
                    document.number,
                    spreadsheet_safe(document.account.number),
                    spreadsheet_safe(document.account.name),
                    item.currency,
                    plain_amount(item.balance, item.currency),
                    item.get_status_display(),
                    item.credit_memo.number if item.credit_memo else "",
                    plain_amount(item.written_off, item.currency) if item.written_off else "",
                    item.refusal_code,
                    spreadsheet_safe(item.refusal),
                ]
            )

    return csv_download(rows(), f"bulk-write-off-{job.pk}.csv")
