"""The Write Off Invoice dialog's form: it reads what the clerk typed; the service judges it."""

import uuid

from django import forms
from django.core.exceptions import ValidationError

from billing.models import AccountingCode, BillingDocument
from billing.money import MoneyError, parse_amount
from billing.selectors import DisplayLine
from writeoffs.models import ReasonCode
from writeoffs.services import LineAmount, line_error_key


class WriteOffForm(forms.Form):
    # Required-ness and limits are the service's rules (SPEC W2 to W5), so the fields here only
    # parse; an empty date reaches the service, which says what it needs.
    memo_date = forms.DateField(
        label="Write-Off Date", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    reason_code = forms.ModelChoiceField(
        label="Reason Code",
        queryset=ReasonCode.objects.filter(active=True),
        required=False,
        empty_label=None,  # a reason is required (W3) and the default is preselected
    )
    comment = forms.CharField(
        label="Comment",
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 2, "maxlength": 255}),
    )
    revenue_impacting = forms.BooleanField(
        label="Revenue Impacting",
        required=False,
        widget=forms.CheckboxInput(attrs={"role": "switch", "class": "form-check-input"}),
    )
    accounting_code = forms.ModelChoiceField(
        label="Accounting Code",
        queryset=AccountingCode.objects.filter(
            active=True, type__in=AccountingCode.WRITE_OFF_EXPENSE_TYPES
        ),
        required=False,
        empty_label="Choose a bad-debt or expense code",
    )
    # Names this submission, so that a double click or a retry makes one memo (SPEC W12).
    request_key = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, document: BillingDocument, lines: list[DisplayLine], **kwargs):
        super().__init__(*args, **kwargs)
        self.document = document
        self.lines = lines
        self.total_errors: list[str] = []
        self.fields["request_key"].initial = uuid.uuid4().hex
        for name in ("memo_date", "comment"):
            self.fields[name].widget.attrs["class"] = "form-control"
        for name in ("reason_code", "accounting_code"):
            self.fields[name].widget.attrs["class"] = "form-select"
        for name in ("memo_date", "reason_code", "comment", "accounting_code"):
            # The message below each field is always there, filled in place by a refused save.
            self.fields[name].widget.attrs["aria-describedby"] = f"{self[name].auto_id}_error"
        for display in lines:
            line = display.line
            self.fields[self.line_field(line.pk)] = forms.CharField(
                label=f"Write-Off Amount for {line.description}",
                required=False,
                widget=forms.TextInput(
                    attrs={"inputmode": "decimal", "autocomplete": "off", "class": "amount"}
                ),
            )

    HEADER_FIELDS = ("memo_date", "reason_code", "comment", "revenue_impacting", "accounting_code")

    def header_fields(self):
        return [self[name] for name in self.HEADER_FIELDS]

    @staticmethod
    def line_field(line_id: int) -> str:
        return f"amount_{line_id}"

    def line_fields(self):
        """(display line, bound field) pairs in the order the dialog lists them."""
        return [(display, self[self.line_field(display.line.pk)]) for display in self.lines]

    def clean(self):
        # An amount for a line that is not on this document is refused, never ignored (SPEC W8).
        known = {self.add_prefix(self.line_field(display.line.pk)) for display in self.lines}
        for name in self.data:
            if name.startswith("amount_") and name not in known:
                self.add_error(
                    None,
                    f"Line {name.removeprefix('amount_')} is not a line of {self.document}; "
                    "reload the invoice and try again.",
                )
        for display in self.lines:
            name = self.line_field(display.line.pk)
            try:
                self.cleaned_data[name] = parse_amount(
                    self.data.get(self.add_prefix(name), ""), allow_grouping=True
                )
            except MoneyError as error:
                self.add_error(name, str(error))
        return self.cleaned_data

    def line_amounts(self) -> list[LineAmount]:
        """The typed amounts that parsed; blank lines are zero and left out (SPEC W6)."""
        amounts = []
        for display in self.lines:
            amount = self.cleaned_data.get(self.line_field(display.line.pk))
            if amount:
                amounts.append(LineAmount(display.line.pk, amount))
        return amounts

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        return {
            "memo_date": data["memo_date"],
            "reason_code": data["reason_code"],
            "comment": data["comment"],
            "revenue_impacting": data["revenue_impacting"],
            "accounting_code": None if data["revenue_impacting"] else data["accounting_code"],
            "lines": self.line_amounts(),
            "request_key": data["request_key"] or None,
        }

    def add_service_errors(self, error: ValidationError, lines: list[LineAmount]) -> None:
        """Put each of the service's errors next to its field or line."""
        by_key = {
            line_error_key(i): self.line_field(entry.line_id) for i, entry in enumerate(lines)
        }
        for key, messages in error.message_dict.items():
            if key == "total":
                self.total_errors.extend(messages)
            elif key in by_key:
                self.add_error(by_key[key], messages)
            elif key in self.fields:
                self.add_error(key, messages)
            else:  # the document itself (__all__) or the lines as a whole
                self.add_error(None, messages)


class CreditMemoFilterForm(forms.Form):
    date_from = forms.DateField(
        label="Memo date from", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label="to", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    reason_code = forms.ModelChoiceField(
        label="Reason", queryset=ReasonCode.objects.all(), required=False, empty_label="Any reason"
    )

    def filters(self) -> dict:
        """The valid filters; an unreadable one is ignored, and its error shown on the form."""
        if not self.is_bound:
            return {}
        self.is_valid()
        return {
            name: value
            for name, value in self.cleaned_data.items()
            if name not in self.errors and value
        }
