"""The All Invoices search: what the clerk typed, read by a form, so that any text is a search
or a message and never reaches the database as something it cannot store."""

from django import forms

from billing.models import BillingDocument


class DocumentSearchForm(forms.Form):
    q = forms.CharField(
        label="Search",
        required=False,
        max_length=100,
        widget=forms.TextInput(
            attrs={
                "type": "search",
                "class": "form-control",
                "placeholder": "Invoice number or account",
                "aria-describedby": "id_q_error",
            }
        ),
    )
    status = forms.ChoiceField(
        label="Status",
        required=False,
        choices=[("", "Any status"), *BillingDocument.Status.choices],
        widget=forms.Select(attrs={"class": "form-select", "aria-describedby": "id_status_error"}),
    )
