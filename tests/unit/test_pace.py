"""The pacer spaces calls from any number of threads at least 1/per_second apart."""

from __future__ import annotations

import math
import sys
import threading
import time

import pytest

from bot.runtime.pace import Pacer


class FakeTime:
    """A clock that only sleeping moves; each sleep is recorded."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds

    def pacer(self, per_second: float) -> Pacer:
        return Pacer(per_second, clock=self.clock, sleep=self.sleep)


def test_the_first_call_goes_at_once() -> None:
    fake = FakeTime()

    fake.pacer(1).wait()

    assert fake.slept == []


def test_calls_in_a_row_are_spaced_one_over_the_rate_apart() -> None:
    fake = FakeTime()
    pacer = fake.pacer(4)
    started = []

    for _ in range(5):
        pacer.wait()
        started.append(fake.now - 1000.0)

    assert started == [0.0, 0.25, 0.5, 0.75, 1.0]


def test_a_caller_partway_through_the_gap_waits_only_the_rest_of_it() -> None:
    fake = FakeTime()
    pacer = fake.pacer(1)
    pacer.wait()

    fake.now += 0.4
    pacer.wait()

    assert fake.slept == [pytest.approx(0.6)]


def test_a_quiet_spell_saves_up_no_burst_of_calls() -> None:
    fake = FakeTime()
    pacer = fake.pacer(2)
    pacer.wait()

    fake.now += 60
    pacer.wait()  # long after the last turn: at once
    pacer.wait()  # but the one right after it is spaced as ever

    assert fake.slept == [0.5]


@pytest.mark.parametrize("rate", [0, -1, math.nan])
def test_a_rate_of_zero_or_less_is_refused(rate: float) -> None:
    with pytest.raises(ValueError, match="more than 0 calls a second"):
        Pacer(rate)


def test_threads_calling_at_once_each_get_their_own_turn() -> None:
    slept: list[float] = []
    lock = threading.Lock()

    def clock() -> float:
        time.sleep(0)  # give other threads every chance to read the same turn
        return 0.0  # time stands still: each turn is how long its caller sleeps

    def sleep(seconds: float) -> None:
        with lock:
            slept.append(seconds)

    pacer = Pacer(10, clock=clock, sleep=sleep)
    start = threading.Barrier(8)

    def caller() -> None:
        start.wait()
        for _ in range(1000):
            pacer.wait()

    threads = [threading.Thread(target=caller) for _ in range(8)]
    switching = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # threads swap as often as they can, between any two steps
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        sys.setswitchinterval(switching)

    assert sorted(slept) == pytest.approx([turn / 10 for turn in range(1, 8000)])


def test_the_default_clock_and_sleep_pace_real_calls() -> None:
    pacer = Pacer(50)  # 20 ms apart
    started = time.monotonic()

    for _ in range(3):
        pacer.wait()

    assert time.monotonic() - started >= 0.04
