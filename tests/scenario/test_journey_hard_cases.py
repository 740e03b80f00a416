"""Hard cases of the request → approval → seat journey: slow vendors, racing replicas,
unreachable approvers, stuck jobs, the waitlist's order, and Slack's 3-second window."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

import pytest
from sqlalchemy import update

from bot.jobs.worker import Worker
from messages import ids
from store.tables import people, seats
from tests.database import POSTGRES_URL
from tests.fakes.slack_requests import app_home_opened
from tests.scenario.world import (
    ADMIN,
    ALICE,
    APPROVALS_CHANNEL,
    DANA,
    FIONA,
    MALLORY,
    World,
    running_world,
)
from workflows.commands import Tick
from workflows.model import RequestStatus, StepStatus
from workflows.ports import Assignee
from workflows.reminders import tick

NEWCOMER = "U0NEWBIE1"


# --- helpers ------------------------------------------------------------------------------


def _request_status(world: World, request_id: int) -> RequestStatus:
    with world.app.runner.uow() as uow:
        request = uow.requests.get(request_id)
        assert request is not None
        return request.status


def _run_for(world: World, *, minutes: int, step: int = 1) -> None:
    """Let the worker run while the clock moves on, `step` minutes at a time."""
    for _ in range(0, minutes, step):
        world.drain()
        world.clock.advance(minutes=step)
    world.drain()


class _Wrapped:
    """A connector that delegates to the real one; subclasses change `assign`."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.manual = inner.manual
        self.assigned: list[str] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


# --- 1. the job worker: leases ------------------------------------------------------------


def test_a_vendor_call_longer_than_the_job_lease_is_not_made_twice_by_another_replica(
    database_url: str,
) -> None:
    with running_world(database_url, lease_seconds=3) as world:
        _a_slow_vendor_call_beside_another_replica(world)


def _a_slow_vendor_call_beside_another_replica(world: World) -> None:
    other_replica = Worker(world.app.runner, world.app.effects.handlers())

    class SlowVendor(_Wrapped):
        def assign(self, who: Assignee, tier: str) -> None:
            self.assigned.append(who.email)
            if len(self.assigned) == 1:
                world.clock.advance(minutes=6)  # the vendor is slow to answer, far past
                time.sleep(1.5)  # the 3 s lease, while the heartbeat renews it (every 1 s) ...
                other_replica.run_once()  # ... and meanwhile another replica polls for jobs
            self.inner.assign(who, tier)

    vendor = SlowVendor(world.app.effects.provisioning.connectors["figma"])
    world.app.effects.provisioning.connectors = {
        **world.app.effects.provisioning.connectors,
        "figma": vendor,
    }

    world.request(ALICE, "figma:professional")
    world.drain()
    world.approve_latest(DANA)
    world.click(FIONA, world.approvals_for(FIONA)[-1], ids.STEP_APPROVE)  # final approval
    crashed: list[Exception] = []
    try:
        world.drain()  # runs the vendor call
    except Exception as exc:  # the first worker finishing a job the other one already finished
        crashed.append(exc)

    assert crashed == [], "the worker finishing a job another worker already finished"
    assert vendor.assigned == ["alice@acme.test"], "one vendor call per approved request"


# --- 2. escalation never reaches the admins when one approver cannot be messaged ----------


def test_an_escalation_reaches_the_admins_when_the_original_approver_cannot_be_messaged(
    world: World,
) -> None:
    world.slack.add_user(DANA, "dana@acme.test", "Dana Diaz", deleted=True)  # left; still manager
    world.request(ALICE, "miro:standard")
    world.drain()
    world.clock.advance(hours=49)
    report = world.app.passes.reminders()
    assert report.escalated == [1]

    _run_for(world, minutes=180, step=10)

    assert world.approvals_for(ADMIN), "the admins get Approve/Deny once the step escalates"


# --- 3. the reminder pass overwrites a decision taken while it runs (PostgreSQL) ----------


