from django.urls import path

import billing.converters  # noqa: F401 - registers <kind:...> and <number:...>
from audit import views

app_name = "audit"

urlpatterns = [
    path("<kind:kind>/<number:number>/history/", views.document_history, name="document-history"),
    path(
        "credit-memos/<number:number>/history/",
        views.credit_memo_history,
        name="credit-memo-history",
    ),
]
