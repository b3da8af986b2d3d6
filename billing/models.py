"""Billing documents (invoices, later debit memos), their line items and accounting codes.

Every invariant of SPEC section 1 that one row can express is a database constraint, so that
the admin, the shell and every service are held to it alike. The rules that join two rows (a
line's parent is a charge or discount of the same document) are enforced by triggers made in
migration 0002.
"""

from dataclasses import dataclass

from django.db import models
from django.db.models import Q

from billing.money import DECIMAL_PLACES, MAX_DIGITS

MAX_LINES_PER_DOCUMENT = 2000  # SPEC W9

#: Who may see billing documents (invoices and debit memos) and credit memos (SPEC C4): the
#: billing document's own view permission. Holders of the earlier `billing.view_invoice` were
#: given it by a migration.
VIEW_DOCUMENTS = "billing.view_billingdocument"

#: A document number every URL can route: an ASCII letter or digit, then also `-`, `_` and `.`
#: (no slash, no `.` or `..` segment, nothing a browser or proxy would rewrite). Imported
#: numbers are kept as given if they match; the URL converter and a constraint use it too.
DOCUMENT_NUMBER_PATTERN = r"[A-Za-z0-9][A-Za-z0-9_.-]*"


def money_field(**kwargs) -> models.DecimalField:
    return models.DecimalField(max_digits=MAX_DIGITS, decimal_places=DECIMAL_PLACES, **kwargs)


class AccountingCodeType(models.TextChoices):
    # Zuora's accounting code types.
    ACCOUNTS_RECEIVABLE = "AccountsReceivable", "Accounts Receivable"
    ON_ACCOUNT = "OnAccount", "On Account"
    CASH = "Cash", "Cash"
    OTHER_ASSETS = "OtherAssets", "Other Assets"
    CUSTOMER_CASH_ON_ACCOUNT = "CustomerCashOnAccount", "Customer Cash on Account"
    DEFERRED_REVENUE = "DeferredRevenue", "Deferred Revenue"
    SALES_TAX_PAYABLE = "SalesTaxPayable", "Sales Tax Payable"
    OTHER_LIABILITIES = "OtherLiabilities", "Other Liabilities"
    SALES_REVENUE = "SalesRevenue", "Sales Revenue"
    SALES_DISCOUNTS = "SalesDiscounts", "Sales Discounts"
    OTHER_REVENUE = "OtherRevenue", "Other Revenue"
    OTHER_EQUITY = "OtherEquity", "Other Equity"
    BAD_DEBT = "BadDebt", "Bad Debt"
    OTHER_EXPENSES = "OtherExpenses", "Other Expenses"


class AccountingCodeQuerySet(models.QuerySet):
    def write_off_expenses(self):
        """The codes a write-off that is not revenue impacting may be booked to (SPEC W5):
        in SQL what `AccountingCode.is_write_off_expense` says of one code."""
        return self.filter(active=True, type__in=AccountingCode.WRITE_OFF_EXPENSE_TYPES)


