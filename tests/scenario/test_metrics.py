"""`GET /metrics`: what the app counts of Slack's requests, its Web API calls, vendor calls and
the job queue, read the way Prometheus reads it."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import select

from store import tables
from tests.fakes.slack_requests import url_verification
from tests.scenario.world import ALICE, PEOPLE, World
from tests.scrape import scrape


def test_each_kind_of_slack_request_is_counted_with_its_status_and_time_to_answer(
    world: World,
) -> None:
    assert world.sender.command("/license", "").status_code == 200
    assert world.sender.command("/license", "").status_code == 200
    assert world.sender.send(url_verification("ch4ll3nge")).status_code == 200
    assert world.request(ALICE, "miro:standard").status_code == 200  # a modal's submission
    assert world.sender.command("/license", "", secret="forged").status_code == 401

    metrics = scrape(world.http)

    assert metrics.labelled("seatkeeper_slack_requests_total") == {
        ("command", "200"): 2,  # kind, status
        ("event", "200"): 1,
        ("interaction", "200"): 1,
        ("refused", "401"): 1,
    }
    assert metrics.labelled("seatkeeper_slack_ack_seconds_count") == {
        ("command",): 2,
        ("event",): 1,
        ("interaction",): 1,
        ("refused",): 1,
    }
    assert metrics.value("seatkeeper_slack_ack_seconds_sum", kind="command") > 0
    assert metrics.families["seatkeeper_slack_requests"].documentation


def test_every_web_api_call_is_counted_once_with_its_outcome_429s_too(world: World) -> None:
    world.slack.fail_next("views.open", status=429, retry_after=0)
    world.slack.fail_next("chat.postMessage", status=429, retry_after=0)

    world.sender.command("/license", "")  # a listener calls with Bolt's client for the request
    world.request(ALICE, "miro:standard")
    world.drain()  # jobs call with the worker's client
    metrics = scrape(world.http)

    outcomes = {None: "ok", "ratelimited": "ratelimited"}
    seen = Counter((c.method, outcomes.get(c.error, "error")) for c in world.slack.calls)
    assert metrics.labelled("seatkeeper_slack_api_calls_total") == {
        call: float(n) for call, n in seen.items()
    }
    assert metrics.labelled("seatkeeper_slack_api_ratelimited_total") == {
        ("chat.postMessage",): 1,
        ("views.open",): 1,
    }


def test_vendor_calls_are_counted_by_app_operation_and_outcome(world: World) -> None:
    world.scim_stop()
    world.request(ALICE, "figma:viewer")  # needs no approval: the seat is assigned at once
    world.drain()
    failed = scrape(world.http).labelled("seatkeeper_vendor_calls_total")
    world.scim_restart()
    world.clock.advance(minutes=5)
    world.drain()  # the job's next try

    calls = scrape(world.http).labelled("seatkeeper_vendor_calls_total")

    assert failed == {("figma", "assign", "retryable"): 1}  # app, operation, outcome
    assert calls == {("figma", "assign", "retryable"): 1, ("figma", "assign", "ok"): 1}


def test_the_jobs_gauges_are_read_from_the_database_at_each_scrape(world: World) -> None:
    world.request(ALICE, "miro:standard")
    with world.app.engine.connect() as connection:
        rows = connection.execute(select(tables.jobs.c.status, tables.jobs.c.kind)).all()
    queued = Counter((str(status), kind) for status, kind in rows)
    world.clock.advance(minutes=10)

    metrics = scrape(world.http)

    assert metrics.labelled("seatkeeper_jobs") == {
        (kind, status): float(n) for (status, kind), n in queued.items()
    }
    assert set(metrics.labelled("seatkeeper_jobs_oldest_age_seconds").values()) == {600.0}
    assert set(metrics.labelled("seatkeeper_jobs_overdue_seconds").values()) == {600.0}
    assert metrics.value("seatkeeper_database_up") == 1
    world.drain()
    assert scrape(world.http).labelled("seatkeeper_jobs") == {}


def test_the_metrics_name_nobody(world: World) -> None:
    world.request(ALICE, "figma:professional")
    world.drain()

    text = scrape(world.http).text

    for person in PEOPLE:
        assert person["email"] not in text and person["slack_user_id"] not in text
    assert world.slack.token not in text
