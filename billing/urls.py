from django.urls import path

import billing.converters  # noqa: F401 - registers <number:...>
from billing import views

app_name = "billing"

urlpatterns = [
    path("invoices/", views.invoice_list, name="invoice-list"),
    path("invoices/<number:number>/", views.invoice_detail, name="invoice-detail"),
]
