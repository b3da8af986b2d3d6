"""The monthly chart's geometry: every month of the span, a scale in round steps of at least
the currency's minor unit, bars from the zero line."""

import datetime
from decimal import Decimal

import pytest

from reports.charts import monthly_chart, nice_step
from reports.selectors import CurrencyReport, Row, Total

D = Decimal


def report(currency, months):
    return CurrencyReport(
        currency,
        by_month=[
            Row((datetime.date(year, month, 1),), Total(D(written), D(reversed_)))
            for (year, month), (written, reversed_) in months.items()
        ],
    )


@pytest.mark.parametrize(
    ("span", "step"),
    [("100", "50"), ("1", "0.5"), ("7", "2"), ("10830", "5000"), ("0.03", "0.01")],
)
def test_steps_are_1_2_or_5_times_a_power_of_ten(span, step):
    assert nice_step(D(span)) == D(step)


def test_every_month_of_the_span_has_a_place_and_empty_months_no_bar():
    chart = monthly_chart(
        report("USD", {(2026, 9): ("10.83", "0"), (2026, 11): ("5.50", "-10.83")})
    )
    assert [month.label for month in chart.months] == ["2026-09", "2026-10", "2026-11"]
    september, october, november = chart.months
    assert october.written_off is None and october.reversed is None
    assert september.reversed is None
    # Written off rises from the zero line, reversed hangs from it, the net is below it.
    assert september.written_off.y + september.written_off.height == chart.zero_y
    assert november.reversed.y == chart.zero_y
    assert november.net_y > chart.zero_y
    assert november.reversed.title == "2026-11 reversed: -10.83 USD"
    assert [tick.label for tick in chart.ticks] == ["-20.00", "-10.00", "0.00", "10.00", "20.00"]


def test_a_scale_never_steps_by_less_than_the_minor_unit():
    chart = monthly_chart(report("JPY", {(2026, 11): ("2", "0")}))
    assert [tick.label for tick in chart.ticks] == ["0", "1", "2"]


def test_many_months_share_the_width_and_label_every_few():
    months = {(2020 + index // 12, index % 12 + 1): ("1", "0") for index in range(120)}
    chart = monthly_chart(report("EUR", months))
    assert len(chart.months) == 120
    assert chart.width < 1200
    labelled = [month.label for month in chart.months if month.show_label]
    assert labelled[:2] == ["2020-01", "2020-07"]


def test_no_months_no_chart():
    assert monthly_chart(CurrencyReport("USD")) is None
