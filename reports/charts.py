"""The geometry of the report's monthly chart, one per currency, which the template draws as an
inline SVG: no script and no style attribute, so the Content Security Policy stays as strict
as it is (`style-src 'self'`; SVG presentation attributes such as `fill` are no styles).

Each month has a solid bar for what was written off (above the zero line) and a hatched bar
for what was reversed (below it); a line with round markers joins the months' nets. The
shapes, the legend and each bar's tooltip tell them apart without colour, and the same
numbers are in the table under the chart. Coordinates are worked out in `Decimal`, as every
amount they stand for is.
"""

from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from billing.money import format_amount, quantum
from reports.selectors import CurrencyReport

TOP = 16
PLOT_HEIGHT = 180
BOTTOM = 40  # the months' labels
LEFT = 112  # the axis' labels
RIGHT = 16
WIDE_SLOT = 48  # a month's width when there are few
PLOT_TARGET = 960  # many months share about this width
LABEL_WIDTH = 44  # a month's label, "2026-11"
MIN_SLOTS = 6  # a chart of one month is as wide as one of six
_TENTH = Decimal("0.1")


def _px(value: Decimal) -> Decimal:
    return value.quantize(_TENTH)


def nice_step(span: Decimal, count: int = 4) -> Decimal:
    """A step of 1, 2 or 5 times a power of ten that divides `span` into at most about
    `count` parts."""
    raw = span / count
    base = Decimal(1).scaleb(raw.adjusted())
    return next(base * factor for factor in (1, 2, 5, 10) if base * factor >= raw)


@dataclass(frozen=True)
class Tick:
    y: Decimal
    label: str
    zero: bool


@dataclass(frozen=True)
class Bar:
    x: Decimal
    y: Decimal
    width: Decimal
    height: Decimal
    title: str


@dataclass(frozen=True)
class Month:
    label: str
    label_x: Decimal
    show_label: bool
    written_off: Bar | None
    reversed: Bar | None
    net_x: Decimal
    net_y: Decimal
    net_title: str


@dataclass(frozen=True)
class Chart:
    currency: str
    width: int
    height: int
    plot_left: int
    plot_right: int
    zero_y: Decimal
    ticks: list[Tick]
    months: list[Month]

    @property
    def net_points(self) -> str:
        return " ".join(f"{month.net_x},{month.net_y}" for month in self.months)

    @property
    def slug(self) -> str:
        """For the ids of this chart's pattern and title, unique on the page."""
        return self.currency.lower()


def monthly_chart(report: CurrencyReport) -> Chart | None:
    """The chart of `report`'s months, or None when it has none."""
    rows = report.months
    if not rows:
        return None
    currency = report.currency
    totals = [row.total for row in rows]
    high = max([Decimal(0), *(t.written_off for t in totals), *(t.net for t in totals)])
    low = min([Decimal(0), *(t.reversed for t in totals), *(t.net for t in totals)])
    if high == low:
        high = Decimal(1)
    # Never finer than the currency's minor unit, whose labels would repeat.
    step = max(nice_step(high - low), quantum(currency))
    top = (high / step).to_integral_value(ROUND_CEILING) * step
    bottom = (low / step).to_integral_value(ROUND_FLOOR) * step
    scale = Decimal(PLOT_HEIGHT) / (top - bottom)

    def y(value: Decimal) -> Decimal:
        return _px(TOP + (top - value) * scale)

    zero = y(Decimal(0))
    count = len(rows)
    slot = Decimal(WIDE_SLOT if count * WIDE_SLOT <= PLOT_TARGET else max(8, PLOT_TARGET // count))
    every = int((LABEL_WIDTH / slot).to_integral_value(ROUND_CEILING))
    bar_width = _px(slot * Decimal("0.36"))
    months = []
    for index, row in enumerate(rows):
        total, left = row.total, LEFT + slot * index
        label = f"{row.key[0].year:04d}-{row.key[0].month:02d}"
        written = reversed_ = None
        if total.written_off:
            top_y = y(total.written_off)
            written = Bar(
                _px(left + slot * Decimal("0.14")),
                top_y,
                bar_width,
                zero - top_y,
                f"{label} written off: {format_amount(total.written_off, currency)} {currency}",
            )
        if total.reversed:
            reversed_ = Bar(
                _px(left + slot / 2),
                zero,
                bar_width,
                y(total.reversed) - zero,
                f"{label} reversed: {format_amount(total.reversed, currency)} {currency}",
            )
        months.append(
            Month(
                label=label,
                label_x=_px(left + slot / 2),
                show_label=index % every == 0,
                written_off=written,
                reversed=reversed_,
                net_x=_px(left + slot / 2),
                net_y=y(total.net),
                net_title=f"{label} net: {format_amount(total.net, currency)} {currency}",
            )
        )
    ticks = []
    value = bottom
    while value <= top:
        ticks.append(Tick(y(value), format_amount(value, currency), value == 0))
        value += step
    plot_right = int(LEFT + slot * max(count, MIN_SLOTS))
    return Chart(
        currency=currency,
        width=plot_right + RIGHT,
        height=TOP + PLOT_HEIGHT + BOTTOM,
        plot_left=LEFT,
        plot_right=plot_right,
        zero_y=zero,
        ticks=ticks,
        months=months,
    )
