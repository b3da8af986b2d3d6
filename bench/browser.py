"""The figures only a browser shows: headless Chromium (SPEC Q2) driven by Playwright, finding
the dialog's parts by role and label as the browser tests do."""

import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from urllib.parse import urlsplit

from bench.server import cookie_header
from bench.traffic import FigureFailed, Request

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
#: How long the dialog waits after the last keystroke before it asks for the total, unless
#: its `hx-trigger` says otherwise.
DEBOUNCE_MS = 150
# Headers a replay must not copy: wrk sets its own, and the cookie comes from the bench.
NOT_REPLAYED = {"cookie", "host", "content-length", "connection", "accept-encoding"}

# Arms a watch in the page: the time of the next input event, and of the first change of the
# total after it. Timed in the page, so Playwright's own round trips are not counted.
WATCH_TOTAL = """() => {
  const total = () => document.querySelector("#write-off-amount")?.textContent;
  const before = total();
  const watch = (window.benchWatch = {typed: null, shown: null});
  document.addEventListener("input", () => { watch.typed ??= performance.now(); },
                            {capture: true, once: true});
  new MutationObserver((records, observer) => {
    if (watch.typed !== null && total() !== before) {
      watch.shown = performance.now();
      observer.disconnect();
    }
  }).observe(document.body, {subtree: true, childList: true, characterData: true});
}"""
TOTAL_SHOWN = "() => window.benchWatch.shown !== null"
DEBOUNCE = """() => [...document.querySelectorAll("[hx-trigger]")]
  .map(element => element.getAttribute("hx-trigger").match(/delay:([0-9]+)ms/))
  .find(match => match)?.[1] ?? null"""
TOTAL_IS = """expected => (document.querySelector("#write-off-amount")?.textContent ?? "")
  .replace(/[^0-9.]/g, "") === expected"""


@contextmanager
def chromium(base_url: str, cookies: dict[str, str]) -> Iterator:
    """A page of headless Chromium, signed in with the bench's session."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        raise FigureFailed(
            "Playwright for Python is not installed (make bench installs it)"
        ) from None
    if not shutil.which(CHROMIUM):
        raise FigureFailed(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(
                base_url=base_url, viewport={"width": 1280, "height": 900}, locale="en-US"
            )
            context.add_cookies(
                [{"name": name, "value": value, "url": base_url} for name, value in cookies.items()]
            )
            page = context.new_page()
            page.set_default_timeout(60_000)
            yield page
        finally:
            browser.close()


def _playwright_timeout() -> type[Exception]:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    return PlaywrightTimeout


def open_dialog(page, number: str):
    """Open Write Off Invoice from the invoice page's More actions menu, as a clerk does."""
    page.goto(f"/billing/invoices/{number}/")
    page.get_by_role("button", name="More actions").click()
    page.get_by_role("button", name="Write Off Invoice").click()
    dialog = page.get_by_role("dialog", name="Write Off Invoice")
    dialog.wait_for(state="visible")
    # The dialog moves focus to its first field once shown; typing before that would lose keys.
    with suppress(_playwright_timeout()):  # a dialog that keeps focus elsewhere is timed too
        page.wait_for_function(
            "() => document.activeElement?.closest('[role=dialog]') !== null", timeout=5000
        )
    return dialog


def amount_input(dialog, description: str):
    return dialog.get_by_role("textbox", name=f"Write-Off Amount for {description}", exact=True)


def live_total_request(page, number: str, description: str, cookies: dict[str, str]) -> Request:
    """The request the dialog sends for its live total when one amount is typed, for wrk to
    replay: whatever the dialog posts (every field, or only what was typed) is what is timed."""
    dialog = open_dialog(page, number)
    with page.expect_request(lambda request: request.method == "POST") as posted:
        amount_input(dialog, description).fill("1.00")
    request = posted.value
    headers = {
        name: value
        for name, value in request.all_headers().items()
        if name.lower() not in NOT_REPLAYED and not name.startswith(":")
    }
    headers["Cookie"] = cookie_header(cookies)
    return Request(urlsplit(request.url).path, "POST", headers, request.post_data or "")


def keystroke_to_total(page, number: str, descriptions: list[str]) -> tuple[list[float], int]:
    """For each line, type one digit into its amount and time, in the page, how long the total
    takes to change. Returns the times less the debounce, in milliseconds, and the debounce."""
    dialog = open_dialog(page, number)
    debounce = int(page.evaluate(DEBOUNCE) or DEBOUNCE_MS)
    timings = []
    for description in descriptions:
        page.evaluate(WATCH_TOTAL)
        amount_input(dialog, description).press("1")
        page.wait_for_function(TOTAL_SHOWN)
        elapsed = page.evaluate("() => window.benchWatch.shown - window.benchWatch.typed")
        timings.append(elapsed - debounce)
    return timings, debounce


def amounts_typed(page, number: str, descriptions: list[str]) -> float:
    """Seconds to type 1.00 into each line in turn, moving on once the total shows the sum."""
    dialog = open_dialog(page, number)
    fields = [amount_input(dialog, description) for description in descriptions]
    started = time.perf_counter()
    for typed, field in enumerate(fields, start=1):
        field.press_sequentially("1.00")
        try:
            page.wait_for_function(TOTAL_IS, arg=f"{typed}.00", timeout=60_000)
        except _playwright_timeout():
            raise FigureFailed(f"the total never showed {typed}.00 within 60 s") from None
    return time.perf_counter() - started
