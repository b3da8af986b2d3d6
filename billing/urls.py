from django.urls import path

import billing.converters  # noqa: F401 - registers <kind:...>
from billing import views

app_name = "billing"

urlpatterns = [
    path("<kind:kind>/", views.document_list, name="document-list"),
]
