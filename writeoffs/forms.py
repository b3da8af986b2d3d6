"""The Write Off Invoice (or Debit Memo) dialog's form, the Reverse Write-Off dialog's form, and
the Credit Memos filters.

A dialog's form only reads: each field turns text into a typed value (`to_python`), and what
cannot be read becomes a problem of the proposal it hands on. Every rule is the one check's
(`writeoffs.checks`, `writeoffs.reversals.reversal_check`), and the dialog shows only what that
check returns. `DialogForm` holds what both dialogs share: refusing a field sent twice, turning
what a field could not read into a problem, and placing each problem where the dialog shows it.
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from django import forms
from django.core.exceptions import ValidationError

from billing.forms import ListedModelChoiceField, SentOnceForm, filter_bar
from billing.models import MAX_LINES_PER_DOCUMENT, AccountingCode, BillingDocument
from billing.money import MoneyError, parse_amount
from billing.parsing import parse_iso_date
from billing.selectors import LineRow
from writeoffs.checks import LineAmount, WriteOffCheck, WriteOffProposal
from writeoffs.errors import Problem, WriteOffErrorCode, line_field
from writeoffs.keys import Channel, KeyRefused, LedgerKey, dialog_key_read, reversal_key_read
from writeoffs.models import MAX_COMMENT_LENGTH, CreditMemo, ReasonCode
from writeoffs.reversals import ReversalProposal

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


class OfferedChoiceField(ListedModelChoiceField):
    """Reads any row of its queryset, but lists only the `offered` ones: whether the one chosen
    may still be used (an admin may have just made it inactive) is the check's rule, which
    says so in its own words."""

    def __init__(self, queryset, *, offered, **kwargs):
        self._offered = offered
        super().__init__(queryset, **kwargs)

    def offered(self):
        return self._offered.all()


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
REVERSAL_HINTS = {
    Code.ALREADY_REVERSED: "Close this dialog and reload the page to see the reversal.",
}


@dataclass
class DialogMessages:
    """A check's problems, placed where the dialog shows them: next to a header field (by
    name) or a line (by id), under the total, or in the alert at the top when there is no
    such place."""

    fields: dict[str, list[str]] = field(default_factory=dict)
    lines: dict[int, list[str]] = field(default_factory=dict)
    total: list[str] = field(default_factory=list)
    alerts: list[str] = field(default_factory=list)


def reason_code_field() -> OfferedChoiceField:
    """Any reason code is read; the active ones are offered, the default preselected."""
    return OfferedChoiceField(
        ReasonCode.objects.all(),
        offered=ReasonCode.objects.active(),
        label="Reason Code",
        required=False,
        empty_label=None,  # a reason is required (W3) and the default is preselected
    )


def comment_field() -> forms.CharField:
    return forms.CharField(
        label="Comment",
        required=False,
        strip=False,
        # No maxlength: a browser would cut a pasted comment short without a word. The count
        # below says how many characters are left, or how many too many (app.js).
        widget=forms.Textarea(attrs={"rows": 2, "data-max-length": MAX_COMMENT_LENGTH}),
    )


def request_key_field() -> forms.CharField:
    """The key the server issued when the dialog opened (`writeoffs.keys`): a double click or a
    retry of a save does its work once (SPEC W12)."""
    return forms.CharField(widget=forms.HiddenInput, required=False, max_length=200)


class DialogForm(SentOnceForm):
    """What the Write Off and the Reverse Write-Off dialogs share.

    `HEADER_FIELDS` are the fields shown with a message below each (`field.html`); a problem of
    any other field, or of no field, goes to the alert at the top (`ERRORS_ID`). `HINTS` are
    what this dialog adds to a problem's message, by code.
    """

    HEADER_FIELDS: tuple[str, ...] = ()
    ERRORS_ID = "write-off-errors"
    HINTS: dict = {}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Where each line's problems go (the write-off dialog's lines; none in a reversal).
        self.line_slots: dict[str, int] = {}
        for name in self.HEADER_FIELDS:
            widget = self.fields[name].widget
            if isinstance(widget, forms.Select):
                widget.attrs["class"] = "form-select"
            elif not isinstance(widget, forms.CheckboxInput):
                widget.attrs["class"] = "form-control"
            # The message below each field is always there, filled in place by the server.
            widget.attrs["aria-describedby"] = f"{self[name].auto_id}_error"
        if "comment" in self.fields:
            self.fields["comment"].widget.attrs["aria-describedby"] += " id_comment_left"

    def _unread(self) -> list[Problem]:
        """What the header fields and the key could not read, as problems of the proposal."""
        self.is_valid()
        errors = self.errors.as_data()
        return [
            self._problem(name, name, error)
            for name in (*self.HEADER_FIELDS, "request_key")
            for error in errors.get(name, ())
        ]

    @staticmethod
    def _problem(where: str, name: str, error: ValidationError) -> Problem:
        code = _READING_CODES.get(error.code, error.code)
        if isinstance(code, dict):
            code = code[name]
        return Problem(where, Code(code), " ".join(error.messages))

    @property
    def shown_header_fields(self) -> tuple[str, ...]:
        return self.HEADER_FIELDS

    def place(self, check: WriteOffCheck, *, typed: bool = True) -> DialogMessages:
        """Put each of the check's problems where the dialog shows it. Until an amount is
        typed, the total's "more than zero" is not news to anyone, so it is left out."""
        placed = DialogMessages()
        for problem in check.problems:
            if problem.code == Code.TOTAL_NOT_POSITIVE and not typed:
                continue
            message = " ".join(filter(None, (problem.message, self.HINTS.get(problem.code))))
            if problem.field == "total":
                placed.total.append(message)
            elif problem.field in self.shown_header_fields:
                placed.fields.setdefault(problem.field, []).append(message)
            elif (line_id := self.line_slots.get(problem.field)) is not None:
                placed.lines.setdefault(line_id, []).append(message)
            else:
                placed.alerts.append(message)
        return placed

    @property
    def comment_left(self) -> int:
        """How many more characters the comment may have (app.js counts down as one types)."""
        return MAX_COMMENT_LENGTH - len(self["comment"].value() or "")

    def focus_target(self, check: WriteOffCheck) -> str:
        """The id of what shows the first problem in reading order: its input, or the alert at
        the top, or the total."""
        first = check.problems[0].field if check.problems else ""
        if first in self.shown_header_fields:
            return self[first].auto_id
        if (line_id := self.line_slots.get(first)) is not None:
            return f"id_amount_{line_id}"
        return "write-off-total" if first == "total" else self.ERRORS_ID

    def header_rows(self, placed: DialogMessages):
        return [(self[name], placed.fields.get(name, [])) for name in self.shown_header_fields]


