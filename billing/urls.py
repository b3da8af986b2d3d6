from django.urls import path

from billing import views

app_name = "billing"

urlpatterns = [
    path("invoices/", views.invoice_list, name="invoice-list"),
    path("invoices/<str:number>/", views.invoice_detail, name="invoice-detail"),
]
