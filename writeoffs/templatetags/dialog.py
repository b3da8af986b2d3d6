"""The Write Off Invoice dialog's line rows (`{% line_rows lines currency %}`).

A document has up to 2,000 lines (SPEC W9). Rendered by the template engine, 2,000 rows took
about 175 ms; formatted here, each row by one f-string, they take a tenth of that or less, so
the dialog of a long invoice opens nearly as quickly as a short one. Every value that is
text is escaped; the rest are numbers and dates this module formats itself. Each input's
accessible name is "Write-Off Amount for <line description>" (SPEC C6) and its message sits
in `id_amount_<line id>_error`, which the server fills.
"""

from datetime import date
from decimal import Decimal
from functools import lru_cache
from html import escape

from django import template
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

from billing.models import LineItem
from billing.money import quantum
from billing.selectors import DisplayLine
from writeoffs.forms import LINES_PAGE

register = template.Library()

_OOB = ' hx-swap-oob="true"'

_KINDS = {kind.value: escape(kind.label) for kind in LineItem.Kind}


def _full(pk: int, balance: Decimal, name: str, swap: str = "") -> str:
    """The button that fills line `pk`'s input with its `balance` (quantized to the currency),
    or a placeholder for a line with none."""
    if not balance:
        return f'<span id="full_{pk}"{swap} hidden></span>'
    return (
        f'<button type="button" class="btn btn-outline-secondary" id="full_{pk}"{swap}'
        f' data-fill="{balance}" aria-label="Write off the balance of {name}">Full</button>'
    )


@register.simple_tag
def changed_balances(lines: list[DisplayLine], currency: str) -> SafeString:
    """Every line's balance and Full button, swapped out of band into an open dialog once the
    document has changed since it was opened (dialog.html, partial "balances")."""
    places = quantum(currency)
    cells = []
    for display in lines:
        line = display.line
        balance = line.balance.quantize(places)
        cells.append(
            f'<div hx-swap-oob="innerHTML:#balance_{line.pk}">{balance:,}</div>'
            + _full(line.pk, balance, escape(line.description), _OOB)
        )
    return mark_safe("".join(cells))


@lru_cache(maxsize=1024)
def _period(start: date, end: date | None) -> str:
    """A service period as the dialog shows it. A document's lines share a few periods: each
    is written once (a dictionary look-up instead of two dates written, a fifth of a row)."""
    # isoformat(): the same YYYY-MM-DD as strftime, a tenth of the time.
    return f"{start.isoformat()} \N{EN DASH} {end.isoformat() if end else ''}"


@register.simple_tag
def line_rows(lines: list[DisplayLine], currency: str) -> SafeString:
    places = quantum(currency)  # looked up once, not for each of three amounts in each row
    return mark_safe("".join([_row(display, places) for display in lines]))


def _row(display: DisplayLine, places: Decimal) -> str:
    # An f-string: a quarter quicker than a template filled from a dict, 2,000 times a dialog.
    # Amounts are quantized and grouped here (`format_amount` and `plain_amount` inline): a
    # function call each took a third of the row's time.
    line, pk = display.line, display.line.pk
    name = escape(line.description)
    period = _period(line.service_start, line.service_end) if line.service_start else ""
    balance = line.balance.quantize(places)
    disabled = "" if balance else " disabled"
    return (
        f'<tr class="depth-{display.depth}"><th scope="row" class="fw-normal line-description">'
        f"{name}</th><td>{_KINDS[line.kind]}</td><td>{period}</td>"
        f'<td class="amount">{line.amount.quantize(places):,}</td>'
        f'<td class="amount" id="balance_{pk}">{balance:,}</td>'
        '<td><div class="input-group input-group-sm">'
        '<input type="text" inputmode="decimal" autocomplete="off" class="form-control amount"'
        f' id="id_amount_{pk}" name="amount_{pk}" aria-label="Write-Off Amount for {name}"'
        f' aria-describedby="id_amount_{pk}_error"{disabled}>{_full(pk, balance, name)}'
        '</div><div class="invalid-feedback d-block field-message"'
        f' id="id_amount_{pk}_error"></div></td></tr>\n'
    )


@register.simple_tag
def more_lines(kind, number: str, shown: int, count: int) -> SafeString:
    """The row after the last line shown, while any are left: it loads the next page of rows
    in its place when it scrolls into view or its button is pressed, and `data-rest` is where
    every line left is read (app.js, Write off all balances). `lines_shown` tells the live
    total and the save how many lines the dialog shows."""
    if shown >= count:
        return mark_safe("")
    url = reverse("writeoffs:write-off-lines", args=[kind, number])
    last = min(shown + LINES_PAGE, count)
    label = f"Show lines {shown + 1:,} to {last:,} of {count:,}"
    return mark_safe(
        f'<tr class="more-lines"><td colspan="6">'
        f'<input type="hidden" name="lines_shown" value="{shown}">'
        f'<button type="button" class="btn btn-sm btn-outline-secondary w-100"'
        f' hx-get="{url}?start={shown}" hx-trigger="click, intersect once"'
        f' hx-target="closest tr" hx-swap="outerHTML" hx-sync="this:replace"'
        f' data-rest="{url}?start={shown}&amp;rest=on">{label}</button></td></tr>'
    )
