from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from audit.signin import SignInForm
from billing import views as billing_views

urlpatterns = [
    path("", billing_views.home, name="home"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(authentication_form=SignInForm),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("billing/", include("billing.urls")),
    path("billing/", include("writeoffs.urls")),
    path("billing/reports/", include("reports.urls")),
    path("billing/", include("audit.urls")),
    path("billing/bulk-write-offs/", include("bulk.urls")),
    path("admin/", admin.site.urls),
    path("api/", include("api.urls")),
]

# Django's 403 page, once an attempt to write off or reverse without the permission is recorded.
handler403 = "audit.views.permission_denied"
