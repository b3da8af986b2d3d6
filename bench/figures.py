"""Each figure of the scale goals, measured against a control in the same run.

A figure is a function of the `Bench` that returns its rows; `figure_rows` turns any failure
into a "failed: <reason>" row, so one broken figure never hides the others.
"""

import gzip
import json
import math
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

from bench import browser, importing
from bench.data import Dataset, Kind, bulk_number
from bench.lock import memo_lock_measure
from bench.report import Row, ratio_row, size
from bench.server import WORKERS, cookie_header
from bench.traffic import FigureFailed, Load, Request, send_expecting, warm_up, wrk
from bench.urls import BARE_PATH

#: A file four times larger may take at most this much more memory to count as flat.
FLAT_MEMORY = 1.25
API_POOL = 2000
LIVE_TOTAL_SIZES = (2, 500)
LIST_PATH = "/billing/invoices/"


@dataclass
class Bench:
    """What the figures share: the options, the data, the server once it is up, and what one
    figure measured that another reuses (captured requests, imports)."""

    seconds: int  # of one round of wrk
    rounds: int
    samples: int
    import_sizes: list[int]
    dataset: Dataset
    env: dict[str, str]
    workdir: Path
    base_url: str = ""
    cookies: dict[str, str] = field(default_factory=dict)
    api_token: str = ""
    _live_total_requests: dict[int, Request] = field(default_factory=dict)
    _import_runs: list[importing.ImportPair] = field(default_factory=list)

    def get(self, path: str, **headers: str) -> Request:
        return Request(path, headers={"Cookie": cookie_header(self.cookies), **headers})

    def compare(
        self,
        measured: list[Request] | Request,
        control: list[Request] | Request,
        *,
        connections: tuple[int, int] = (1, 1),
    ) -> tuple[Load, Load]:
        """Time `measured` and `control` with wrk in alternating rounds, so that whatever
        else the machine does meanwhile falls on both alike."""
        measured_load, control_load = self.alternate(
            (measured, connections[0]), (control, connections[1])
        )
        return measured_load, control_load

    def alternate(self, *loads: tuple[list[Request] | Request, int]) -> list[Load]:
        """Time each of `loads` (requests, and wrk's connections) in every round, one after
        the other, so that whatever else the machine does meanwhile falls on all alike."""
        ready = [(*self._ready(requests), connections) for requests, connections in loads]
        rounds: list[list[Load]] = [[] for _ in ready]
        for _ in range(self.rounds):
            for timed, (requests, seconds, connections) in zip(rounds, ready, strict=True):
                timed.append(self._wrk(requests, seconds, connections))
        return [Load.of_rounds(timed) for timed in rounds]

    def _ready(self, requests: list[Request] | Request) -> tuple[list[Request], int]:
        """Check that the first request answers 200 and warm every worker up; return the
        requests and how long each round lasts: long enough for about ten answers in all, at
        most six times the usual time."""
        requests = requests if isinstance(requests, list) else [requests]
        send_expecting(self.base_url, requests[0])
        warm_up(self.base_url, requests, WORKERS)
        started = time.perf_counter()
        send_expecting(self.base_url, requests[-1])
        enough = math.ceil(10 * (time.perf_counter() - started) / self.rounds)
        return requests, max(self.seconds, min(6 * self.seconds, enough))

    def _wrk(self, requests: list[Request], seconds: int, connections: int) -> Load:
        options = {"seconds": seconds, "connections": connections, "workdir": self.workdir}
        return wrk(self.base_url, requests, **options)

    def bare(self) -> Request:
        return self.get(BARE_PATH)

    def live_total_request(self, lines: int) -> Request:
        """What the dialog posts for its live total when one amount is typed, captured from
        Chromium (once per invoice and run)."""
        if not self._live_total_requests:
            with browser.chromium(self.base_url, self.cookies) as page:
                for size_ in LIVE_TOTAL_SIZES:
                    number = Dataset.sized_number(size_)
                    self._live_total_requests[size_] = browser.live_total_request(
                        page, number, _first_charge(), self.cookies
                    )
        return self._live_total_requests[lines]

    def import_runs(self) -> list[importing.ImportPair]:
        if not self._import_runs:
            self._import_runs = importing.imports_measure(self.import_sizes, self.env, self.workdir)
        return self._import_runs