class WriteOffForm(DialogForm):
    """The dialog's header fields, and the line amounts the clerk typed.

    The browser posts only the amounts that are not blank (`static/js/app.js`), each as
    `amount_<line id>`; a line left out is zero (SPEC W6). So a line has no form field of its
    own: each amount sent is read with `AmountField`, and a 2,000-line document costs nothing
    for the lines nobody typed into.
    """

    memo_date = IsoDateField(
        label="Write-Off Date", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    reason_code = reason_code_field()
    comment = comment_field()
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
    # Issued by the server for this user and document: a double click or a retry of a save
    # makes one memo (SPEC W12).
    request_key = request_key_field()
    # The document's balance when the dialog showed it: if it has changed since, the check
    # refuses, and the dialog shows the current balances (`WriteOffProposal.seen_balance`).
    seen_balance = AmountField(widget=forms.HiddenInput, required=False)

    HEADER_FIELDS = ("memo_date", "reason_code", "comment", "revenue_impacting", "accounting_code")
    HINTS = HINTS
    AMOUNT_PREFIX = "amount_"

    def __init__(
        self,
        *args,
        document: BillingDocument,
        lines: Sequence[LineRow],
        user=None,
        enhanced_write_off: bool = True,
        **kwargs,
    ):
        """`lines` are the document's, in the order the dialog lists them: at least those whose
        amounts are sent (`lines_named`). `user` is given for a save, whose key is then read;
        the live total has none."""
        super().__init__(*args, **kwargs)
        self.document = document
        self.lines = lines
        self.user = user
        self.enhanced_write_off = enhanced_write_off
        # `lines[<i>]`, the i-th amount of the proposal, is shown under the input of that line
        # (`line_slots`), when it is one of the document's.

    def clean_request_key(self) -> str | None:
        if self.user is None:
            return None
        try:
            return dialog_key_read(
                token=self.cleaned_data["request_key"], user=self.user, document=self.document
            )
        except KeyRefused as refused:
            raise ValidationError(refused.problem.message, code=refused.problem.code) from None

    def proposal(self) -> WriteOffProposal:
        """What was sent, as the check takes it; what could not be read is in `unread`."""
        unread = self._unread()
        data = self.cleaned_data
        if self.errors.get("seen_balance"):
            message = "This form's balance could not be read; close the dialog and open it again."
            unread.append(Problem("document", Code.INVALID_REQUEST_KEY, message))
        lines = self._line_amounts(unread)
        revenue_impacting = data.get("revenue_impacting", False) or not self.enhanced_write_off
        return WriteOffProposal(
            memo_date=data.get("memo_date"),
            reason_code=data.get("reason_code"),
            comment=data.get("comment", ""),
            revenue_impacting=revenue_impacting,
            accounting_code=None if revenue_impacting else data.get("accounting_code"),
            lines=tuple(lines),
            seen_balance=data.get("seen_balance") if self.data.get("seen_balance") else None,
            unread=tuple(unread),
        )

    def ledger_key(self, proposal: WriteOffProposal) -> LedgerKey | None:
        if not (key := self.cleaned_data.get("request_key")):
            return None
        return LedgerKey(Channel.DIALOG, key, proposal.fingerprint(self.document))

    @classmethod
    def lines_named(cls, data) -> set[int]:
        """The ids of the lines whose amounts `data` holds (`amount_<id>`)."""
        return {
            int(match[1])
            for name in data
            if name.startswith(cls.AMOUNT_PREFIX) and (match := _LINE_NAME.fullmatch(name))
        }

    def _line_amounts(self, unread: list[Problem]) -> list[LineAmount]:
        """Every non-zero amount sent, the document's own lines in the order the dialog lists
        them, then any `amount_<id>` of no line of it (which the check refuses, W8). An amount
        sent twice or that cannot be read is a problem of its line (and leaves no total)."""
        place = {line.pk: index for index, line in enumerate(self.lines)}
        sent = []
        for name, values in self.data.lists():
            if not name.startswith(self.AMOUNT_PREFIX):
                continue
            if match := _LINE_NAME.fullmatch(name):
                sent.append((place.get(int(match[1]), len(place)), int(match[1]), values))
            else:
                message = f"{name} names no line of {self.document}."
                unread.append(Problem("lines", Code.UNKNOWN_LINE, message))
        amounts, reader = [], AmountField(required=False)
        for _, line_id, values in sorted(sent, key=lambda entry: entry[:2]):
            where = line_field(len(amounts))
            if len(values) > 1:
                message = "This line was sent more than once."
                unread.append(Problem(where, Code.DUPLICATE_LINE, message))
                amount = None
            else:
                try:
                    if not (amount := reader.clean(values[0])):
                        continue  # blank or zero: nothing to write off on this line
                except ValidationError as error:
                    unread.append(self._problem(where, "amount", error))
                    amount = None
            if line_id in place:
                self.line_slots[where] = line_id
            amounts.append(LineAmount(line_id, amount))
        return amounts

    @property
    def shown_header_fields(self) -> tuple[str, ...]:
        """Without enhanced write-off the dialog shows no Revenue Impacting or Accounting Code."""
        return self.HEADER_FIELDS if self.enhanced_write_off else self.HEADER_FIELDS[:3]


#: A long document's dialog shows its lines this many at a time, the first page when it
#: opens. The row after the last line shown loads the next page when it scrolls into view or
#: its button is pressed, and every line left when the clerk asks to write off all balances.
LINES_PAGE = 200


class LinesPageForm(SentOnceForm):
    """Which of the dialog's rows to send next on a long document: from the `start`-th (from 0,
    in the dialog's order) a page of them, or every one left (`rest`, for Write off all
    balances)."""

    start = forms.IntegerField(min_value=0, max_value=MAX_LINES_PER_DOCUMENT)
    rest = forms.BooleanField(required=False)


class ReversalForm(DialogForm):
    """The Reverse Write-Off dialog's fields (SPEC D2): what the reversal service takes."""

    reversal_date = IsoDateField(
        label="Reversal Date", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    reason_code = reason_code_field()
    comment = comment_field()
    # Issued by the server for this user and memo: a double click or a retry of a save makes
    # one reversal.
    request_key = request_key_field()

    HEADER_FIELDS = ("reversal_date", "reason_code", "comment")
    ERRORS_ID = "reversal-errors"
    HINTS = REVERSAL_HINTS

    def __init__(self, *args, memo: CreditMemo, user=None, **kwargs):
        """`user` is given for a save, whose key is then read."""
        super().__init__(*args, **kwargs)
        self.memo = memo
        self.user = user

    def clean_request_key(self) -> str | None:
        if self.user is None:
            return None
        try:
            return reversal_key_read(
                token=self.cleaned_data["request_key"], user=self.user, memo=self.memo
            )
        except KeyRefused as refused:
            raise ValidationError(refused.problem.message, code=refused.problem.code) from None

    def proposal(self) -> ReversalProposal:
        """What was sent, as the reversal's check takes it; what could not be read is in
        `unread`."""
        unread = self._unread()
        data = self.cleaned_data
        return ReversalProposal(
            reversal_date=data.get("reversal_date"),
            reason_code=data.get("reason_code"),
            comment=data.get("comment", ""),
            unread=tuple(unread),
        )

    def ledger_key(self, proposal: ReversalProposal) -> LedgerKey | None:
        if not (key := self.cleaned_data.get("request_key")):
            return None
        return LedgerKey(Channel.DIALOG, key, proposal.fingerprint(self.memo))


class CreditMemoFilterForm(forms.Form):
    date_from = IsoDateField(
        label="Memo date from", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = IsoDateField(
        label="to", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    reason_code = ListedModelChoiceField(
        label="Reason", queryset=ReasonCode.objects.all(), required=False, empty_label="Any reason"
    )

    def __init__(self, *args, clear_url: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = filter_bar(
            "date_from", "date_to", "reason_code", button="Filter", clear_url=clear_url
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