@pytest.mark.skipif(not POSTGRES_URL, reason="needs SEATKEEPER_TEST_DATABASE_URL (PostgreSQL)")
def test_an_approval_committed_while_the_reminder_pass_runs_is_not_overwritten(
    world: World,
) -> None:
    world.request(ALICE, "figma:professional")
    world.drain()
    world.clock.advance(hours=49)  # step 1 is due for escalation
    message = world.approvals_for(DANA)[-1]

    with world.app.runner.uow() as uow:
        # The pass has read what is pending (and holds on to it, as tick does) ...
        pending = uow.requests.with_status(RequestStatus.PENDING)
        world.click(DANA, message, ids.STEP_APPROVE)  # ... when Dana's approval commits.
        report = tick(Tick(), uow=uow, config=world.app.config, clock=world.clock)
        uow.commit()
    assert [r.id for r in pending] == [1]

    with world.app.runner.uow() as uow:
        request = uow.requests.get(1)
        assert request is not None
        assert request.steps[0].status == StepStatus.APPROVED, "Dana's decision stands"
        assert request.current_step() is request.steps[1]
    assert report.escalated == [], "nothing was left to escalate"
    _run_for(world, minutes=90, step=10)
    assert world.approvals_for(FIONA), "the owner is asked for the second step"


# --- 4. the job worker: one failing Slack call holds up the whole request -----------------


def test_a_stale_approval_message_that_cannot_be_updated_does_not_hold_up_the_next_approver(
    world: World,
) -> None:
    world.request(ALICE, "figma:professional")  # manager (Dana), then owner (Fiona)
    world.drain()
    for _ in range(8):  # Dana's approval message is gone (deleted by a workspace admin)
        world.slack.fail_next("chat.update", error="message_not_found")
    world.approve_latest(DANA)

    _run_for(world, minutes=10)

    assert world.approvals_for(FIONA), "Fiona is asked within minutes of Dana's approval"


# --- 5. a request that leaves the happy path for a non-connector error is stranded --------


def test_a_provisioning_job_that_dies_still_leaves_it_an_it_task(world: World) -> None:
    class BrokenVendor(_Wrapped):
        def assign(self, who: Assignee, tier: str) -> None:
            self.assigned.append(who.email)
            raise KeyError("id")  # e.g. a vendor answer missing a field the connector expects

    vendor = BrokenVendor(world.app.effects.provisioning.connectors["figma"])
    world.app.effects.provisioning.connectors = {
        **world.app.effects.provisioning.connectors,
        "figma": vendor,
    }
    world.request(ALICE, "figma:viewer")
    for _ in range(10):
        world.drain()
        world.clock.advance(hours=2)

    assert len(vendor.assigned) == 8, "the job was tried until it gave up"
    assert _request_status(world, 1) == RequestStatus.MANUAL_TASK
    assert len(world.it_tasks()) == 1


# --- 6. slow Web API calls made before Slack gets its acknowledgement ---------------------


def test_approving_from_the_app_home_refreshes_it_after_the_ack_not_before(
    world: World,
) -> None:
    world.request(ALICE, "miro:standard")
    world.drain()
    world.as_user(DANA).send(app_home_opened(DANA))
    home = world.slack.home_view(DANA)
    assert home is not None
    value = world.button(home, ids.STEP_APPROVE)
    assert value is not None
    published = len(world.slack.calls_to("views.publish"))

    response = world.as_user(DANA).click(
        ids.STEP_APPROVE, value, container={"type": "view", "view_id": home["id"]}
    )

    assert response.status_code == 200
    assert len(world.slack.calls_to("views.publish")) == published  # nothing before the ack
    world.drain()
    assert len(world.slack.calls_to("views.publish")) == published + 1
    assert world.button(world.slack.home_view(DANA) or {}, ids.STEP_APPROVE) is None


def test_a_newcomers_request_does_not_wait_out_a_slack_rate_limit_before_the_ack(
    world: World,
) -> None:
    world.slack.add_user(NEWCOMER, "newbie@acme.test", "Nina Newbie")  # not imported yet
    world.slack.fail_next("users.info", status=429, retry_after=30)

    response = world.request(NEWCOMER, "miro:standard")

    assert response.status_code == 200
    assert response.json()["response_action"] == "errors"  # "press Request again", at once
    assert len(world.slack.calls_to("users.info")) == 1  # no retry while Slack waits
    assert world.audit() == []