class AccountingCode(models.Model):
    Type = AccountingCodeType

    WRITE_OFF_EXPENSE_TYPES = (Type.BAD_DEBT, Type.OTHER_EXPENSES)

    code = models.CharField(max_length=100, unique=True)
    name = models.CharField(max_length=100)
    type = models.CharField(max_length=32, choices=Type)
    active = models.BooleanField(default=True)

    objects = AccountingCodeQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(type__in=AccountingCodeType.values), name="accounting_code_type_valid"
            ),
            models.CheckConstraint(condition=~Q(code=""), name="accounting_code_code_not_blank"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def is_write_off_expense(self) -> bool:
        """Whether a write-off that is not revenue impacting may be booked to this code."""
        return self.active and self.type in self.WRITE_OFF_EXPENSE_TYPES


class Account(models.Model):
    """The customer a document is billed to."""

    number = models.CharField(max_length=50, unique=True)
    name = models.CharField(max_length=255)

    class Meta:
        ordering = ["number"]

    def __str__(self) -> str:
        return f"{self.number} {self.name}"


class DocumentType(models.TextChoices):
    INVOICE = "invoice", "Invoice"
    DEBIT_MEMO = "debit_memo", "Debit Memo"


@dataclass(frozen=True)
class DocumentKind:
    """How the pages name one type of billing document: "Invoice", "All Invoices",
    `/billing/invoices/`. Everything else about the two types is the same."""

    type: DocumentType
    name: str
    plural: str
    slug: str

    def __str__(self) -> str:
        return self.slug


INVOICES = DocumentKind(DocumentType.INVOICE, "Invoice", "Invoices", "invoices")
DEBIT_MEMOS = DocumentKind(DocumentType.DEBIT_MEMO, "Debit Memo", "Debit Memos", "debit-memos")
#: Every kind, by the part of its pages' URLs that names it.
KINDS = {kind.slug: kind for kind in (INVOICES, DEBIT_MEMOS)}


class DocumentStatus(models.TextChoices):
    DRAFT = "Draft", "Draft"
    POSTED = "Posted", "Posted"
    CANCELED = "Canceled", "Canceled"


class BillingDocument(models.Model):
    """A document that bills an account: an invoice, or a debit memo.

    Both kinds share this one table; `Invoice` and `DebitMemo` are proxies, so every service and
    selector written for a billing document serves both.
    """

    Type = DocumentType
    Status = DocumentStatus

    type = models.CharField(max_length=16, choices=Type)
    # Unique by `document_number_unique`, not `unique=True`: see migration 0009.
    number = models.CharField(max_length=50)
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="documents")
    currency = models.CharField(max_length=3)
    date = models.DateField("document date")
    due_date = models.DateField()
    status = models.CharField(max_length=16, choices=Status)
    amount = money_field()
    balance = money_field(help_text="What is still open: the sum of the lines' balances.")

    class Meta:
        ordering = ["-date", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["number"], name="document_number_unique"),
            models.CheckConstraint(
                condition=Q(type__in=DocumentType.values), name="document_type_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=DocumentStatus.values), name="document_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(balance__gte=0), name="document_balance_not_negative"
            ),
            models.CheckConstraint(condition=~Q(number=""), name="document_number_not_blank"),
            models.CheckConstraint(
                condition=Q(number__regex=f"^{DOCUMENT_NUMBER_PATTERN}$"),
                name="document_number_routable",
                violation_error_message="A document number starts with an ASCII letter or "
                "digit and holds only those, -, _ and .",
            ),
            models.CheckConstraint(
                condition=Q(due_date__gte=models.F("date")), name="document_due_not_before_date"
            ),
        ]
        # All Invoices in its order, and filtered by status in the same order. The search's
        # trigram indexes (PostgreSQL only) are made by migration 0004, not declared here.
        indexes = [
            models.Index(fields=["type", "-date", "-number"]),
            models.Index(
                fields=["type", "status", "-date", "-number"], name="document_status_list"
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def kind(self) -> DocumentKind:
        return next(kind for kind in KINDS.values() if kind.type == self.type)


class InvoiceManager(models.Manager):
    def get_queryset(self):
        return super().get_queryset().filter(type=BillingDocument.Type.INVOICE)


class Invoice(BillingDocument):
    objects = InvoiceManager()

    class Meta:
        proxy = True

    def save(self, *args, **kwargs):
        self.type = BillingDocument.Type.INVOICE
        super().save(*args, **kwargs)


class DebitMemoManager(models.Manager):
    def get_queryset(self):
        return super().get_queryset().filter(type=BillingDocument.Type.DEBIT_MEMO)


class DebitMemo(BillingDocument):
    objects = DebitMemoManager()

    class Meta:
        proxy = True

    def save(self, *args, **kwargs):
        self.type = BillingDocument.Type.DEBIT_MEMO
        super().save(*args, **kwargs)


class LineKind(models.TextChoices):
    CHARGE = "charge", "Charge"
    TAX = "tax", "Tax"
    DISCOUNT = "discount", "Discount"
    DISCOUNT_TAX = "discount_tax", "Tax on discount"


class LineItem(models.Model):
    Kind = LineKind

    #: The kind of parent each kind of line must have (SPEC 1); a charge has none.
    PARENT_KIND = {
        Kind.TAX: Kind.CHARGE,
        Kind.DISCOUNT: Kind.CHARGE,
        Kind.DISCOUNT_TAX: Kind.DISCOUNT,
    }
    #: Taxation items, in Zuora's words: the tax of a charge or of a discount.
    TAX_KINDS = (Kind.TAX, Kind.DISCOUNT_TAX)
    #: Kinds whose amounts are zero or negative.
    NEGATIVE_KINDS = (Kind.DISCOUNT, Kind.DISCOUNT_TAX)

    # No index of its own: the unique constraint on (document, position) starts with the
    # document and serves every look-up by document. A second index would cost every line
    # written (an import writes hundreds of thousands) and serve nothing.
    document = models.ForeignKey(
        BillingDocument, on_delete=models.PROTECT, related_name="lines", db_index=False
    )
    position = models.PositiveIntegerField(help_text="Order of the line on its document.")
    kind = models.CharField(max_length=16, choices=Kind)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        db_index=False,  # indexed where set: see Meta.indexes
    )
    description = models.CharField(max_length=255)
    service_start = models.DateField(null=True, blank=True)
    service_end = models.DateField(null=True, blank=True)
    amount = money_field()
    balance = money_field()
    accounting_code = models.ForeignKey(
        AccountingCode,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The deferred revenue code of a charge or discount; the tax code of a tax line. "
        "A revenue-impacting write-off books the line to it.",
    )
    revenue_code = models.ForeignKey(
        AccountingCode,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,  # indexed where set: see Meta.indexes
    )

    class Meta:
        ordering = ["document", "position"]
        # Only a line that has a parent or a revenue code is found by it (a charge has no
        # parent; only a charge has a revenue code): the rest, three lines in four for a
        # revenue code, are left out of these indexes, which every line inserted would update.
        indexes = [
            models.Index(fields=["parent"], name="line_parent", condition=Q(parent__isnull=False)),
            models.Index(
                fields=["revenue_code"],
                name="line_revenue_code",
                condition=Q(revenue_code__isnull=False),
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=LineKind.values), name="line_kind_valid"),
            models.CheckConstraint(
                condition=(
                    Q(kind__in=["charge", "tax"], amount__gte=0)
                    | Q(kind__in=["discount", "discount_tax"], amount__lte=0)
                ),
                name="line_amount_sign_matches_kind",
            ),
            # The balance has the sign of the amount and is no larger in size.
            models.CheckConstraint(
                condition=(
                    Q(amount__gte=0, balance__gte=0, balance__lte=models.F("amount"))
                    | Q(amount__lte=0, balance__lte=0, balance__gte=models.F("amount"))
                ),
                name="line_balance_within_amount",
            ),
            models.CheckConstraint(
                condition=Q(kind="charge", parent__isnull=True)
                | (~Q(kind="charge") & Q(parent__isnull=False)),
                name="line_parent_only_if_not_charge",
            ),
            models.CheckConstraint(
                condition=Q(kind="charge") | Q(revenue_code__isnull=True),
                name="line_revenue_code_only_on_charge",
            ),
            models.CheckConstraint(
                condition=Q(service_start__isnull=True)
                | Q(service_end__isnull=True)
                | Q(service_end__gte=models.F("service_start")),
                name="line_service_end_not_before_start",
            ),
            models.UniqueConstraint(
                fields=["document", "position"], name="line_position_unique_in_document"
            ),
        ]

    def __str__(self) -> str:
        return self.description
