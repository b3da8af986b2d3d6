"""Requests to the server under test: one at a time from Python (to check a figure's request
and to weigh its response), and under load from wrk."""

import http.client
import json
import os
import shutil
import statistics
import subprocess
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from urllib.parse import urlsplit

#: What a browser sends, so that a server that compresses does so for the figures too.
ACCEPT_ENCODING = "gzip, deflate"


class FigureFailed(Exception):
    """A figure could not be measured; the message says why, for the table."""


@dataclass(frozen=True)
class Request:
    path: str
    method: str = "GET"
    headers: dict[str, str] = field(default_factory=dict)
    body: str = ""


@dataclass(frozen=True)
class Response:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def encoding(self) -> str:
        return self.headers.get("content-encoding", "identity")


def send(base_url: str, request: Request, timeout: float = 120) -> Response:
    """`request` as wrk would send it; the body is left as it came over the wire."""
    url = urlsplit(base_url)
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=timeout)
    try:
        headers = {"Accept-Encoding": ACCEPT_ENCODING, **request.headers}
        connection.request(request.method, request.path, request.body.encode(), headers)
        answer = connection.getresponse()
        body = answer.read()
        return Response(answer.status, {k.lower(): v for k, v in answer.getheaders()}, body)
    finally:
        connection.close()


def send_expecting(base_url: str, request: Request, status: int = 200) -> Response:
    """`send`, failing the figure when the answer is not `status` (a redirect to the sign-in
    page or a refusal would otherwise be timed as if it were the page)."""
    response = send(base_url, request)
    if response.status != status:
        where = response.headers.get("location", "")
        raise FigureFailed(
            f"{request.method} {request.path} answered {response.status} {where}".strip()
        )
    return response


def warm_up(base_url: str, requests: list[Request], workers: int) -> None:
    """Send one request per worker at once, so that each has served one before it is timed
    (the first answer of a worker pays for loading templates and code)."""
    with ThreadPoolExecutor(workers) as pool:
        chosen = [requests[n % len(requests)] for n in range(workers)]
        list(pool.map(partial(send_expecting, base_url), chosen))


@dataclass(frozen=True)
class Load:
    """What wrk measured, and how busy the machine's CPUs were meanwhile (0 to 1; None where
    /proc/stat cannot tell)."""

    requests: int
    seconds: float
    p50_ms: float
    cpu_busy: float | None = None

    @classmethod
    def of_rounds(cls, rounds: list["Load"]) -> "Load":
        """Several runs as one: every request counted, the median of their medians, and the
        CPUs' business over all of their time."""
        seconds = sum(load.seconds for load in rounds)
        busy = [load.cpu_busy for load in rounds]
        return cls(
            requests=sum(load.requests for load in rounds),
            seconds=seconds,
            p50_ms=statistics.median(load.p50_ms for load in rounds),
            cpu_busy=None
            if None in busy
            else sum(load.cpu_busy * load.seconds for load in rounds) / seconds,
        )

    @property
    def rate(self) -> float:
        return self.requests / self.seconds

    @property
    def cpu_ms(self) -> float | None:
        """The machine's CPU time a request took, all processes counted (milliseconds)."""
        if self.cpu_busy is None:
            return None
        return 1000 * self.cpu_busy * (os.cpu_count() or 1) / self.rate

    @property
    def rate_text(self) -> str:
        return f"{self.rate:,.1f}" if self.rate < 10 else f"{self.rate:,.0f}"

    def __str__(self) -> str:
        return f"p50 {self.p50_ms:.1f} ms · {self.rate_text} req/s"


# wrk's Lua: a request per call, taken in turn from the list the bench wrote, and a summary
# as one JSON line. wrk counts answers of 400 and above as `status` errors.
LUA = """
wrk.method = %(method)s
%(headers)s
local requests = {%(requests)s}
local counter = 0
request = function()
  counter = counter + 1
  local r = requests[(counter - 1) %% #requests + 1]
  return wrk.format(nil, r[1], nil, r[2])
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests": %%d, "duration_us": %%d, "p50_us": %%d, "errors": %%d, "status_errors": %%d}\\n',
    summary.requests, summary.duration, latency:percentile(50),
    e.connect + e.read + e.write + e.timeout, e.status))
end
"""


def lua_string(text: str) -> str:
    """`text` as a Lua string literal: every byte but ASCII letters and digits escaped as
    \\ddd, so that any body reaches the server byte for byte."""
    escaped = (chr(b) if b < 128 and chr(b).isalnum() else f"\\{b:03d}" for b in text.encode())
    return '"' + "".join(escaped) + '"'


def lua_script(requests: list[Request]) -> str:
    first = requests[0]
    headers = {"Accept-Encoding": ACCEPT_ENCODING, **first.headers}
    return LUA % {
        "method": lua_string(first.method),
        "headers": "\n".join(
            f"wrk.headers[{lua_string(name)}] = {lua_string(value)}"
            for name, value in headers.items()
        ),
        "requests": ", ".join(f"{{{lua_string(r.path)}, {lua_string(r.body)}}}" for r in requests),
    }


def cpu_times() -> tuple[int, int] | None:
    """The time the machine's CPUs have spent so far, in all and idle (waiting for the disk
    included), in ticks; None where there is no /proc/stat."""
    try:
        with open("/proc/stat") as stat:
            user, nice, system, idle, iowait, irq, softirq, steal = map(
                int, stat.readline().split()[1:9]
            )
    except (OSError, ValueError):
        return None
    return user + nice + system + idle + iowait + irq + softirq + steal, idle + iowait


def cpu_busy(before: tuple[int, int] | None, after: tuple[int, int] | None) -> float | None:
    """The share of the CPUs' time between two `cpu_times` that was not idle."""
    if before is None or after is None or after[0] == before[0]:
        return None
    return 1 - (after[1] - before[1]) / (after[0] - before[0])


def wrk_missing() -> str:
    return "" if shutil.which("wrk") else "wrk is not installed (apt-get install wrk)"


def wrk_summary(
    base_url: str, requests: list[Request], *, seconds: int, connections: int, workdir: Path
) -> dict:
    """Send `requests` in turn over `connections` connections for `seconds` (all with the
    first one's method and headers); wrk's summary, unchecked."""
    if missing := wrk_missing():
        raise FigureFailed(missing)
    script = workdir / "wrk.lua"
    script.write_text(lua_script(requests))
    command = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--timeout", "60s"]
    result = subprocess.run(
        [*command, "-s", str(script), base_url],
        capture_output=True,
        text=True,
        timeout=seconds + 120,
    )
    summary = next(
        (json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")), None
    )
    if result.returncode != 0 or summary is None:
        raise FigureFailed(f"wrk failed: {(result.stderr or result.stdout).strip()[-200:]}")
    return summary


def wrk(
    base_url: str, requests: list[Request], *, seconds: int, connections: int, workdir: Path
) -> Load:
    """`wrk_summary`, failing the figure on any error answer: an error page is not the page."""
    before = cpu_times()
    summary = wrk_summary(
        base_url, requests, seconds=seconds, connections=connections, workdir=workdir
    )
    busy = cpu_busy(before, cpu_times())
    if summary["status_errors"] or summary["errors"]:
        raise FigureFailed(
            f"{summary['status_errors']} answers of 400 or more and {summary['errors']} "
            f"socket errors in {summary['requests']} requests"
        )
    if not summary["requests"]:
        raise FigureFailed(f"no request finished in {seconds} s")
    return Load(
        requests=summary["requests"],
        seconds=summary["duration_us"] / 1e6,
        p50_ms=summary["p50_us"] / 1000,
        cpu_busy=busy,
    )
