from django.urls import path, register_converter
from django.urls.converters import IntConverter

from bulk import views


class JobIdConverter(IntConverter):
    """A job number that fits the id column: a longer one is simply not found."""

    regex = "[0-9]{1,18}"


register_converter(JobIdConverter, "job")

app_name = "bulk"

urlpatterns = [
    path("", views.bulk_home, name="home"),
    path("preview/", views.bulk_preview, name="preview"),
    path("<job:job_id>/", views.bulk_job, name="job"),
    path("<job:job_id>/start/", views.bulk_start, name="start"),
    path("<job:job_id>/cancel/", views.bulk_cancel, name="cancel"),
    path("<job:job_id>/resume/", views.bulk_resume, name="resume"),
    path("<job:job_id>/results.csv", views.bulk_results, name="results"),
]
