"""The Write Off Invoice dialog's line rows (`{% line_rows lines currency %}`).

A document has up to 2,000 lines (SPEC W9). Rendered by the template engine, 2,000 rows take
about 175 ms; formatted here, about 6 ms, so the dialog of a long invoice opens as quickly as
a short one. Every value that is text is escaped; the rest are numbers and dates this module
formats itself. Each input's accessible name is "Write-Off Amount for <line description>"
(SPEC C6) and its message sits in `id_amount_<line id>_error`, which the server fills.
"""

from html import escape

from django import template
from django.utils.safestring import SafeString, mark_safe

from billing.models import LineItem
from billing.money import format_amount, plain_amount
from billing.selectors import DisplayLine

register = template.Library()

_ROW = (
    '<tr class="depth-%(depth)s"><th scope="row" class="fw-normal line-description">%(name)s'
    "</th><td>%(kind)s</td><td>%(period)s</td>"
    '<td class="amount">%(amount)s</td><td class="amount" id="balance_%(pk)s">%(balance)s</td>'
    '<td><div class="input-group input-group-sm">'
    '<input type="text" inputmode="decimal" autocomplete="off" class="form-control amount"'
    ' id="id_amount_%(pk)s" name="amount_%(pk)s" aria-label="Write-Off Amount for %(name)s"'
    ' aria-describedby="id_amount_%(pk)s_error"%(disabled)s>%(full)s</div>'
    '<div class="invalid-feedback d-block field-message" id="id_amount_%(pk)s_error"></div>'
    "</td></tr>\n"
)
_FULL = (
    '<button type="button" class="btn btn-outline-secondary" id="full_%s"%s data-fill="%s"'
    ' aria-label="Write off the balance of %s">Full</button>'
)
_NO_FULL = '<span id="full_%s"%s hidden></span>'
_OOB = ' hx-swap-oob="true"'

_KINDS = {kind.value: escape(kind.label) for kind in LineItem.Kind}


def full_button(line, currency: str, name: str = "", oob: bool = False) -> str:
    """The button that fills a line's input with its balance; a placeholder for a line with
    none. Out of band (`oob`), it replaces the one shown once the balances have changed."""
    swap = _OOB if oob else ""
    if not line.balance:
        return _NO_FULL % (line.pk, swap)
    name = name or escape(line.description)
    return _FULL % (line.pk, swap, plain_amount(line.balance, currency), name)


@register.simple_tag
def changed_balances(lines: list[DisplayLine], currency: str) -> SafeString:
    """Every line's balance and Full button, swapped out of band into an open dialog once the
    document has changed since it was opened (dialog.html, partial "balances")."""
    cell = '<div hx-swap-oob="innerHTML:#balance_%s">%s</div>'
    return mark_safe(
        "".join(
            [
                cell % (display.line.pk, format_amount(display.line.balance, currency))
                + full_button(display.line, currency, oob=True)
                for display in lines
            ]
        )
    )


@register.simple_tag
def line_rows(lines: list[DisplayLine], currency: str) -> SafeString:
    return mark_safe("".join([_row(display, currency) for display in lines]))


def _row(display: DisplayLine, currency: str) -> str:
    line = display.line
    name = escape(line.description)
    period = ""
    if line.service_start:
        end = f"{line.service_end:%Y-%m-%d}" if line.service_end else ""
        period = f"{line.service_start:%Y-%m-%d} \N{EN DASH} {end}"
    full = full_button(line, currency, name)
    return _ROW % {
        "depth": display.depth,
        "name": name,
        "kind": _KINDS[line.kind],
        "period": period,
        "amount": format_amount(line.amount, currency),
        "balance": format_amount(line.balance, currency),
        "pk": line.pk,
        "disabled": "" if line.balance else " disabled",
        "full": full,
    }
