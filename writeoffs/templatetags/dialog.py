"""The Write Off Invoice dialog's line rows (`{% line_rows lines currency %}`).

A document has up to 2,000 lines (SPEC W9). Rendered by the template engine, 2,000 rows took
about 175 ms; formatted here, each row by one f-string, they take a tenth of that or less, so
the dialog of a long invoice opens nearly as quickly as a short one. Every value that is
text is escaped; the rest are numbers and dates this module formats itself. Each input's
accessible name is "Write-Off Amount for <line description>" (SPEC C6) and its message sits
in `id_amount_<line id>_error`, which the server fills.
"""

from html import escape

from django import template
from django.utils.safestring import SafeString, mark_safe

from billing.models import LineItem
from billing.money import format_amount, plain_amount
from billing.selectors import DisplayLine

register = template.Library()

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
    # An f-string: a quarter quicker than a template filled from a dict, 2,000 times a dialog.
    line, pk = display.line, display.line.pk
    name = escape(line.description)
    period = ""
    if line.service_start:
        # isoformat(): the same YYYY-MM-DD as strftime, a tenth of the time.
        end = line.service_end.isoformat() if line.service_end else ""
        period = f"{line.service_start.isoformat()} \N{EN DASH} {end}"
    disabled = "" if line.balance else " disabled"
    return (
        f'<tr class="depth-{display.depth}"><th scope="row" class="fw-normal line-description">'
        f"{name}</th><td>{_KINDS[line.kind]}</td><td>{period}</td>"
        f'<td class="amount">{format_amount(line.amount, currency)}</td>'
        f'<td class="amount" id="balance_{pk}">{format_amount(line.balance, currency)}</td>'
        '<td><div class="input-group input-group-sm">'
        '<input type="text" inputmode="decimal" autocomplete="off" class="form-control amount"'
        f' id="id_amount_{pk}" name="amount_{pk}" aria-label="Write-Off Amount for {name}"'
        f' aria-describedby="id_amount_{pk}_error"{disabled}>{full_button(line, currency, name)}'
        '</div><div class="invalid-feedback d-block field-message"'
        f' id="id_amount_{pk}_error"></div></td></tr>\n'
    )
