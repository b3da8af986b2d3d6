"""The audit trail in the admin: listed and read, never added, changed or deleted; and the
admin's sign-in form, which says when a sign-in is locked out."""

import json

from axes.admin import AccessAttemptAdmin
from axes.models import AccessAttempt
from django.contrib import admin
from django.utils.html import format_html

from audit.models import AuditEntry
from audit.signin import AdminSignInForm
from billing.admin import ReadOnlyAdminMixin
from billing.money import format_amount

admin.site.login_form = AdminSignInForm


class OwnFiltersOnlyMixin:
    """A list is filtered from its URL by its own filters only. Django's admin also takes a
    lookup on any other field of the model, which the database may fail on rather than refuse
    (`?address=x` is no address to PostgreSQL); such a lookup is refused, 400."""

    def lookup_allowed(self, lookup, value, request) -> bool:
        names = {_filtered_by(entry) for entry in self.list_filter}
        return lookup.split("__")[0] in names and super().lookup_allowed(lookup, value, request)


def _filtered_by(entry) -> str:
    """The field (or parameter) a `list_filter` entry filters by."""
    if isinstance(entry, str):
        return entry
    if isinstance(entry, tuple | list):
        return entry[0]
    return entry.parameter_name  # a SimpleListFilter


@admin.register(AccessAttempt)
class SignInFailuresAdmin(OwnFiltersOnlyMixin, AccessAttemptAdmin):
    """The failed sign-ins django-axes counts: deleting a row unlocks its username and
    address."""


@admin.register(AuditEntry)
class AuditEntryAdmin(OwnFiltersOnlyMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = [
        "at",
        "action",
        "channel",
        "username",
        "address",
        "document",
        "credit_memo",
        "amount_display",
        "target",
    ]
    list_filter = [
        "action",
        "channel",
        ("user", admin.RelatedOnlyFieldListFilter),
        ("at", admin.DateFieldListFilter),
    ]
    list_select_related = ["document", "credit_memo"]
    search_fields = ["username", "document__number", "credit_memo__number", "target"]
    fields = [
        "at",
        "action",
        "channel",
        "user",
        "username",
        "address",
        "document",
        "credit_memo",
        "debit_memo",
        "amount_display",
        "target",
        "details",
    ]
    readonly_fields = ["amount_display", "details"]

    @admin.display(description="amount", ordering="amount")
    def amount_display(self, entry: AuditEntry):
        if entry.amount is None:
            return ""
        return f"{format_amount(entry.amount, entry.currency)} {entry.currency}"

    @admin.display(description="details")
    def details(self, entry: AuditEntry):
        return format_html("<pre>{}</pre>", json.dumps(entry.data, indent=2, ensure_ascii=False))