@dataclass(frozen=True)
class Figure:
    """A figure of the Goals table: its title and goal, for the row that says it failed, and
    the function that measures it (one row; the import gives one per file and one for memory)."""

    title: str
    goal: str
    measure: Callable[[Bench], list[Row]]


def figure_rows(figure: Figure, bench: Bench) -> list[Row]:
    try:
        return figure.measure(bench)
    except Exception as error:  # any failure becomes the figure's row
        return [Row.failed(figure.title, str(error) or type(error).__name__, figure.goal)]


def invoice_page(bench: Bench) -> list[Row]:
    page = bench.get(f"/billing/invoices/{Dataset.sized_number(2)}/")
    invoice, bare = bench.compare(page, bench.bare())
    return [ratio_row(TITLES["invoice"], invoice, bare, goal=10, control_name="bare")]


def list_first_page(bench: Bench) -> list[Row]:
    first_page, bare = bench.compare(bench.get(LIST_PATH), bench.bare())
    return [ratio_row(TITLES["list"], first_page, bare, goal=10, control_name="bare")]


def _dialog(bench: Bench, lines: int) -> Request:
    number = Dataset.sized_number(lines)
    return bench.get(f"/billing/invoices/{number}/write-off/", **{"HX-Request": "true"})


def dialog_get(bench: Bench) -> list[Row]:
    large, small = bench.compare(_dialog(bench, 2000), _dialog(bench, 2))
    return [ratio_row(TITLES["dialog"], large, small, goal=4, control_name="2 lines")]


def dialog_bytes(bench: Bench) -> list[Row]:
    large = send_expecting(bench.base_url, _dialog(bench, 2000))
    small = send_expecting(bench.base_url, _dialog(bench, 2))
    return [
        Row(
            TITLES["dialog bytes"],
            f"{size(len(large.body))} ({large.encoding})",
            f"2 lines: {size(len(small.body))} ({small.encoding})",
            goal="<= 200 KB",
            meets=len(large.body) <= 200_000,
        )
    ]


def dialog_rest(bench: Bench) -> list[Row]:
    """What the dialog shows after its first page: every other line of the 2,000, as Write off
    all balances asks for them. No goal of its own; shown so that the first page's figure is
    not read as the whole dialog's."""
    number = Dataset.sized_number(2000)
    rest = bench.get(
        f"/billing/invoices/{number}/write-off/lines/?start=200&rest=on", **{"HX-Request": "true"}
    )
    large, small = bench.compare(rest, _dialog(bench, 2))
    body = send_expecting(bench.base_url, rest)
    return [
        Row(
            TITLES["dialog rest"],
            f"{large}; {size(len(body.body))} ({body.encoding})",
            f"2 lines: {small}",
            f"{large.p50_ms / small.p50_ms:.1f}x",
        )
    ]


def _first_charge() -> str:
    return Dataset.line_description(Kind.CHARGE, 1)


def live_total(bench: Bench) -> list[Row]:
    """The request the browser sends, replayed by wrk."""
    large, small = bench.compare(bench.live_total_request(500), bench.live_total_request(2))
    return [ratio_row(TITLES["total"], large, small, goal=1.5, control_name="2 lines")]


def live_total_bytes(bench: Bench) -> list[Row]:
    request = bench.live_total_request(500)
    large = send_expecting(bench.base_url, request)
    small = send_expecting(bench.base_url, bench.live_total_request(2))
    return [
        Row(
            TITLES["total bytes"],
            f"{size(len(large.body))} ({large.encoding}); the request: {size(len(request.body))}",
            f"2 lines: {size(len(small.body))}",
            goal="< 2 KB",
            meets=len(large.body) < 2000,
        )
    ]


