"""Each figure of issue 8's Goals table, measured against a control in the same run.

A figure is a function of the `Bench` that returns its rows; `figure_rows` turns any failure
into a "failed: <reason>" row, so one broken figure never hides the others.
"""

import json
import statistics
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

from bench import browser, importing
from bench.data import Dataset, Kind, bulk_number
from bench.lock import memo_lock_measure
from bench.report import Row, ratio_row, size
from bench.server import cookie_header
from bench.traffic import FigureFailed, Load, Request, send_expecting, wrk
from bench.urls import BARE_PATH

#: Issue 8: 100,000 invoices imported in 252 s before the work on scale.
IMPORT_RATE_BEFORE = 100_000 / 252
#: A file four times larger may take at most this much more memory to count as flat.
FLAT_MEMORY = 1.25
API_POOL = 2000


@dataclass
class Bench:
    """What the figures share: the options, the data, and the server once it is up."""

    seconds: int
    samples: int
    import_sizes: list[int]
    dataset: Dataset
    env: dict[str, str]
    workdir: Path
    base_url: str = ""
    cookies: dict[str, str] = field(default_factory=dict)
    api_token: str = ""
    _loads: dict[tuple[str, int], Load] = field(default_factory=dict)

    def get(self, path: str, **headers: str) -> Request:
        return Request(path, headers={"Cookie": cookie_header(self.cookies), **headers})

    def measure(self, requests: list[Request] | Request, connections: int = 1) -> Load:
        """Check the first request answers 200, warm up for a second, then run wrk. A load
        measured once in this run is not measured again."""
        requests = requests if isinstance(requests, list) else [requests]
        key = (repr(requests), connections)
        if key not in self._loads:
            send_expecting(self.base_url, requests[0])
            options = {"connections": connections, "workdir": self.workdir}
            wrk(self.base_url, requests, seconds=1, **options)
            self._loads[key] = wrk(self.base_url, requests, seconds=self.seconds, **options)
        return self._loads[key]

    def bare(self, connections: int = 1) -> Load:
        return self.measure(self.get(BARE_PATH), connections)


@dataclass(frozen=True)
class Figure:
    titles: list[str]
    measure: Callable[[Bench], list[Row]]
    goals: list[str]


def figure_rows(figure: Figure, bench: Bench) -> list[Row]:
    try:
        return figure.measure(bench)
    except Exception as error:  # any failure becomes the figure's row
        reason = str(error) or type(error).__name__
        return [
            Row.failed(title, reason, goal)
            for title, goal in zip(figure.titles, figure.goals, strict=True)
        ]


def _p50(load: Load) -> float:
    return load.p50_ms


def invoice_pages(bench: Bench) -> list[Row]:
    bare = bench.bare()
    invoice = bench.measure(bench.get(f"/billing/invoices/{Dataset.sized_number(2)}/"))
    first_page = bench.measure(bench.get("/billing/invoices/"))
    return [
        ratio_row(TITLES["invoice"], invoice, bare, goal=10, control_name="bare", value=_p50),
        ratio_row(TITLES["list"], first_page, bare, goal=10, control_name="bare", value=_p50),
    ]


def _dialog(bench: Bench, lines: int) -> Request:
    number = Dataset.sized_number(lines)
    return bench.get(f"/billing/invoices/{number}/write-off/", **{"HX-Request": "true"})


def dialog_get(bench: Bench) -> list[Row]:
    small, large = _dialog(bench, 2), _dialog(bench, 2000)
    response = send_expecting(bench.base_url, large)
    small_response = send_expecting(bench.base_url, small)
    timed = ratio_row(
        TITLES["dialog"],
        bench.measure(large),
        bench.measure(small),
        goal=4,
        control_name="2 lines",
        value=_p50,
    )
    wire = Row(
        TITLES["dialog bytes"],
        f"{size(len(response.body))} ({response.encoding})",
        f"2 lines: {size(len(small_response.body))} ({small_response.encoding})",
        goal="<= 200 KB",
        meets=len(response.body) <= 200_000,
    )
    return [timed, wire]


def _first_charge() -> str:
    return Dataset.line_description(Kind.CHARGE, 1)


