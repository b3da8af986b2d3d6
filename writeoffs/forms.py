"""The Write Off Invoice dialog's form, and the Credit Memos filters.

The dialog's form only reads: each field turns text into a typed value (`to_python`), and what
cannot be read becomes a problem of the proposal it hands on. Every rule is the one check's
(`writeoffs.checks`), and the dialog shows only what that check returns.
"""

import re
from dataclasses import dataclass, field

from django import forms
from django.core.exceptions import ValidationError

from billing.models import AccountingCode, BillingDocument
from billing.money import MoneyError, parse_amount
from billing.parsing import parse_iso_date
from billing.selectors import DisplayLine
from writeoffs.checks import LineAmount, WriteOffCheck, WriteOffProposal
from writeoffs.errors import Problem, WriteOffErrorCode, line_field
from writeoffs.keys import Channel, KeyRefused, LedgerKey, dialog_key_read
from writeoffs.models import MAX_COMMENT_LENGTH, ReasonCode

Code = WriteOffErrorCode

_LINE_NAME = re.compile(r"amount_([0-9]{1,18})")


class AmountField(forms.CharField):
    """An amount as a clerk types it: blank is zero; `1,000.00` is a thousand (SPEC W6)."""

    def to_python(self, value):
        try:
            return parse_amount(super().to_python(value), allow_grouping=True)
        except MoneyError as error:
            raise ValidationError(str(error), code=Code.INVALID_AMOUNT) from None


class IsoDateField(forms.DateField):
    """A date written YYYY-MM-DD, as `<input type="date">` sends it, and nothing else."""

    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            return parse_iso_date(str(value).strip())
        except ValueError as error:
            raise ValidationError(str(error), code=Code.INVALID_DATE) from None


class _OfferedIterator(forms.models.ModelChoiceIterator):
    def __init__(self, field):
        super().__init__(field)
        self.queryset = field.offered.all()


class OfferedChoiceField(forms.ModelChoiceField):
    """Reads any row of its queryset, but lists only the `offered` ones: whether the one chosen
    may still be used (an admin may have just made it inactive) is the check's rule, which
    says so in its own words."""

    iterator = _OfferedIterator

    def __init__(self, queryset, *, offered, **kwargs):
        self.offered = offered
        super().__init__(queryset, **kwargs)


# Django's own codes for what a field could not read, as this application names them.
_READING_CODES = {
    "invalid_choice": {
        "reason_code": Code.UNKNOWN_REASON_CODE,
        "accounting_code": Code.UNKNOWN_ACCOUNTING_CODE,
    },
    "null_characters_not_allowed": Code.INVALID_TEXT,
    "max_length": Code.INVALID_REQUEST_KEY,
}

# What the dialog adds to a problem's message, pointing at its own controls.
HINTS = {
    Code.LEAVES_LINES_OPEN: "Write off all balances fills in every line.",
    Code.UNKNOWN_LINE: "Reload the page and try again.",
}


@dataclass
class DialogMessages:
    """A check's problems, placed where the dialog shows them: next to a field or line (by
    form field name), under the total, or in the alert at the top when there is no such place."""

    fields: dict[str, list[str]] = field(default_factory=dict)
    total: list[str] = field(default_factory=list)
    alerts: list[str] = field(default_factory=list)


