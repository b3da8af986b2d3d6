from django.urls import path

import billing.converters  # noqa: F401 - registers <kind:...> and <number:...>
from writeoffs import views

app_name = "writeoffs"

urlpatterns = [
    path("<kind:kind>/<number:number>/", views.document_detail, name="document-detail"),
    path("<kind:kind>/<number:number>/write-off/", views.write_off, name="write-off"),
    path(
        "<kind:kind>/<number:number>/write-off/total/",
        views.write_off_total,
        name="write-off-total",
    ),
    path(
        "<kind:kind>/<number:number>/write-off/lines/",
        views.write_off_lines,
        name="write-off-lines",
    ),
    path("credit-memos/", views.credit_memo_list, name="credit-memo-list"),
    path("credit-memos/<number:number>/", views.credit_memo_detail, name="credit-memo-detail"),
    path(
        "credit-memos/<number:number>/reverse/",
        views.credit_memo_reversal,
        name="credit-memo-reverse",
    ),
]
