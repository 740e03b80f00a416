"""The Slack events benchmark shows failed requests in its figures and never calls them OK."""

from __future__ import annotations

import argparse
import dataclasses
from typing import Any

import pytest

from bench.slack_events import Result, report, verdict

ARGS = argparse.Namespace(requests=10, concurrency=2, probe_interval=0.02, time_cap=20.0)
FAILED = "FAILED: requests failed, so the figures show nothing"


def measured(name: str, healthz: float, **figures: Any) -> Result:
    """A variant whose 10 events and probes all succeeded, unless `figures` say otherwise."""
    result = Result(name, sent=10, wall=1.0, event_latencies=[0.02] * 10, published=10)
    return dataclasses.replace(result, probe_latencies=[healthz] * 10, **figures)


def test_a_run_whose_slack_calls_failed_shows_them_and_is_not_ok(
    capsys: pytest.CaptureFixture[str],
) -> None:
    broken = "the local stand-in failed: ValueError: no schema"
    results = [
        measured("ours", 0.001, published=0, slack_errors=10, first_slack_error=broken),
        measured("baseline", 0.1),
    ]

    found = report(results, ARGS)

    out = capsys.readouterr().out
    assert "verdict: OK" not in out
    rows = [line.split() for line in out.splitlines() if line.startswith("ours")]
    assert [row[-2:] for row in rows] == [["0/0/10", "0"]]
    assert found == (
        f"{FAILED} (ours: 10 Slack calls refused or failed, 10 events without their Home view);"
        f" the fake Slack's first error: {broken}"
    )


def test_events_answered_without_their_home_view_are_a_failure_too() -> None:
    results = [measured("ours", 0.001, published=7), measured("baseline", 0.1)]

    assert verdict(results) == f"{FAILED} (ours: 3 events without their Home view)"


def test_a_run_where_everything_succeeded_and_our_loop_stayed_free_is_ok() -> None:
    results = [measured("ours", 0.001), measured("baseline", 0.1)]

    assert verdict(results).startswith("OK: under the same load /healthz p95 is 1.0 ms")