# --- 7. the waitlist is jumped by the next approval ---------------------------------------


def test_a_freed_seat_goes_to_the_first_person_waiting_not_to_the_next_approval(
    one_seat_world: World,
) -> None:
    world = one_seat_world
    world.request(ALICE, "miro:standard")
    world.drain()
    world.approve_latest(DANA)
    world.click(ADMIN, world.it_tasks()[0], ids.TASK_DONE)  # Alice holds the only seat
    world.drain()
    world.request(MALLORY, "miro:standard")  # no manager: the admins approve
    world.drain()
    world.approve_latest(ADMIN)
    assert _request_status(world, 2) == RequestStatus.WAITLISTED

    with world.app.engine.begin() as connection:  # Alice's seat is freed (as a reclaim would)
        connection.execute(update(seats).values(status="revoked"))
    world.request(DANA, "miro:standard")  # approved before the next reminder pass runs
    world.drain()
    world.approve_latest(ADMIN)

    assert _request_status(world, 2) != RequestStatus.WAITLISTED, "Mallory waited first"
    assert _request_status(world, 3) == RequestStatus.WAITLISTED


# --- 8. a refusal to a slash command in a channel the bot is not in is never seen ---------


def test_a_refused_slash_command_in_a_channel_without_the_bot_still_answers_the_user(
    world: World,
) -> None:
    world.slack.fail_next("chat.postEphemeral", error="channel_not_found")

    response = world.sender.command("/license", "request photoshop", channel_id="C0GENERAL1")

    told = "photoshop" in response.text or any(
        "photoshop" in (e["text"] or "") for e in world.slack.ephemerals
    )
    assert response.status_code == 200
    assert told, "the person who typed the command hears why nothing opened"


# --- 9. approvals-channel reminders do not reach the approver -----------------------------


def test_a_reminder_in_the_approvals_channel_mentions_the_approver(
    channel_world: World,
) -> None:
    world = channel_world
    world.request(ALICE, "figma:professional")
    world.drain()
    world.clock.advance(hours=25)
    world.app.passes.reminders()
    world.drain()

    reminders = [
        m for m in world.slack.messages(APPROVALS_CHANNEL) if "Reminder" in (m["text"] or "")
    ]
    assert len(reminders) == 1
    assert f"<@{DANA}>" in reminders[0]["text"]


# --- 10. an owner who has left is still asked ---------------------------------------------


def test_an_app_owner_who_has_left_is_replaced_by_the_admins(world: World) -> None:
    with world.app.engine.begin() as connection:
        connection.execute(
            update(people).where(people.c.slack_user_id == FIONA).values(active=False)
        )
    world.request(ALICE, "figma:professional")
    world.drain()
    world.approve_latest(DANA)

    assert not world.approvals_for(FIONA)
    assert world.approvals_for(ADMIN)


# --- 11. the end date is checked against the UTC date, not the requester's ----------------


def test_tomorrow_is_a_valid_end_date_for_a_requester_west_of_utc(world: World) -> None:
    world.slack.add_user(ALICE, "alice@acme.test", "Alice Archer", tz="America/Los_Angeles")
    world.clock.current = dt.datetime(2026, 11, 24, 2, 0, tzinfo=dt.UTC)  # 18:00 on 23 Nov in LA

    response = world.request(ALICE, "figma:professional", end_date="2026-11-24")

    assert response.status_code == 200
    assert response.text == "", response.text


# --- 12. a request for the seat one already holds goes through the whole chain ------------


def test_requesting_the_tier_one_already_holds_is_refused_inline(world: World) -> None:
    world.request(ALICE, "miro:standard")
    world.drain()
    world.approve_latest(DANA)
    world.click(ADMIN, world.it_tasks()[0], ids.TASK_DONE)
    world.drain()
    assert _request_status(world, 1) == RequestStatus.FULFILLED  # Alice holds Miro Standard

    response = world.request(ALICE, "miro:standard")

    assert response.status_code == 200
    assert '"response_action": "errors"' in response.text, "accepted: a second approval chain"
