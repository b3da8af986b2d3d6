from django.urls import path

import billing.converters  # noqa: F401 - registers <number:...>
from writeoffs import views

app_name = "writeoffs"

urlpatterns = [
    path("invoices/<number:number>/", views.invoice_detail, name="invoice-detail"),
    path("invoices/<number:number>/write-off/", views.write_off, name="write-off"),
    path(
        "invoices/<number:number>/write-off/total/", views.write_off_total, name="write-off-total"
    ),
    path("credit-memos/", views.credit_memo_list, name="credit-memo-list"),
    path("credit-memos/<number:number>/", views.credit_memo_detail, name="credit-memo-detail"),
]
