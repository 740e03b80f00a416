"""The worker's lanes are woken only by commits that queued a kind they take."""

from __future__ import annotations

from bot.jobs.worker import LANES
from bot.runtime.wake import JobWake
from workflows import jobs

SLACK, VENDOR = LANES
VENDOR_KIND = sorted(jobs.VENDOR_KINDS)[0]


def test_each_lane_takes_its_own_kinds() -> None:
    assert SLACK.takes(jobs.REQUESTER_UPDATE) and not VENDOR.takes(jobs.REQUESTER_UPDATE)
    assert VENDOR.takes(VENDOR_KIND) and not SLACK.takes(VENDOR_KIND)


def test_a_commit_wakes_only_the_lanes_that_take_what_it_queued() -> None:
    wake = JobWake()
    slack, vendor = wake.subscribe(SLACK.takes), wake.subscribe(VENDOR.takes)

    wake.committed(frozenset({jobs.REQUESTER_UPDATE, jobs.IT_TASK}))
    assert slack.is_set() and not vendor.is_set()

    slack.clear()
    wake.committed(frozenset({VENDOR_KIND}))
    assert vendor.is_set() and not slack.is_set()


def test_a_commit_that_queued_nothing_wakes_nobody_and_a_stop_wakes_everyone() -> None:
    wake = JobWake()
    slack, vendor = wake.subscribe(SLACK.takes), wake.subscribe(VENDOR.takes)

    wake.committed(frozenset())
    assert not slack.is_set() and not vendor.is_set()

    wake.all()
    assert slack.is_set() and vendor.is_set()


def test_an_unsubscribed_thread_is_not_woken_any_more() -> None:
    wake = JobWake()
    slack = wake.subscribe(SLACK.takes)
    wake.unsubscribe(slack)

    wake.all()
    assert not slack.is_set()