def live_total(bench: Bench) -> list[Row]:
    """The request the browser sends is captured once per invoice, then replayed by wrk."""
    with browser.chromium(bench.base_url, bench.cookies) as page:
        requests = {
            lines: browser.live_total_request(
                page, Dataset.sized_number(lines), _first_charge(), bench.cookies
            )
            for lines in (2, 500)
        }
    response = send_expecting(bench.base_url, requests[500])
    small_response = send_expecting(bench.base_url, requests[2])
    timed = ratio_row(
        TITLES["total"],
        bench.measure(requests[500]),
        bench.measure(requests[2]),
        goal=1.5,
        control_name="2 lines",
        value=_p50,
    )
    answer = Row(
        TITLES["total bytes"],
        f"{size(len(response.body))} ({response.encoding}); "
        f"the request: {size(len(requests[500].body))}",
        f"2 lines: {size(len(small_response.body))}",
        goal="< 2 KB",
        meets=len(response.body) < 2000,
    )
    return [timed, answer]


def _typed_lines(count: int) -> list[str]:
    """The first `count` lines of a sized invoice, in the order the dialog lists them."""
    return [
        Dataset.line_description(Kind.CHARGE if n % 2 == 0 else Kind.TAX, n // 2 + 1)
        for n in range(count)
    ]


def keystroke(bench: Bench) -> list[Row]:
    with browser.chromium(bench.base_url, bench.cookies) as page:
        timings = browser.keystroke_to_total(
            page, Dataset.sized_number(500), _typed_lines(bench.samples)
        )
    median = statistics.median(timings)
    spread = f"{min(timings):.0f}-{max(timings):.0f}"
    return [
        Row(
            TITLES["keystroke"],
            f"{median:.0f} ms (median of {len(timings)}, {spread} ms)",
            goal="<= 100 ms",
            meets=median <= 100,
        )
    ]


def twenty_amounts(bench: Bench) -> list[Row]:
    with browser.chromium(bench.base_url, bench.cookies) as page:
        seconds = {
            lines: browser.amounts_typed(page, Dataset.sized_number(lines), _typed_lines(20))
            for lines in (500, 50)
        }
    ratio = seconds[500] / seconds[50]
    return [
        Row(
            TITLES["twenty"],
            f"{seconds[500]:.2f} s",
            f"50 lines: {seconds[50]:.2f} s",
            f"{ratio:.1f}x",
            "<= 2x",
            ratio <= 2,
        )
    ]


def _api_write_offs(bench: Bench) -> list[Request]:
    """A write-off of one cent per bulk invoice, each request on another invoice, so that the
    clients never wait on one document's lock: only on what all write-offs share."""
    from billing.models import LineItem

    numbers = [
        bulk_number(index) for index in range(1, min(API_POOL, bench.dataset.invoice_count) + 1)
    ]
    charges = LineItem.objects.filter(document__number__in=numbers, kind=Kind.CHARGE)
    headers = {
        "Authorization": f"Bearer {bench.api_token}",
        "Content-Type": "application/json",
    }
    return [
        Request(
            f"/api/v1/invoices/{number}/write-off",
            "PUT",
            headers,
            json.dumps(
                {
                    "comment": "bench",
                    "items": [{"invoiceItemId": str(pk), "amountWithoutTax": "0.01"}],
                }
            ),
        )
        for number, pk in charges.values_list("document__number", "pk").order_by("document__number")
    ]


def api_scaling(bench: Bench) -> list[Row]:
    requests = _api_write_offs(bench)
    answer = json.loads(send_expecting(bench.base_url, requests[0]).body)
    if not answer.get("success"):
        raise FigureFailed(f"the write-off was refused: {answer}")
    one, four = bench.measure(requests, 1), bench.measure(requests, 4)
    bare_one, bare_four = bench.bare(1), bench.bare(4)
    scaling, control = four.rate / one.rate, bare_four.rate / bare_one.rate
    return [
        Row(
            TITLES["api"],
            f"1: {one.rate:,.0f}/s · 4: {four.rate:,.0f}/s ({scaling:.2f}x)",
            f"bare GET 1: {bare_one.rate:,.0f}/s · 4: {bare_four.rate:,.0f}/s ({control:.2f}x)",
            f"{scaling / control:.2f} of the control's",
            ">= the control's scaling",
            scaling >= control,
        )
    ]


def _last_page(bench: Bench) -> int:
    """Page 2,000 at 100,000 invoices; in a smaller run, the page as deep as that allows."""
    try:
        from billing.views import INVOICES_PER_PAGE as per_page
    except ImportError:
        per_page = 50
    return max(1, min(2000, bench.dataset.invoice_count // per_page))


def invoice_lists(bench: Bench) -> list[Row]:
    first_page = bench.measure(bench.get("/billing/invoices/"))
    query = urlencode({"q": bench.dataset.search})
    search = bench.measure(bench.get(f"/billing/invoices/?{query}"))
    page = _last_page(bench)
    deep = bench.measure(bench.get(f"/billing/invoices/?page={page}"))
    count = f"{bench.dataset.invoice_count:,} invoices"
    return [
        ratio_row(
            f"{TITLES['search']} (?{query}, {count})",
            search,
            first_page,
            goal=1.5,
            control_name="page 1",
            value=_p50,
        ),
        ratio_row(
            f"All Invoices page {page:,} ({count})",
            deep,
            first_page,
            goal=1.5,
            control_name="page 1",
            value=_p50,
        ),
    ]


def memo_lock(bench: Bench) -> list[Row]:
    measured = memo_lock_measure(bench.samples * 30)
    return [
        Row(
            TITLES["lock"],
            f"{measured.locked_ms:.1f} of {measured.total_ms:.1f} ms "
            f"(mean of {measured.write_offs} write-offs)",
            ratio=f"{measured.share:.0%}",
            goal="<= 15%",
            meets=measured.share <= 0.15,
        )
    ]


def imports(bench: Bench) -> list[Row]:
    runs = importing.imports_measure(bench.import_sizes, bench.env, bench.workdir)
    goal = 4 * IMPORT_RATE_BEFORE
    rows = [
        Row(
            f"import of {run.invoices:,} invoices",
            f"{run.rate:,.0f} invoices/s ({run.seconds:.1f} s) · peak RSS {size(run.peak_rss)}",
            f"issue 8: {IMPORT_RATE_BEFORE:,.0f} invoices/s",
            f"{run.rate / IMPORT_RATE_BEFORE:.1f}x",
            f">= 4x ({goal:,.0f}/s)",
            run.rate >= goal,
        )
        for run in runs
    ]
    small, large = runs[0], runs[-1]
    growth = large.peak_rss / small.peak_rss
    rows.append(
        Row(
            f"import peak memory, {large.invoices:,} vs {small.invoices:,} invoices",
            size(large.peak_rss),
            f"{small.invoices:,}: {size(small.peak_rss)}",
            f"{growth:.2f}x",
            f"flat (<= {FLAT_MEMORY}x)",
            growth <= FLAT_MEMORY,
        )
    )
    return rows


TITLES = {
    "invoice": "invoice page (2 lines)",
    "list": "All Invoices page 1",
    "dialog": "dialog GET, 2,000 lines",
    "dialog bytes": "dialog GET, 2,000 lines, on the wire",
    "total": "live total, 500 lines",
    "total bytes": "live total, 500 lines, answer to one typed amount",
    "keystroke": "keystroke to total in Chromium, 500 lines, minus 150 ms debounce",
    "twenty": "20 amounts typed, 500 lines",
    "api": "API write-offs/s, 4 clients vs 1",
    "search": "All Invoices search",
    "lock": "memo-number lock held, 5-line write-off",
}

SERVED = [
    Figure([TITLES["invoice"], TITLES["list"]], invoice_pages, ["<= 10x", "<= 10x"]),
    Figure([TITLES["dialog"], TITLES["dialog bytes"]], dialog_get, ["<= 4x", "<= 200 KB"]),
    Figure([TITLES["total"], TITLES["total bytes"]], live_total, ["<= 1.5x", "< 2 KB"]),
    Figure([TITLES["keystroke"]], keystroke, ["<= 100 ms"]),
    Figure([TITLES["twenty"]], twenty_amounts, ["<= 2x"]),
    Figure([TITLES["api"]], api_scaling, [">= the control's scaling"]),
    Figure([TITLES["search"], "All Invoices deep page"], invoice_lists, ["<= 1.5x", "<= 1.5x"]),
]
IN_PROCESS = [
    Figure([TITLES["lock"]], memo_lock, ["<= 15%"]),
    Figure(["import"], imports, [">= 4x issue 8's rate; flat memory"]),
]
