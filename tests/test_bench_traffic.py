"""The bench's sums of what wrk measured: several rounds as one, and how busy the CPUs were."""

import pytest

from bench.traffic import Load, cpu_busy, cpu_times


def test_the_cpus_business_is_the_share_of_their_time_not_idle():
    assert cpu_busy((1000, 400), (1400, 500)) == pytest.approx(0.75)
    assert cpu_busy(None, (1400, 500)) is None
    assert cpu_busy((1000, 400), (1000, 400)) is None  # no time passed: nothing to tell


def test_the_machine_s_cpu_times_grow():
    before = cpu_times()
    if before is None:
        pytest.skip("no /proc/stat here")
    sum(range(200_000))
    after = cpu_times()
    assert after[0] >= before[0] and after[1] >= before[1]
    assert 0 <= (cpu_busy(before, after) or 0) <= 1


def test_rounds_count_every_request_and_weigh_business_by_time():
    rounds = [
        Load(requests=100, seconds=1.0, p50_ms=5.0, cpu_busy=0.5),
        Load(requests=300, seconds=3.0, p50_ms=7.0, cpu_busy=1.0),
        Load(requests=200, seconds=2.0, p50_ms=6.0, cpu_busy=0.8),
    ]

    load = Load.of_rounds(rounds)

    assert (load.requests, load.seconds, load.p50_ms) == (600, 6.0, 6.0)
    assert load.rate == 100
    assert load.cpu_busy == pytest.approx((0.5 + 3.0 + 1.6) / 6)
    assert Load.of_rounds([*rounds, Load(requests=1, seconds=1.0, p50_ms=1.0)]).cpu_busy is None


def test_a_request_s_cpu_time_counts_every_cpu(monkeypatch):
    monkeypatch.setattr("bench.traffic.os.cpu_count", lambda: 2)
    load = Load(requests=300, seconds=2.0, p50_ms=5.0, cpu_busy=0.75)  # 150/s

    assert load.cpu_ms == pytest.approx(10.0)  # 1.5 CPUs' time shared by 150 requests
    assert Load(requests=1, seconds=1.0, p50_ms=1.0).cpu_ms is None
