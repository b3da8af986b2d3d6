"""The Write-Off Report's filters (SPEC D3), read by one form so that whatever the query string
holds becomes either the report's filters or a message next to the field: never a 500, and
never a report of something other than what was asked."""

import datetime
import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from iso4217 import Currency

from billing.forms import ListedModelChoiceField, SentOnceForm, filter_bar
from billing.models import Account, AccountingCode
from billing.money import is_currency
from reports.selectors import ReportFilters
from writeoffs.forms import IsoDateField
from writeoffs.models import ReasonCode

#: The longest period one report covers: its by-month table and chart have a row and a bar per
#: month, so a period of centuries would be a page nobody can read.
MAX_YEARS = 10

# A primary key as a select sends it; anything else is no choice (and never reaches the
# database, where SQLite cannot even bind an integer beyond 64 bits).
_KEY = re.compile(r"[0-9]{1,18}")


def month_bounds(today: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The first and last days of `today`'s month: the report's default period."""
    first = today.replace(day=1)
    following = (first + datetime.timedelta(days=31)).replace(day=1)
    return first, following - datetime.timedelta(days=1)


def _years_later(day: datetime.date, years: int) -> datetime.date | None:
    """The same day `years` later; None past 9999, which no period can reach."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February into a year that has none, or past 9999
        if day.year + years > datetime.MAXYEAR:
            return None
        return day.replace(year=day.year + years, day=28)


class KeyChoiceField(ListedModelChoiceField):
    """A choice by primary key that refuses, as an unknown choice, what is no key at all."""

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if not _KEY.fullmatch(str(value)):
            raise ValidationError(
                self.error_messages["invalid_choice"],
                code="invalid_choice",
                params={"value": str(value)[:20]},
            )
        return super().to_python(value)


class AccountingCodeChoiceField(KeyChoiceField):
    def label_from_instance(self, obj: AccountingCode) -> str:
        return f"{obj.code} {obj.name}"


def _currency_choices() -> list[tuple[str, str]]:
    codes = sorted(currency.code for currency in Currency if is_currency(currency.code))
    return [("", "Any currency"), *((code, code) for code in codes)]


class WriteOffReportForm(SentOnceForm):
    """The report's filters. Dates left out or blank take this month's first and last days;
    every other filter left blank means any. The form is always bound, so that the defaults
    are what the page shows and what the report and its CSV use."""

    REPEATED_MESSAGE = "Give this filter once."
    REPEATED_CODE = "repeated"

    date_from = IsoDateField(
        label="Memo date from",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    date_to = IsoDateField(
        label="Memo date to",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    reason_code = KeyChoiceField(
        ReasonCode.objects.all(),
        label="Reason code",
        required=False,
        empty_label="Any reason",
        error_messages={"invalid_choice": "No such reason code; choose one from the list."},
    )
    accounting_code = AccountingCodeChoiceField(
        AccountingCode.objects.all(),
        label="Accounting code",
        required=False,
        empty_label="Any accounting code",
        error_messages={"invalid_choice": "No such accounting code; choose one from the list."},
    )
    account = forms.CharField(
        label="Account number",
        required=False,
        max_length=Account._meta.get_field("number").max_length,
        widget=forms.TextInput(attrs={"placeholder": "Any account"}),
    )
    currency = forms.ChoiceField(label="Currency", required=False, choices=_currency_choices)
    revenue_impacting = forms.ChoiceField(
        label="Revenue impacting",
        required=False,
        choices=[("", "Either"), ("yes", "Yes"), ("no", "No")],
    )

    def __init__(self, data, *, clear_url: str, today: datetime.date | None = None):
        self.default_from, self.default_to = month_bounds(today or timezone.localdate())
        data = data.copy()
        for name, default in (("date_from", self.default_from), ("date_to", self.default_to)):
            if not data.get(name, "").strip() and len(data.getlist(name)) <= 1:
                data[name] = default.isoformat()
        super().__init__(
            data,
            initial={
                "date_from": self.default_from.isoformat(),
                "date_to": self.default_to.isoformat(),
            },
        )
        self.helper = filter_bar(*self.fields, button="Show report", clear_url=clear_url)
        self.helper.attrs = {"aria-label": "Report filters"}
        for name in ("date_from", "date_to", "account"):
            self.fields[name].widget.attrs["class"] = "form-control"

    def clean_account(self) -> Account | None:
        number = self.cleaned_data["account"].strip()
        if not number:
            return None
        account = Account.objects.filter(number=number).first()
        if account is None:
            raise ValidationError(
                "No account has the number %(number)s.",
                code="unknown_account",
                params={"number": number},
            )
        return account

    def clean(self):
        self.refuse_repeated_fields()
        date_from, date_to = self.cleaned_data.get("date_from"), self.cleaned_data.get("date_to")
        if date_from and date_to:
            if date_from > date_to:
                self.add_error(
                    "date_to",
                    ValidationError(
                        "The period ends before it starts: choose a date on or after %(start)s.",
                        code="period_reversed",
                        params={"start": date_from.isoformat()},
                    ),
                )
            elif (limit := _years_later(date_from, MAX_YEARS)) and date_to >= limit:
                self.add_error(
                    "date_to",
                    ValidationError(
                        "A report covers at most %(years)s years.",
                        code="period_too_long",
                        params={"years": MAX_YEARS},
                    ),
                )
        return self.cleaned_data

    def report_filters(self) -> ReportFilters:
        """The filters of a valid form."""
        data = self.cleaned_data
        return ReportFilters(
            date_from=data["date_from"],
            date_to=data["date_to"],
            reason_code=data["reason_code"],
            accounting_code=data["accounting_code"],
            account=data["account"],
            currency=data["currency"],
            revenue_impacting={"yes": True, "no": False}.get(data["revenue_impacting"]),
        )

    def query(self) -> str:
        """The filters of a valid form as a query string, as the form itself sends them."""
        data = self.cleaned_data
        pairs = {
            "date_from": data["date_from"].isoformat(),
            "date_to": data["date_to"].isoformat(),
            "reason_code": data["reason_code"].pk if data["reason_code"] else "",
            "accounting_code": data["accounting_code"].pk if data["accounting_code"] else "",
            "account": data["account"].number if data["account"] else "",
            "currency": data["currency"],
            "revenue_impacting": data["revenue_impacting"],
        }
        query = self.data.copy()
        query.clear()
        for name, value in pairs.items():
            if value != "":
                query[name] = str(value)
        return query.urlencode()
