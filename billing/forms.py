"""The All Invoices search and the page links of the long lists: what the clerk typed or
followed, read by a form, so that any text is a search, a page or a message and never reaches
the database as something it cannot store. Also the pieces every app's forms share: the
filter bar, the choice field that reads its choices once, and the form that refuses a field
sent twice."""

from crispy_forms.bootstrap import StrictButton
from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Column, Layout, Row
from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.functional import cached_property

from billing.models import BillingDocument
from billing.paging import Cursor, Keyset


class _ListedChoiceIterator(forms.models.ModelChoiceIterator):
    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in self.field.listed():
            yield self.choice(obj)

    def __len__(self):
        return len(self.field.listed()) + (self.field.empty_label is not None)


class ListedModelChoiceField(forms.ModelChoiceField):
    """A ModelChoiceField whose choices are read once per form, in one plain query.

    Django's reads them again each time the select looks at them (twice as a required one
    renders: for its first option, then for all of them), each time through a server-side
    cursor on PostgreSQL: three round trips to list a handful of codes. A choice sent is still
    read by Django from the whole `queryset`; `listed()` is what the select offers."""

    iterator = _ListedChoiceIterator

    def _set_queryset(self, queryset):
        # Also as each form copies the field (Django gives the copy a fresh queryset), so
        # that each form reads the choices afresh.
        self._listed = None
        super()._set_queryset(queryset)

    queryset = property(forms.ModelChoiceField._get_queryset, _set_queryset)

    def offered(self) -> models.QuerySet:
        """The rows the select lists."""
        return self.queryset

    def listed(self) -> list[models.Model]:
        if self._listed is None:
            self._listed = list(self.offered())
        return self._listed


def filter_bar(*fields: str, button: str, clear_url: str) -> FormHelper:
    """A list's filters in one row (stacked on a phone), a submit button and, once something
    is filtered, a Clear link: the same layout for every list."""
    helper = FormHelper()
    helper.form_method = "get"
    helper.form_class = "mb-3"
    helper.layout = Layout(
        Row(
            *(Column(name, css_class="col-sm-6 col-md-3") for name in fields),
            Column(
                StrictButton(button, type="submit", css_class="btn-primary"),
                HTML(
                    "{% if form.has_changed %}"
                    f'<a class="btn btn-link" href="{clear_url}">Clear</a>'
                    "{% endif %}"
                ),
                css_class="col-auto mb-3 align-self-end",
            ),
            css_class="g-2",
        )
    )
    return helper


class SentOnceForm(forms.Form):
    """A field sent twice is refused, never read as its last value (SPEC Q7)."""

    REPEATED_MESSAGE = "This was sent more than once."
    REPEATED_CODE = "repeated_field"

    def refuse_repeated_fields(self) -> None:
        for name in self.fields:
            key = self.add_prefix(name)
            if len(self.data.getlist(key)) + len(self.files.getlist(key)) > 1:
                self._errors.pop(name, None)
                self.add_error(
                    name, ValidationError(self.REPEATED_MESSAGE, code=self.REPEATED_CODE)
                )

    def clean(self):
        self.refuse_repeated_fields()
        return super().clean()


class DocumentSearchForm(forms.Form):
    q = forms.CharField(
        label="Search",
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "Number or account"}),
    )
    status = forms.ChoiceField(
        label="Status",
        required=False,
        choices=[("", "Any status"), *BillingDocument.Status.choices],
    )

    def __init__(self, *args, clear_url: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.clear_url = clear_url

    @cached_property
    def helper(self) -> FormHelper:
        """Laid out only when the bar is rendered: its list keeps the bar in the cache, and
        most requests of the list never lay it out."""
        helper = filter_bar("q", "status", button="Search", clear_url=self.clear_url)
        helper.attrs = {"role": "search"}
        return helper


class PageForm(forms.Form):
    """Where a page of a long list starts: `after` a row (the older rows) or `before` one (the
    newer rows), as the list's own Newer and Older links write it. A link that cannot be read
    (edited by hand, cut short, given twice) gives the first page and says so: never an error."""

    UNREADABLE = "This page link cannot be read, so the list starts again from the newest."

    after = forms.CharField(required=False, max_length=200)
    before = forms.CharField(required=False, max_length=200)

    def __init__(self, data, *, keyset: Keyset):
        super().__init__(data)
        self.keyset = keyset

    def clean(self):
        cleaned = super().clean()
        given = [name for name in ("after", "before") if cleaned.get(name)]
        repeated = any(len(self.data.getlist(name)) > 1 for name in self.fields)
        if self.errors or repeated or len(given) > 1:
            raise ValidationError(self.UNREADABLE, code="unreadable")
        if given:
            try:
                values = self.keyset.read(cleaned[given[0]])
            except ValueError:
                raise ValidationError(self.UNREADABLE, code="unreadable") from None
            cleaned["cursor"] = Cursor(values, newer=given[0] == "before")
        return cleaned

    def cursor(self) -> Cursor | None:
        """The cursor asked for; None for the first page, or for a link that cannot be read."""
        return self.cleaned_data.get("cursor") if self.is_valid() else None
