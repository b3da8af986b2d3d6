"""Admin for accounting codes (managed here, SPEC section 1) and the books (read only).

Documents, their lines and accounts are shown but never added, changed or deleted in the admin:
their amounts and balances move only through imports and write-offs, and an edit here would
break the books. Invoices and debit memos are registered as their proxies rather than as
`BillingDocument`, so that the admin asks for the same permissions as the application
(`billing.view_invoice`, SPEC C4) and each list holds one kind of document.
"""

from django.contrib import admin

from billing.models import Account, AccountingCode, BillingDocument, DebitMemo, Invoice, LineItem
from billing.money import format_amount


class ReadOnlyAdminMixin:
    """View permission as usual; no add, change or delete for anyone, superusers included."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ProtectedObjectsMixin:
    """On deleting a row that others PROTECT, list those rows as Django usually does.

    Django also asks for delete permission on each protected row; for rows of a read-only admin
    (credit memos) that turns the page into "your account doesn't have permission to delete
    credit memos", which hides the real reason. Protected rows are never deleted, so their
    delete permission is beside the point.
    """

    def get_deleted_objects(self, objs, request):
        to_delete, model_count, perms_needed, protected = super().get_deleted_objects(objs, request)
        if protected:
            perms_needed = set()
        return to_delete, model_count, perms_needed, protected


@admin.register(AccountingCode)
class AccountingCodeAdmin(ProtectedObjectsMixin, admin.ModelAdmin):
    list_display = ["code", "name", "type", "active"]
    list_filter = ["type", "active"]
    search_fields = ["code", "name"]


@admin.register(Account)
class AccountAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["number", "name"]
    search_fields = ["number", "name"]


class LineItemInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = LineItem
    fields = [
        "position",
        "kind",
        "parent",
        "description",
        "service_start",
        "service_end",
        "amount_display",
        "balance_display",
        "accounting_code",
        "revenue_code",
    ]
    readonly_fields = ["amount_display", "balance_display"]

    def get_queryset(self, request):
        # Every line shows its parent, codes and (for the amounts) its document's currency.
        return (
            super()
            .get_queryset(request)
            .select_related("document", "parent", "accounting_code", "revenue_code")
        )

    @admin.display(description="amount")
    def amount_display(self, line):
        return format_amount(line.amount, line.document.currency)

    @admin.display(description="balance")
    def balance_display(self, line):
        return format_amount(line.balance, line.document.currency)


class BillingDocumentAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = [
        "number",
        "account",
        "date",
        "due_date",
        "status",
        "currency",
        "amount_display",
        "balance_display",
    ]
    list_filter = ["status", "currency"]
    list_select_related = ["account"]
    search_fields = ["number", "account__number", "account__name"]
    fields = list_display
    readonly_fields = ["amount_display", "balance_display"]
    inlines = [LineItemInline]

    @admin.display(description="amount", ordering="amount")
    def amount_display(self, document: BillingDocument):
        return format_amount(document.amount, document.currency)

    @admin.display(description="balance", ordering="balance")
    def balance_display(self, document: BillingDocument):
        return format_amount(document.balance, document.currency)


admin.site.register(Invoice, BillingDocumentAdmin)
admin.site.register(DebitMemo, BillingDocumentAdmin)
