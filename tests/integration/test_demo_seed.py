"""Seeding the demo: a fresh database gets Acme's people, seats and requests through the app's
own verbs, and every pass finds in it something to show."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.sandbox.demo import seed
from bot.sandbox.demo_org import PEOPLE, SEATS, person, slack_id
from tests.database import rows_of
from tests.integration.demo_app import Demo, running_demo
from workflows.alerts import notice_alerts
from workflows.audit import verify_chain
from workflows.commands import BuildDigest, Decide, NoticeAlerts, SubmitRequest
from workflows.digest import build_digest
from workflows.model import CaseStatus, RequestStatus
from workflows.requests import decide, submit_request
from workflows.seats import seats_left

TODAY = dt.date(2026, 11, 23)  # the fake clock's day


@pytest.fixture
def demo(tmp_path: Path, database_url: str) -> Iterator[Demo]:
    with running_demo(tmp_path, database_url) as running:
        yield running


def test_every_app_gets_its_seats_each_used_one_saying_what_its_last_use_is(demo: Demo) -> None:
    with demo.app.runner.uow() as uow:
        held = uow.seats.held()
    per_app = {key: len([s for s in held if s.app_key == key]) for key in SEATS}
    expected = {key: len(seats) for key, seats in SEATS.items()}
    expected["miro"] += 1  # Connor's, granted by a request
    assert per_app == expected
    used = [seat for seat in held if seat.last_active_on is not None]
    assert {seat.activity_source for seat in used} == {"usage report", "last sign-in"}
    assert 3 <= len(held) - len(used) <= 8  # a few without activity data
    assert all(seat.slack_user_id for seat in held)


def test_a_reclaim_pass_would_ask_several_idle_holders_and_tell_one_seat_ends_soon(
    demo: Demo,
) -> None:
    report = demo.app.passes.reclaim.run(dry_run=True)

    asked = {(line.app_key, line.email) for line in report.lines if line.action == "prompt"}
    assert len(asked) >= 8
    assert ("figma", person("ethan").email) in asked
    assert ("adobe-cc", person("samuel").email) in asked
    assert ("figma", person("olivia").email) not in asked  # exempt
    assert not any(app == "1password" for app, _ in asked)  # never reclaimed
    ending = [line for line in report.lines if line.action == "ending"]
    assert [(line.app_key, line.email) for line in ending] == [("miro", person("connor").email)]
    assert report.count("report") >= 2  # no activity data
    with demo.app.runner.uow() as uow:
        assert uow.cases.with_status(*CaseStatus) == []  # a dry run asks nobody


def test_the_full_app_has_no_free_seat_so_an_approved_request_waits_for_one(demo: Demo) -> None:
    with demo.app.runner.uow() as uow:
        assert seats_left("adobe-cc", uow=uow, config=demo.app.config) == 0
    ask = SubmitRequest(
        requester=slack_id("zoe"), app_key="adobe-cc", tier_key="photoshop", reason="Retouching"
    )
    request_id = demo.app.runner(submit_request, ask).request_id
    step = demo.step(request_id)
    assert step.approvers == [slack_id("priya")]
    approve = Decide(
        request_id=request_id, step_id=step.id or 0, actor=slack_id("priya"), approve=True
    )

    decided = demo.app.runner(decide, approve)

    assert decided.status == RequestStatus.WAITLISTED


def test_two_requests_wait_for_approval_and_one_was_granted_until_the_day_after_tomorrow(
    demo: Demo,
) -> None:
    with demo.app.runner.uow() as uow:
        pending = uow.requests.with_status(RequestStatus.PENDING)
        fulfilled = uow.requests.with_status(RequestStatus.FULFILLED)
        connor = uow.seats.active_for(person("connor").email, "miro")
    waiting = {(r.app_key, r.requester): r.current_step() for r in pending}
    assert waiting.keys() == {("figma", slack_id("mateo")), ("jira", slack_id("noah"))}
    figma_step = waiting["figma", slack_id("mateo")]
    assert figma_step is not None and figma_step.rule == "owner"
    assert figma_step.approvers == [slack_id("priya")]
    assert [r.app_key for r in fulfilled] == ["miro"]
    assert connor is not None and connor.end_date == TODAY + dt.timedelta(days=2)


def test_only_zoom_is_due_a_notice_alert_and_the_digest_lists_four_renewals(demo: Demo) -> None:
    runner = demo.app.runner
    assert runner.rehearse(notice_alerts, NoticeAlerts()) == [("zoom", 14)]
    digest = runner.rehearse(build_digest, BuildDigest())
    assert sorted(r.app_key for r in digest.renewals) == ["figma", "jira", "notion", "zoom"]
    assert len(digest.approvals) == 2 and digest.total_overspend > 0


def test_a_sync_over_the_demo_keeps_every_seat_and_everyone(demo: Demo) -> None:
    before = rows_of(demo.app.engine)

    report = demo.app.passes.sync.run()

    assert sorted(report.skipped) == sorted(SEATS)
    assert not report.changed and report.people.error is None
    assert rows_of(demo.app.engine)["seats"] == before["seats"]


def test_the_seeded_history_happened_in_order_before_today_and_its_audit_chain_holds(
    demo: Demo,
) -> None:
    with demo.app.runner.uow() as uow:
        events = uow.audit.all()
    times = [event.at for event in events]
    assert times == sorted(times)
    assert times[-1] < dt.datetime.combine(TODAY, dt.time(), tzinfo=dt.UTC)
    assert verify_chain(events) is None


def test_seeding_a_fresh_database_fills_it_and_a_seeded_one_is_left_as_it_is(
    tmp_path: Path, database_url: str
) -> None:
    with running_demo(tmp_path, database_url, seeded=False) as demo:
        seed(demo.app.runner, TODAY)
        seeded = rows_of(demo.app.engine)
        seed(demo.app.runner, TODAY)
        assert rows_of(demo.app.engine) == seeded
    assert len(seeded["people"]) == len(PEOPLE)
