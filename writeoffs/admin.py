"""Admin for reason codes and the write-off settings (managed here), and credit memos (read only).

Exactly one reason code is the default (SPEC section 1). The database allows at most one; this
admin keeps it at one: the default is moved only by the "Make default" action, which unsets the
old default and sets the new one in one transaction, and the default can be neither deactivated
nor deleted.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import actions as admin_actions
from django.contrib.admin.utils import unquote
from django.shortcuts import redirect

from billing.admin import ProtectedObjectsMixin, ReadOnlyAdminMixin
from billing.money import format_amount
from writeoffs.models import CreditMemo, CreditMemoItem, ReasonCode, WriteOffSettings
from writeoffs.services import reason_code_make_default


class ReasonCodeForm(forms.ModelForm):
    class Meta:
        model = ReasonCode
        fields = ["name", "active"]

    def clean_active(self):
        active = self.cleaned_data["active"]
        if self.instance.is_default and not active:
            raise forms.ValidationError(
                "The default reason code cannot be deactivated. Make another reason code the "
                "default first.",
                code="default_inactive",
            )
        return active


@admin.register(ReasonCode)
class ReasonCodeAdmin(ProtectedObjectsMixin, admin.ModelAdmin):
    form = ReasonCodeForm
    list_display = ["name", "active", "is_default"]
    list_filter = ["active", "is_default"]
    search_fields = ["name"]
    readonly_fields = ["is_default"]
    fieldsets = [
        (
            None,
            {
                "fields": ["name", "active", "is_default"],
                "description": "To make another reason code the default, select it in the list "
                "and run the action “Make the selected reason code the default”.",
            },
        )
    ]
    # `delete_selected` here replaces the site-wide action of that name (the confirmation page
    # posts back under that name), so the default reason code cannot be bulk-deleted.
    actions = ["make_default", "delete_selected"]

    @admin.action(description="Make the selected reason code the default", permissions=["change"])
    def make_default(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(
                request, "Select exactly one reason code to make the default.", messages.ERROR
            )
            return
        reason_code = queryset.get()
        if not reason_code.active:
            self.message_user(
                request,
                f"{reason_code} is not active. Activate it before making it the default.",
                messages.ERROR,
            )
            return
        reason_code_make_default(reason_code=reason_code)
        self.message_user(
            request, f"{reason_code} is now the default reason code.", messages.SUCCESS
        )

    @admin.action(
        description=admin_actions.delete_selected.short_description, permissions=["delete"]
    )
    def delete_selected(self, request, queryset):
        if default := queryset.filter(is_default=True).first():
            self.message_user(request, self._default_not_deletable(default), messages.ERROR)
            return None
        return admin_actions.delete_selected(self, request, queryset)

    def delete_view(self, request, object_id, extra_context=None):
        reason_code = self.get_object(request, unquote(object_id))
        if reason_code is not None and reason_code.is_default:
            self.message_user(request, self._default_not_deletable(reason_code), messages.ERROR)
            return redirect("admin:writeoffs_reasoncode_change", reason_code.pk)
        return super().delete_view(request, object_id, extra_context)

    @staticmethod
    def _default_not_deletable(reason_code: ReasonCode) -> str:
        return (
            f"{reason_code} is the default reason code and cannot be deleted. "
            "Make another reason code the default first."
        )


@admin.register(WriteOffSettings)
class WriteOffSettingsAdmin(admin.ModelAdmin):
    """The single settings row: changed in place, never added or deleted."""

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        # A list of one row is a needless step: go straight to the row.
        return redirect("admin:writeoffs_writeoffsettings_change", WriteOffSettings.load().pk)


class CreditMemoItemInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = CreditMemoItem
    fields = ["source_line", "amount_display", "accounting_code"]
    readonly_fields = ["amount_display"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("memo__document", "source_line", "accounting_code")
        )

    @admin.display(description="amount")
    def amount_display(self, item: CreditMemoItem):
        return format_amount(item.amount, item.memo.document.currency)


@admin.register(CreditMemo)
class CreditMemoAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = [
        "number",
        "document",
        "account",
        "memo_date",
        "reason_code",
        "status",
        "currency",
        "total_display",
        "revenue_impacting",
        "created_by",
        "created_at",
    ]
    list_filter = ["status", "document__currency", "revenue_impacting", "reason_code"]
    list_select_related = ["document__account", "reason_code", "created_by"]
    search_fields = [
        "number",
        "document__number",
        "document__account__number",
        "document__account__name",
    ]
    fields = [
        "number",
        "document",
        "account",
        "memo_date",
        "reason_code",
        "comment",
        "revenue_impacting",
        "status",
        "currency",
        "total_display",
        "created_by",
        "created_at",
    ]
    readonly_fields = ["account", "currency", "total_display", "created_at"]
    inlines = [CreditMemoItemInline]

    @admin.display(description="account", ordering="document__account__number")
    def account(self, memo: CreditMemo):
        return memo.document.account

    @admin.display(description="currency", ordering="document__currency")
    def currency(self, memo: CreditMemo):
        return memo.document.currency

    @admin.display(description="total", ordering="total")
    def total_display(self, memo: CreditMemo):
        return format_amount(memo.total, memo.document.currency)
