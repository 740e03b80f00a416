"""The demo's request journey with vendor calls off: the seat is recorded, and so is the call
that would have given it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.sandbox.demo_org import person, slack_id
from bot.sandbox.dry_run import VendorCall
from bot.sandbox.local import LocalSlack
from store.tables import jobs
from tests.integration.demo_app import Demo, running_demo
from workflows.commands import Decide, SubmitRequest
from workflows.model import RequestStatus
from workflows.requests import decide, submit_request


@pytest.fixture
def demo(tmp_path: Path, database_url: str) -> Iterator[tuple[Demo, LocalSlack]]:
    with LocalSlack() as slack, running_demo(tmp_path, database_url, slack=slack) as running:
        running.app.worker.drain()  # the seeded history's messages
        yield running, slack
        assert slack.invalid == [], f"Slack refused content: {slack.invalid}"


def approve(demo: Demo, request_id: int, handle: str) -> None:
    step = demo.step(request_id)
    cmd = Decide(request_id=request_id, step_id=step.id or 0, actor=slack_id(handle), approve=True)
    demo.app.runner(decide, cmd)
    demo.app.worker.drain()


def test_a_request_for_a_dry_run_scim_app_gets_its_seat_and_the_vendor_call_is_recorded(
    demo: tuple[Demo, LocalSlack],
) -> None:
    running, slack = demo
    lucas = person("lucas")
    ask = SubmitRequest(
        requester=lucas.slack_user_id, app_key="figma", tier_key="professional", reason="Specs"
    )
    request_id = running.app.runner(submit_request, ask).request_id
    running.app.worker.drain()

    approve(running, request_id, "marcus")  # his manager
    approve(running, request_id, "priya")  # Figma's owner

    with running.app.runner.uow() as uow:
        request = uow.requests.get(request_id)
        seat = uow.seats.active_for(lucas.email, "figma")
    assert request is not None and request.status == RequestStatus.FULFILLED
    assert seat is not None and seat.tier_key == "professional"
    assert running.calls.all() == [
        VendorCall(running.clock.now(), "figma", "assign", lucas.email, "professional")
    ]
    dm = [m["text"] for m in slack.messages(f"D{lucas.slack_user_id[1:]}")]
    assert any("live" in text.lower() for text in dm), dm


def test_a_request_for_a_manual_app_becomes_an_it_task_and_no_vendor_call(
    demo: tuple[Demo, LocalSlack],
) -> None:
    running, slack = demo
    ask = SubmitRequest(
        requester=slack_id("james"), app_key="miro", tier_key="standard", reason="Retros"
    )
    request_id = running.app.runner(submit_request, ask).request_id
    approve(running, request_id, "elena")

    with running.app.runner.uow() as uow:
        request = uow.requests.get(request_id)
    assert request is not None and request.status == RequestStatus.MANUAL_TASK
    assert running.calls.all() == []
    assert any("Miro" in m["text"] for m in slack.messages("C0DEMOIT1"))


def test_the_seeded_history_is_told_in_slack_without_a_job_left_over(
    demo: tuple[Demo, LocalSlack],
) -> None:
    running, slack = demo
    with running.app.engine.connect() as connection:
        statuses = connection.execute(select(jobs.c.status, jobs.c.kind)).all()
    assert statuses and all(status == "done" for status, _ in statuses), statuses
    it = [m["text"] for m in slack.messages("C0DEMOIT1")]
    assert it, "IT was told of Connor's Miro task"
