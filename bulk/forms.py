"""The bulk write-off's forms: choosing documents by filter or by file, and the write-off
fields set once for all of them.

They only read: whether a document may be written off, and every rule of the fields, are the
one check's (`writeoffs.checks`), as for the dialog and the API.
"""

from django import forms
from django.core.exceptions import ValidationError

from billing.forms import SentOnceForm
from billing.models import Account, AccountingCode
from billing.money import is_currency
from bulk import selectors
from bulk.csvfile import MAX_FILE_BYTES, FileRefused, read_numbers
from bulk.models import MAX_DOCUMENTS_PER_JOB
from config.uploads import upload_bound
from writeoffs.checks import WriteOffProposal
from writeoffs.errors import Problem, WriteOffErrorCode
from writeoffs.forms import IsoDateField, OfferedChoiceField, comment_field, reason_code_field

Code = WriteOffErrorCode


class ChooseByFilterForm(SentOnceForm):
    account = forms.CharField(
        label="Account number",
        required=False,
        max_length=Account._meta.get_field("number").max_length,
    )
    currency = forms.CharField(label="Currency", required=False, max_length=3)
    date_before = IsoDateField(
        label="Document date before",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    due_before = IsoDateField(
        label="Due date before", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean_account(self) -> Account | None:
        number = self.cleaned_data["account"].strip()
        if not number:
            return None
        account = Account.objects.filter(number=number).first()
        if account is None:
            raise ValidationError(f"No account is numbered {number}.")
        return account

    def clean_currency(self) -> str:
        currency = self.cleaned_data["currency"].strip().upper()
        if currency and not (currency.isascii() and is_currency(currency)):
            raise ValidationError("Enter an ISO 4217 currency code, such as USD.")
        return currency

    def clean(self):
        cleaned = super().clean()
        if not self.errors and not any(cleaned.values()):
            raise ValidationError(
                "Choose at least one filter, so that no document is written off by accident."
            )
        return cleaned

    def documents(self):
        """The documents chosen, or None with the form's error when they are too many."""
        documents = selectors.eligible_documents(**self.cleaned_data).select_related("account")
        if selectors.too_many(documents):
            self.add_error(
                None,
                f"More than {MAX_DOCUMENTS_PER_JOB:,} documents match; a bulk write-off takes "
                "at most that many. Narrow the filters.",
            )
            return None
        if not (documents := list(documents)):
            self.add_error(None, "No posted invoice or debit memo with a balance matches.")
            return None
        return documents

    def described(self) -> str:
        data = self.cleaned_data
        parts = [
            f"account {data['account'].number}" if data["account"] else "",
            f"currency {data['currency']}" if data["currency"] else "",
            f"document date before {data['date_before']:%Y-%m-%d}" if data["date_before"] else "",
            f"due date before {data['due_before']:%Y-%m-%d}" if data["due_before"] else "",
        ]
        return "Filter: " + ", ".join(part for part in parts if part)


class ChooseByFileForm(SentOnceForm):
    file = forms.FileField(
        label="CSV file of document numbers",
        help_text="One invoice or debit memo number a line; a header line is allowed.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_FILE_BYTES:
            # A file beyond the bound was cut off there as it arrived (`config.uploads`).
            size = f"{min(upload.size, upload_bound()) / 1_000_000:,.1f} MB"
            raise ValidationError(
                f"The file is {'more than ' if upload.size > upload_bound() else ''}{size}; a "
                f"list of document numbers is at most {MAX_FILE_BYTES // 1000:,} KB "
                f"({MAX_DOCUMENTS_PER_JOB:,} numbers)."
            )
        try:
            numbers = read_numbers(upload.read())
            self.cleaned_data["documents"] = selectors.documents_from_numbers(numbers)
        except FileRefused as refused:
            raise ValidationError(refused.problems) from None
        return upload

    def documents(self):
        return self.cleaned_data["documents"]

    def described(self) -> str:
        return f"File: {self.cleaned_data['file'].name}"


class BulkWriteOffForm(SentOnceForm):
    """The write-off fields, labelled as in the dialog (SPEC C6), set once for every document."""

    memo_date = IsoDateField(
        label="Write-Off Date",
        required=False,
        widget=forms.DateInput(attrs={"type": "date", "class": "form-control"}),
    )
    reason_code = reason_code_field()
    comment = comment_field()
    revenue_impacting = forms.BooleanField(label="Revenue Impacting", required=False)
    accounting_code = OfferedChoiceField(
        AccountingCode.objects.all(),
        offered=AccountingCode.objects.write_off_expenses(),
        label="Accounting Code",
        required=False,
        empty_label="Choose a bad-debt or expense code",
        widget=forms.Select(attrs={"class": "form-select"}),
    )

    FIELDS = ("memo_date", "reason_code", "comment", "revenue_impacting", "accounting_code")

    def __init__(self, *args, enhanced_write_off: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.enhanced_write_off = enhanced_write_off
        self.fields["reason_code"].widget.attrs["class"] = "form-select"
        self.fields["comment"].widget.attrs["class"] = "form-control"

    def proposal(self) -> WriteOffProposal:
        """What was sent, as the check takes it; what could not be read is in `unread`."""
        self.is_valid()
        data, errors = self.cleaned_data, self.errors.as_data()
        unread = tuple(
            Problem(name, _reading_code(name, error), " ".join(error.messages))
            for name in self.FIELDS
            for error in errors.get(name, ())
        )
        revenue_impacting = data.get("revenue_impacting", False) or not self.enhanced_write_off
        return WriteOffProposal(
            memo_date=data.get("memo_date"),
            reason_code=data.get("reason_code"),
            comment=data.get("comment", ""),
            revenue_impacting=revenue_impacting,
            accounting_code=None if revenue_impacting else data.get("accounting_code"),
            full_balance=True,
            unread=unread,
        )

    def show(self, problems: tuple[Problem, ...]) -> None:
        """Put the check's problems next to their fields (the form's own errors included)."""
        self._errors = {}
        for problem in problems:
            name = problem.field if problem.field in self.FIELDS else None
            self._errors.setdefault(name or "__all__", self.error_class()).append(problem.message)


def _reading_code(name: str, error: ValidationError) -> Code:
    if error.code == "invalid_choice":
        return Code.UNKNOWN_REASON_CODE if name == "reason_code" else Code.UNKNOWN_ACCOUNTING_CODE
    if error.code == "null_characters_not_allowed":
        return Code.INVALID_TEXT
    return Code(error.code) if error.code in Code else Code.REPEATED_FIELD