def _typed_lines(count: int) -> list[str]:
    """The first `count` lines of a sized invoice, in the order the dialog lists them."""
    return [
        Dataset.line_description(Kind.CHARGE if n % 2 == 0 else Kind.TAX, n // 2 + 1)
        for n in range(count)
    ]


def keystroke(bench: Bench) -> list[Row]:
    with browser.chromium(bench.base_url, bench.cookies) as page:
        timings, debounce = browser.keystroke_to_total(
            page, Dataset.sized_number(500), _typed_lines(bench.samples)
        )
    median = statistics.median(timings)
    spread = f"{min(timings):.0f} to {max(timings):.0f}"
    return [
        Row(
            TITLES["keystroke"],
            f"{median:.0f} ms (median of {len(timings)}, {spread} ms; debounce {debounce} ms)",
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


def _api_pool(bench: Bench) -> list[tuple[str, int]]:
    """(number, charge line id) of the bulk invoices the API figure writes off, one request
    per invoice, so that the clients never wait on one document's lock: only on what every
    write-off shares."""
    from billing.models import LineItem

    count = min(API_POOL, bench.dataset.invoice_count)
    numbers = [bulk_number(index) for index in range(1, count + 1)]
    charges = LineItem.objects.filter(document__number__in=numbers, kind=Kind.CHARGE)
    return list(charges.values_list("document__number", "pk").order_by("document__number"))


def _api_requests(bench: Bench, pool: list[tuple[str, int]]) -> tuple[list, list]:
    """A write-off of one cent from each invoice's charge, and a read of each invoice."""
    headers = {"Authorization": f"Bearer {bench.api_token}"}
    json_headers = {**headers, "Content-Type": "application/json"}
    write_offs = [
        Request(
            f"/api/v1/invoices/{number}/write-off",
            "PUT",
            json_headers,
            json.dumps({"items": [{"invoiceItemId": str(pk), "amountWithoutTax": "0.01"}]}),
        )
        for number, pk in pool
    ]
    reads = [Request(f"/api/v1/invoices/{number}", headers=headers) for number, _ in pool]
    return write_offs, reads


def _scaling(four: Load, one: Load) -> tuple[float, str]:
    """The rate with 4 clients over that with 1, and both, with how busy the CPUs were and the
    CPU time a request took: a request whose CPU time does not fall with more in flight
    scales no further than the CPUs it can keep busy."""
    scaling = four.rate / one.rate
    busy = ""
    if one.cpu_ms is not None and four.cpu_ms is not None:
        busy = (
            f"; CPUs busy {one.cpu_busy:.0%} → {four.cpu_busy:.0%}, "
            f"{one.cpu_ms:.2g} → {four.cpu_ms:.2g} ms of CPU a request"
        )
    return scaling, f"1: {one.rate_text}/s · 4: {four.rate_text}/s ({scaling:.2f}x{busy})"


def api_scaling(bench: Bench) -> list[Row]:
    """Judged against the bare view, as the goal asks; the API's own read of the same
    invoices is shown too: a like-for-like request that takes no lock. The three are timed
    in the same rounds, each with 4 connections and then 1, so that what else the machine
    does falls on all of them alike."""
    write_offs, reads = _api_requests(bench, _api_pool(bench))
    answer = json.loads(send_expecting(bench.base_url, write_offs[0]).body)
    if not answer.get("success"):
        raise FigureFailed(f"the write-off was refused: {answer}")
    loads = bench.alternate(
        *(
            (requests, connections)
            for requests in (write_offs, [bench.bare()], reads)
            for connections in (4, 1)
        )
    )
    scaling, measured = _scaling(*loads[0:2])
    control, bare = _scaling(*loads[2:4])
    _, read = _scaling(*loads[4:6])
    return [
        Row(
            TITLES["api"],
            measured,
            f"bare GET {bare}; API GET {read}",
            f"{scaling / control:.2f} of the bare GET's",
            ">= the bare GET's scaling",
            scaling >= control,
        )
    ]


def _last_page(bench: Bench) -> int:
    """Page 2,000 at 100,000 invoices; in a smaller run, the page as deep as that allows."""
    from billing.paging import PER_PAGE

    return max(1, min(2000, bench.dataset.invoice_count // PER_PAGE))


def _page_request(bench: Bench, page: int) -> Request:
    """Page `page` of All Invoices as its Older links reach it: after the last row of the page
    before, a cursor found here once (by OFFSET). The list has no page numbers: `?page=` would
    be page 1. The answer is checked to start with the row after that one."""
    from billing.paging import PER_PAGE
    from billing.selectors import DOCUMENT_ORDER, document_list

    if page == 1:
        return bench.get(LIST_PATH)
    rows = document_list()[(page - 1) * PER_PAGE - 1 :][:2]
    last_before, first = rows[0], rows[1]
    request = bench.get(f"{LIST_PATH}?{urlencode({'after': DOCUMENT_ORDER.cursor(last_before)})}")
    response = send_expecting(bench.base_url, request)
    body = response.body
    if response.encoding == "gzip":
        body = gzip.decompress(body)
    body = body.decode()
    if f">{first['number']}</a>" not in body or "cannot be read" in body:
        raise FigureFailed(f"page {page:,} does not start with {first['number']}")
    return request


def list_search(bench: Bench) -> list[Row]:
    query = urlencode({"q": bench.dataset.search})
    search, first_page = bench.compare(bench.get(f"{LIST_PATH}?{query}"), bench.get(LIST_PATH))
    title = f"{TITLES['search']} (?{query}, {bench.dataset.invoice_count:,} invoices)"
    return [ratio_row(title, search, first_page, goal=1.5, control_name="page 1")]


def list_deep_page(bench: Bench) -> list[Row]:
    page = _last_page(bench)
    deep, first_page = bench.compare(_page_request(bench, page), bench.get(LIST_PATH))
    title = f"All Invoices page {page:,} ({bench.dataset.invoice_count:,} invoices)"
    return [ratio_row(title, deep, first_page, goal=1.5, control_name="page 1")]


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


#: The import's goal is a rate at this many invoices (`--full`); smaller files are shown, with
#: no verdict of their own: a fixed start-up cost weighs more in a shorter import.
JUDGED_IMPORT = 100_000


def _import_row(pair: importing.ImportPair) -> Row:
    def rate(run: importing.ImportRun) -> str:
        return f"{run.rate:,.0f} invoices/s ({run.seconds:.1f} s, CPU {run.cpu_seconds:.1f} s)"

    now, before = pair.now, pair.before
    judged = now.invoices >= JUDGED_IMPORT
    return Row(
        f"import of {now.invoices:,} invoices",
        f"{rate(now)} · peak RSS {size(now.peak_rss)}",
        f"before ({importing.BEFORE_COMMIT}): {rate(before)} · peak RSS {size(before.peak_rss)}",
        f"{now.rate / before.rate:.1f}x",
        f">= 4x ({4 * before.rate:,.0f}/s)"
        if judged
        else f"judged at {JUDGED_IMPORT:,} (`--full`)",
        now.rate >= 4 * before.rate if judged else None,
    )


def imports(bench: Bench) -> list[Row]:
    pairs = bench.import_runs()
    small, large = pairs[0].now, pairs[-1].now
    growth = large.peak_rss / small.peak_rss
    memory = Row(
        f"import peak memory, {large.invoices:,} vs {small.invoices:,} invoices",
        size(large.peak_rss),
        f"{small.invoices:,}: {size(small.peak_rss)}",
        f"{growth:.2f}x",
        f"flat (<= {FLAT_MEMORY}x)",
        growth <= FLAT_MEMORY,
    )
    return [*(_import_row(pair) for pair in pairs), memory]


TITLES = {
    "invoice": "invoice page (2 lines)",
    "list": "All Invoices page 1",
    "dialog": "dialog GET, 2,000 lines",
    "dialog bytes": "dialog GET, 2,000 lines, on the wire",
    "dialog rest": "dialog, lines 201 to 2,000 (Write off all balances loads them)",
    "total": "live total, 500 lines",
    "total bytes": "live total, 500 lines, answer to one typed amount",
    "keystroke": "keystroke to total in Chromium, 500 lines, minus the debounce",
    "twenty": "20 amounts typed, 500 lines",
    "api": "API write-offs/s, 4 clients vs 1",
    "search": "All Invoices search",
    "deep page": "All Invoices page 2,000",
    "lock": "memo-number lock held, 5-line write-off",
}

SERVED = [
    Figure(TITLES["invoice"], "<= 10x", invoice_page),
    Figure(TITLES["list"], "<= 10x", list_first_page),
    Figure(TITLES["dialog"], "<= 4x", dialog_get),
    Figure(TITLES["dialog bytes"], "<= 200 KB", dialog_bytes),
    Figure(TITLES["dialog rest"], "", dialog_rest),
    Figure(TITLES["total"], "<= 1.5x", live_total),
    Figure(TITLES["total bytes"], "< 2 KB", live_total_bytes),
    Figure(TITLES["keystroke"], "<= 100 ms", keystroke),
    Figure(TITLES["twenty"], "<= 2x", twenty_amounts),
    Figure(TITLES["api"], ">= the bare GET's scaling", api_scaling),
    Figure(TITLES["search"], "<= 1.5x", list_search),
    Figure(TITLES["deep page"], "<= 1.5x", list_deep_page),
]
IN_PROCESS = [
    Figure(TITLES["lock"], "<= 15%", memo_lock),
    Figure("import", ">= 4x the rate before; flat memory", imports),
]