class WriteOffForm(forms.Form):
    memo_date = IsoDateField(
        label="Write-Off Date", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    reason_code = OfferedChoiceField(
        ReasonCode.objects.all(),
        offered=ReasonCode.objects.active(),
        label="Reason Code",
        required=False,
        empty_label=None,  # a reason is required (W3) and the default is preselected
    )
    comment = forms.CharField(
        label="Comment",
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 2, "maxlength": MAX_COMMENT_LENGTH}),
    )
    revenue_impacting = forms.BooleanField(
        label="Revenue Impacting",
        required=False,
        widget=forms.CheckboxInput(attrs={"role": "switch", "class": "form-check-input"}),
    )
    accounting_code = OfferedChoiceField(
        AccountingCode.objects.all(),
        offered=AccountingCode.objects.write_off_expenses(),
        label="Accounting Code",
        required=False,
        empty_label="Choose a bad-debt or expense code",
    )
    # Issued by the server for this user and document (`writeoffs.keys`): a double click or a
    # retry of a save makes one memo (SPEC W12).
    request_key = forms.CharField(widget=forms.HiddenInput, required=False, max_length=200)

    HEADER_FIELDS = ("memo_date", "reason_code", "comment", "revenue_impacting", "accounting_code")

    def __init__(
        self,
        *args,
        document: BillingDocument,
        lines: list[DisplayLine],
        user=None,
        enhanced_write_off: bool = True,
        **kwargs,
    ):
        """`user` is given for a save, whose key is then read; the live total has none."""
        super().__init__(*args, **kwargs)
        self.document = document
        self.lines = lines
        self.user = user
        self.enhanced_write_off = enhanced_write_off
        self._line_names: dict[str, str] = {}
        for name in ("memo_date", "comment"):
            self.fields[name].widget.attrs["class"] = "form-control"
        for name in ("reason_code", "accounting_code"):
            self.fields[name].widget.attrs["class"] = "form-select"
        for name in self.HEADER_FIELDS:
            # The message below each field is always there, filled in place by the server.
            self.fields[name].widget.attrs["aria-describedby"] = f"{self[name].auto_id}_error"
        for display in lines:
            self.fields[self.line_field(display.line.pk)] = AmountField(
                label=f"Write-Off Amount for {display.line.description}", required=False
            )

    @staticmethod
    def line_field(line_id: int) -> str:
        return f"amount_{line_id}"

    def clean_request_key(self) -> str | None:
        if self.user is None:
            return None
        try:
            return dialog_key_read(
                token=self.cleaned_data["request_key"], user=self.user, document=self.document
            )
        except KeyRefused as refused:
            raise ValidationError(refused.problem.message, code=refused.problem.code) from None

    def clean(self):
        # A field sent twice is refused, never read as its last value (SPEC W8, Q7).
        for name in self.fields:
            if len(self.data.getlist(self.add_prefix(name))) > 1:
                code = Code.DUPLICATE_LINE if name.startswith("amount_") else Code.REPEATED_FIELD
                self._errors.pop(name, None)
                self.add_error(name, ValidationError("This was sent more than once.", code=code))
        return self.cleaned_data

    def proposal(self) -> WriteOffProposal:
        """What was sent, as the check takes it; what could not be read is in `unread`."""
        self.is_valid()
        data, errors = self.cleaned_data, self.errors.as_data()
        unread = [
            self._problem(name, name, error)
            for name in (*self.HEADER_FIELDS, "request_key")
            for error in errors.get(name, ())
        ]
        lines = []
        for line_id, name in self._sent_lines(unread):
            where = line_field(len(lines))
            if name in errors:
                unread.extend(self._problem(where, name, error) for error in errors[name])
                lines.append(LineAmount(line_id, None))
            elif (amount := self._amount(name, where, unread)) != 0:
                lines.append(LineAmount(line_id, amount))
        # Where each line's problems go: `lines[<i>]` is the i-th amount in the proposal.
        self._line_names = {
            line_field(index): self.line_field(line.line_id) for index, line in enumerate(lines)
        }
        revenue_impacting = data.get("revenue_impacting", False) or not self.enhanced_write_off
        return WriteOffProposal(
            memo_date=data.get("memo_date"),
            reason_code=data.get("reason_code"),
            comment=data.get("comment", ""),
            revenue_impacting=revenue_impacting,
            accounting_code=None if revenue_impacting else data.get("accounting_code"),
            lines=tuple(lines),
            unread=tuple(unread),
        )

    def ledger_key(self, proposal: WriteOffProposal) -> LedgerKey | None:
        if not (key := self.cleaned_data.get("request_key")):
            return None
        return LedgerKey(Channel.DIALOG, key, proposal.fingerprint(self.document))

    def _sent_lines(self, unread: list[Problem]) -> list[tuple[int, str]]:
        """(line id, field name) of every line amount sent: the document's own, in the order
        the dialog lists them, then any other `amount_<id>`, which the check refuses (W8)."""
        sent = [(display.line.pk, self.line_field(display.line.pk)) for display in self.lines]
        known = {name for _, name in sent}
        for name in self.data:
            if not name.startswith("amount_") or name in known:
                continue
            if match := _LINE_NAME.fullmatch(name):
                sent.append((int(match[1]), name))
            else:
                message = f"{name} names no line of {self.document}."
                unread.append(Problem("lines", Code.UNKNOWN_LINE, message))
        return sent

    def _amount(self, name: str, where: str, unread: list[Problem]):
        """The cleaned amount of a line field, reading an extra `amount_<id>` the same way."""
        if name in self.cleaned_data:
            return self.cleaned_data[name]
        try:
            return AmountField(required=False).clean(self.data.get(name))
        except ValidationError as error:
            unread.append(self._problem(where, name, error))
            return None

    @staticmethod
    def _problem(where: str, name: str, error: ValidationError) -> Problem:
        code = _READING_CODES.get(error.code, error.code)
        if isinstance(code, dict):
            code = code[name]
        return Problem(where, Code(code), " ".join(error.messages))

    def place(self, check: WriteOffCheck, *, typed: bool = True) -> DialogMessages:
        """Put each of the check's problems where the dialog shows it. Until an amount is
        typed, the total's "more than zero" is not news to anyone, so it is left out."""
        placed = DialogMessages()
        slots = self._slots()
        for problem in check.problems:
            if problem.code == Code.TOTAL_NOT_POSITIVE and not typed:
                continue
            message = " ".join(filter(None, (problem.message, HINTS.get(problem.code))))
            if problem.field == "total":
                placed.total.append(message)
            elif name := slots.get(problem.field):
                placed.fields.setdefault(name, []).append(message)
            else:
                placed.alerts.append(message)
        return placed

    @property
    def shown_header_fields(self) -> tuple[str, ...]:
        """Without enhanced write-off the dialog shows no Revenue Impacting or Accounting Code."""
        return self.HEADER_FIELDS if self.enhanced_write_off else self.HEADER_FIELDS[:3]

    def _slots(self) -> dict[str, str]:
        """The form field that shows each problem field the dialog has a place for: the header
        fields it shows, and the amount inputs of the document's own lines."""
        slots = {name: name for name in self.shown_header_fields}
        own = {self.line_field(display.line.pk) for display in self.lines}
        slots.update((where, name) for where, name in self._line_names.items() if name in own)
        return slots

    def header_rows(self, placed: DialogMessages):
        return [(self[name], placed.fields.get(name, [])) for name in self.shown_header_fields]

    def line_rows(self, placed: DialogMessages):
        """(display line, bound field, messages) in the order the dialog lists them."""
        return [
            (
                display,
                self[self.line_field(display.line.pk)],
                placed.fields.get(self.line_field(display.line.pk), []),
            )
            for display in self.lines
        ]


class CreditMemoFilterForm(forms.Form):
    date_from = IsoDateField(
        label="Memo date from", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = IsoDateField(
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
