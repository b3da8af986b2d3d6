from django.urls import path

from reports import views

app_name = "reports"

urlpatterns = [
    path("write-offs/", views.write_off_report, name="write-offs"),
    path("write-offs/csv/", views.write_off_report_csv, name="write-offs-csv"),
]
