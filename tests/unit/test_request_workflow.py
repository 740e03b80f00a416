"""Journey 1 driven through its verbs with an in-memory unit of work and a hand-moved clock.

Assertions look at what the outside world will see: the jobs queued (kind and payload), the
audit trail, and the statuses people are shown.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, TypeVar

import pytest

from connectors.registry import REGISTRY
from tests.fakes.clock import FakeClock
from tests.fakes.uow import FakeIntegrityError, FakeUnitOfWork
from workflows import jobs
from workflows.audit import event_hash, verify_chain
from workflows.catalog import Config
from workflows.commands import (
    CancelRequest,
    CompleteTask,
    Decide,
    HandProvisioningToIt,
    RecordProvisioned,
    SubmitRequest,
    Tick,
)
from workflows.errors import NotFound, Refused
from workflows.model import (
    ApprovalStep,
    Job,
    JobStatus,
    Person,
    Request,
    RequestStatus,
    Seat,
    SeatStatus,
    StepStatus,
    Task,
    TaskStatus,
)
from workflows.ports import Verb
from workflows.reminders import TickReport, tick
from workflows.requests import (
    RequestCancelled,
    StepDecided,
    cancel_request,
    decide,
    resolve_approvers,
    submit_request,
)
from workflows.seats import (
    promote_waitlist,
    provisioned,
    provisioning_failed,
)
from workflows.tasks import TaskCompleted, complete_task

C, R = TypeVar("C"), TypeVar("R")
ALICE, BOB, CAROL, DANA = "U0ALICE01", "U0BOB0001", "U0CAROL01", "U0DANA001"
ERIN, FIONA, MALLORY, ADMIN, ADMIN2 = (
    "U0ERIN001",
    "U0FIONA01",
    "U0MALLRY1",
    "U0ADMIN01",
    "U0ADMIN02",
)
GUS, HAL, IVY, JO, STRANGER = "U0GUS0001", "U0HAL0001", "U0IVY0001", "U0JO00001", "U0STRANGR"
ADMINS = [ADMIN, ADMIN2]
SYSTEM = "seatkeeper"


def directory() -> list[Person]:
    """Alice and Bob report to Dana, Erin to Fiona (Figma's owner); Carol has no manager."""
    return [
        Person("alice@acme.test", "Alice", ALICE, manager_email="dana@acme.test"),
        Person("bob@acme.test", "Bob", BOB, manager_email="dana@acme.test"),
        Person("carol@acme.test", "Carol", CAROL),
        Person("dana@acme.test", "Dana", DANA),
        Person("erin@acme.test", "Erin", ERIN, manager_email="fiona@acme.test"),
        Person("fiona@acme.test", "Fiona", FIONA),
        Person("mallory@acme.test", "Mallory", MALLORY),
        Person("admin@acme.test", "Ada", ADMIN),
        Person("admin2@acme.test", "Abe", ADMIN2),
        Person("gus@acme.test", "Gus", GUS, manager_email="gone@acme.test"),
        Person("gone@acme.test", "Gone", "U0GONE001", active=False),
        Person("hal@acme.test", "Hal", HAL, manager_email="nobody@acme.test"),
        Person("ivy@acme.test", "Ivy", IVY, manager_email="noslack@acme.test"),
        Person("noslack@acme.test", "No Slack"),
        Person("jo@acme.test", "Jo", JO, manager_email="Dana@ACME.test"),
    ]


def make_config(
    *, admins: list[str] | None = None, seats: int | None = 50, editor: list[str] | None = None
) -> Config:
    """Figma (SCIM): professional needs manager then owner, viewer nothing, editor the default
    chain (manager); professional and viewer are paid, so they use the contract's seats. Miro
    is set up by hand, Lucid from a CSV; both need no approval."""
    editor_tier: dict[str, Any] = {"key": "editor", "name": "Editor"}
    if editor is not None:
        editor_tier["approval"] = editor
    return REGISTRY.config_model.model_validate(
        {
            "slack": {"it_channel": "C0ITOPS01"},
            "admins": ADMINS if admins is None else admins,
            "defaults": {
                "approval": ["manager"],
                "reminder_hours": 24,
                "escalate_hours": 48,
                "expire_days": 7,
            },
            "apps": [
                {
                    "key": "figma",
                    "name": "Figma",
                    "owner": FIONA,
                    "connector": {
                        "type": "scim",
                        "base_url": "https://scim.figma.test/v2",
                        "token_env": "FIGMA_SCIM_TOKEN",
                    },
                    "tiers": [
                        {
                            "key": "professional",
                            "name": "Professional",
                            "monthly_price": 15,
                            "approval": ["manager", "owner"],
                        },
                        {
                            "key": "viewer",
                            "name": "Viewer",
                            "monthly_price": 3,
                            "approval": [],
                        },
                        editor_tier,
                    ],
                    "contract": {"seats": seats},
                },
                {
                    "key": "miro",
                    "name": "Miro",
                    "connector": {"type": "manual"},
                    "tiers": [{"key": "team", "name": "Team", "approval": []}],
                },
                {
                    "key": "lucid",
                    "name": "Lucid",
                    "connector": {"type": "csv"},
                    "tiers": [{"key": "basic", "name": "Basic", "approval": []}],
                },
            ],
        }
    )


@dataclass
class Desk:
    """The verbs bound to one unit of work, config and clock, plus ways to look at the result."""

    uow: FakeUnitOfWork = field(default_factory=lambda: FakeUnitOfWork(directory()))
    config: Config = field(default_factory=make_config)
    clock: FakeClock = field(default_factory=FakeClock)

    def run(self, verb: Verb[C, R], cmd: C) -> R:
        """Run `verb` in the desk's unit of work, as the runner would (without committing)."""
        return verb(cmd, uow=self.uow, config=self.config, clock=self.clock)

    def submit(
        self,
        requester: str = ALICE,
        app: str = "figma",
        tier: str = "professional",
        *,
        end_date: dt.date | None = None,
    ) -> Request:
        cmd = SubmitRequest(
            requester=requester, app_key=app, tier_key=tier, reason="Design work", end_date=end_date
        )
        done = self.run(submit_request, cmd)
        return self.request(done.request_id)

    def decide(
        self,
        request: Request,
        actor: str,
        *,
        approve: bool = True,
        reason: str | None = None,
        step: ApprovalStep | None = None,
    ) -> StepDecided:
        step = step or request.current_step() or request.steps[0]
        cmd = Decide(
            request_id=request.id or 0,
            step_id=step.id or 0,
            actor=actor,
            approve=approve,
            reason=reason,
        )
        return self.run(decide, cmd)

    def approve_all(self, request: Request, *approvers: str) -> None:
        for approver in approvers:
            self.decide(request, approver)

    def cancel(self, request: Request, actor: str = ALICE) -> RequestCancelled:
        cmd = CancelRequest(request_id=request.id or 0, actor=actor)
        return self.run(cancel_request, cmd)

    def complete(self, task: Task, actor: str = ADMIN) -> TaskCompleted:
        cmd = CompleteTask(task_id=task.id or 0, actor=actor)
        return self.run(complete_task, cmd)

    def tick(self) -> TickReport:
        return self.run(tick, Tick())

    def promote(self, app: str = "figma") -> int:
        return promote_waitlist(app, uow=self.uow, config=self.config, clock=self.clock)

    def request(self, request_id: int) -> Request:
        found = self.uow.requests.get(request_id)
        assert found is not None
        return found

    def give_seat(self, email: str, tier: str = "viewer", app: str = "figma") -> Seat:
        seat = Seat(app_key=app, tier_key=tier, email=email)
        self.uow.seats.add(seat)
        return seat

    def jobs(self, kind: str) -> list[Job]:
        return self.uow.all_jobs(kind)

    def payloads(self, kind: str) -> list[dict[str, Any]]:
        return [job.payload for job in self.jobs(kind)]

    def updates(self, request: Request) -> list[str]:
        """The events the requester is told about, in order."""
        return [
            p["event"]
            for p in self.payloads(jobs.REQUESTER_UPDATE)
            if p["request_id"] == request.id
        ]

    def update(self, request: Request, event: str) -> dict[str, Any]:
        return next(
            p
            for p in self.payloads(jobs.REQUESTER_UPDATE)
            if p["request_id"] == request.id and p["event"] == event
        )

    def asks_for(self, step: ApprovalStep) -> list[dict[str, Any]]:
        return [p for p in self.payloads(jobs.APPROVERS_ASK) if p["step_id"] == step.id]

    def trail(self) -> list[tuple[str, str, str]]:
        return [(e.actor, e.action, e.subject) for e in self.uow.audit.all()]

    def counts(self) -> tuple[int, int]:
        """How many jobs and audit events exist: a no-op leaves both alone."""
        return len(self.uow.all_jobs()), len(self.uow.audit.all())


@pytest.fixture
def desk() -> Desk:
    return Desk()


def subject(request: Request) -> str:
    return f"request:{request.id}"


# Submitting and the approval chain


def test_an_empty_chain_approves_at_once_and_queues_a_provision_job_for_a_scim_app(
    desk: Desk,
) -> None:
    request = desk.submit(CAROL, "figma", "viewer")

    assert request.status == RequestStatus.PROVISIONING
    assert request.approved_at == desk.clock.now()
    assert desk.payloads(jobs.PROVISION) == [{"request_id": request.id}]
    assert desk.updates(request) == ["submitted", "provisioning"]
    assert desk.jobs(jobs.APPROVERS_ASK) == []
    assert desk.jobs(jobs.IT_TASK) == []
    assert desk.trail() == [
        (CAROL, "request.submitted", subject(request)),
        (SYSTEM, "request.approved", subject(request)),
    ]
    assert desk.uow.locked_apps == ["figma"]


@pytest.mark.parametrize(
    ("app", "tier", "what"), [("miro", "team", "Miro Team"), ("lucid", "basic", "Lucid Basic")]
)
def test_an_empty_chain_on_an_app_set_up_by_hand_opens_an_it_task(
    desk: Desk, app: str, tier: str, what: str
) -> None:
    request = desk.submit(CAROL, app, tier)

    assert request.status == RequestStatus.MANUAL_TASK
    [task] = desk.uow.tasks.open_tasks()
    assert (task.request_id, task.kind) == (request.id, "provision")
    assert task.summary == f"Give <@{CAROL}> a {what} seat"
    assert task.why == f"{what.split()[0]} is set up by hand"
    assert desk.payloads(jobs.IT_TASK) == [{"task_id": task.id}]
    assert desk.jobs(jobs.PROVISION) == []
    assert desk.updates(request) == ["submitted", "manual_task"]
    assert desk.trail()[-1] == (SYSTEM, "task.opened", subject(request))
    assert desk.uow.audit.all()[-1].data == {"task": task.id, "why": task.why}


def test_the_manager_step_asks_the_requesters_manager_from_the_directory(desk: Desk) -> None:
    request = desk.submit(ALICE)

    manager, owner = request.steps
    assert request.status == RequestStatus.PENDING
    assert (manager.rule, manager.status, manager.approvers) == (
        "manager",
        StepStatus.WAITING,
        [DANA],
    )
    assert manager.started_at == desk.clock.now()
    assert (owner.rule, owner.status, owner.approvers) == ("owner", StepStatus.UPCOMING, [])
    assert desk.payloads(jobs.APPROVERS_ASK) == [{"request_id": request.id, "step_id": manager.id}]
    assert desk.updates(request) == ["submitted"]
    assert request.expires_at == desk.clock.now() + dt.timedelta(days=7)
    assert desk.trail() == [(ALICE, "request.submitted", subject(request))]
    assert desk.uow.audit.all()[0].data == {
        "app": "figma",
        "tier": "professional",
        "chain": ["manager", "owner"],
    }
    assert desk.uow.requests.waiting_on(DANA) == [request]


def test_the_manager_is_found_by_email_whatever_its_case(desk: Desk) -> None:
    request = desk.submit(JO, "figma", "editor")

    assert request.steps[0].approvers == [DANA]


@pytest.mark.parametrize(
    "requester",
    [
        pytest.param(CAROL, id="no manager"),
        pytest.param(HAL, id="manager not in the directory"),
        pytest.param(GUS, id="manager no longer active"),
        pytest.param(IVY, id="manager without a Slack id"),
        pytest.param(STRANGER, id="requester not in the directory"),
    ],
)
def test_the_manager_step_falls_back_to_the_admins_when_there_is_no_manager(
    desk: Desk, requester: str
) -> None:
    request = desk.submit(requester, "figma", "editor")

    step = request.steps[0]
    assert (step.status, step.approvers) == (StepStatus.WAITING, ADMINS)
    assert desk.payloads(jobs.APPROVERS_ASK) == [{"request_id": request.id, "step_id": step.id}]


def test_a_step_that_resolves_to_the_requester_goes_to_the_admins(desk: Desk) -> None:
    desk.config = make_config(editor=["owner"])

    request = desk.submit(FIONA, "figma", "editor")

    assert request.steps[0].approvers == ADMINS


def test_a_step_that_resolves_to_an_admin_requester_goes_to_the_other_admins(desk: Desk) -> None:
    desk.config = make_config(editor=[ADMIN])

    request = desk.submit(ADMIN, "figma", "editor")

    assert request.steps[0].approvers == [ADMIN2]


@pytest.mark.parametrize(
    ("rule", "requester", "expected"),
    [
        ("manager", ALICE, [DANA]),
        ("owner", ALICE, [FIONA]),
        ("owner", FIONA, ADMINS),
        ("admins", ALICE, ADMINS),
        ("admins", ADMIN, [ADMIN2]),
        (MALLORY, ALICE, [MALLORY]),
        (ALICE, ALICE, ADMINS),
        ("manager", CAROL, ADMINS),
    ],
)
def test_resolve_approvers_never_names_the_requester(
    desk: Desk, rule: str, requester: str, expected: list[str]
) -> None:
    now = desk.clock.now()
    request = Request(requester, "figma", "editor", "why", created_at=now, expires_at=now)

    found = resolve_approvers(rule, request, uow=desk.uow, config=desk.config)

    assert found == expected


def test_resolve_approvers_names_nobody_when_there_are_no_admins_to_fall_back_on(
    desk: Desk,
) -> None:
    now = desk.clock.now()
    request = Request(CAROL, "figma", "editor", "why", created_at=now, expires_at=now)

    config = make_config(admins=[])

    assert resolve_approvers("manager", request, uow=desk.uow, config=config) == []


def test_a_step_nobody_can_decide_is_reported_to_it(desk: Desk) -> None:
    desk.config = make_config(admins=[])

    request = desk.submit(CAROL, "figma", "editor")

    step = request.steps[0]
    assert (step.status, step.approvers) == (StepStatus.WAITING, [])
    assert desk.payloads(jobs.IT_NOTICE) == [{"event": "no_approver", "request_id": request.id}]


def test_a_step_whose_approver_already_approved_earlier_is_skipped(desk: Desk) -> None:
    request = desk.submit(ERIN)  # Erin's manager is Fiona, who also owns Figma
    manager, owner = request.steps
    assert manager.approvers == [FIONA]

    desk.decide(request, FIONA)

    assert owner.status == StepStatus.SKIPPED
    assert owner.reason == "already approved earlier in the chain"
    assert request.status == RequestStatus.PROVISIONING
    assert desk.asks_for(owner) == []
    assert desk.payloads(jobs.PROVISION) == [{"request_id": request.id}]


def test_approving_every_step_approves_the_request_and_queues_provisioning(desk: Desk) -> None:
    request = desk.submit(ALICE)
    manager, owner = request.steps

    first = desk.decide(request, DANA)

    assert first == StepDecided(request.id or 0, RequestStatus.PENDING)
    assert (manager.status, manager.decided_by) == (StepStatus.APPROVED, DANA)
    assert (owner.status, owner.approvers) == (StepStatus.WAITING, [FIONA])
    assert desk.asks_for(owner) == [{"request_id": request.id, "step_id": owner.id}]
    assert desk.update(request, "step_approved")["actor"] == DANA

    last = desk.decide(request, FIONA)

    assert last == StepDecided(request.id or 0, RequestStatus.PROVISIONING)
    assert desk.payloads(jobs.APPROVERS_CLOSE) == [
        {"request_id": request.id, "step_id": manager.id},
        {"request_id": request.id, "step_id": owner.id},
    ]
    assert desk.payloads(jobs.PROVISION) == [{"request_id": request.id}]
    assert desk.updates(request) == ["submitted", "step_approved", "step_approved", "provisioning"]


# Who may decide


def test_the_requester_can_never_decide_their_own_request_even_as_an_admin(desk: Desk) -> None:
    request = desk.submit(ADMIN, "figma", "editor")
    before = desk.counts()

    with pytest.raises(Refused, match="your own request"):
        desk.decide(request, ADMIN)
    with pytest.raises(Refused, match="your own request"):
        desk.decide(request, ADMIN, approve=False, reason="changed my mind")

    assert request.steps[0].status == StepStatus.WAITING
    assert desk.counts() == before


def test_someone_who_is_not_an_approver_is_refused(desk: Desk) -> None:
    request = desk.submit(ALICE)
    before = desk.counts()

    with pytest.raises(Refused, match=f"waiting for <@{DANA}>, not you"):
        desk.decide(request, MALLORY)

    assert request.steps[0].status == StepStatus.WAITING
    assert desk.counts() == before


def test_the_approver_of_a_later_step_cannot_decide_an_earlier_one(desk: Desk) -> None:
    request = desk.submit(ALICE)

    with pytest.raises(Refused):
        desk.decide(request, FIONA)


def test_an_admin_may_decide_any_step(desk: Desk) -> None:
    request = desk.submit(ALICE)
    manager, owner = request.steps

    desk.decide(request, ADMIN)
    desk.decide(request, ADMIN2)

    assert (manager.decided_by, owner.decided_by) == (ADMIN, ADMIN2)
    assert request.status == RequestStatus.PROVISIONING


def test_a_step_not_started_yet_cannot_be_decided_even_by_an_admin(desk: Desk) -> None:
    request = desk.submit(ALICE)

    with pytest.raises(Refused, match="nothing to decide"):
        desk.decide(request, ADMIN, step=request.steps[1])


def test_a_repeated_approval_by_the_same_person_is_a_silent_no_op(desk: Desk) -> None:
    request = desk.submit(ALICE)
    manager = request.steps[0]
    desk.decide(request, DANA)
    before = desk.counts()

    again = desk.decide(request, DANA, step=manager)

    assert again == StepDecided(request.id or 0, RequestStatus.PENDING, repeated=True)
    assert desk.counts() == before


def test_a_repeated_denial_by_the_same_person_is_a_silent_no_op(desk: Desk) -> None:
    request = desk.submit(ALICE)
    desk.decide(request, DANA, approve=False, reason="No budget")
    before = desk.counts()

    again = desk.decide(request, DANA, approve=False, reason="No budget", step=request.steps[0])

    assert again.repeated
    assert desk.counts() == before


def test_a_second_approver_on_a_decided_step_is_told_who_decided_it(desk: Desk) -> None:
    request = desk.submit(ALICE)
    manager = request.steps[0]
    desk.decide(request, DANA)

    with pytest.raises(Refused, match=f"already approved by <@{DANA}>"):
        desk.decide(request, ADMIN, step=manager)


def test_deciding_a_request_or_step_that_does_not_exist_is_not_found(desk: Desk) -> None:
    request = desk.submit(ALICE)
    missing = Decide(request_id=999, step_id=1, actor=DANA, approve=True)
    wrong_step = Decide(request_id=request.id or 0, step_id=999, actor=DANA, approve=True)

    for cmd in (missing, wrong_step):
        with pytest.raises(NotFound):
            decide(cmd, uow=desk.uow, config=desk.config, clock=desk.clock)


# Denying


@pytest.mark.parametrize("reason", [None, "", "   "])
def test_denying_needs_a_reason(desk: Desk, reason: str | None) -> None:
    request = desk.submit(ALICE)
    before = desk.counts()

    with pytest.raises(Refused) as refused:
        desk.decide(request, DANA, approve=False, reason=reason)

    assert refused.value.field == "deny_reason"
    assert request.steps[0].status == StepStatus.WAITING
    assert request.status == RequestStatus.PENDING
    assert desk.counts() == before


def test_a_denial_closes_the_request_and_the_remaining_steps(desk: Desk) -> None:
    request = desk.submit(ALICE)
    manager, owner = request.steps
    desk.clock.advance(hours=2)

    outcome = desk.decide(request, DANA, approve=False, reason="  No budget  ")

    assert outcome == StepDecided(request.id or 0, RequestStatus.DENIED)
    assert request.closed_at == desk.clock.now()
    assert (manager.status, manager.decided_by, manager.reason) == (
        StepStatus.DENIED,
        DANA,
        "No budget",
    )
    assert owner.status == StepStatus.SKIPPED
    assert desk.payloads(jobs.APPROVERS_CLOSE) == [
        {"request_id": request.id, "step_id": manager.id}
    ]
    assert desk.update(request, "denied") == {
        "request_id": request.id,
        "event": "denied",
        "actor": DANA,
        "reason": "No budget",
    }
    assert desk.jobs(jobs.PROVISION) == []
    assert desk.trail()[1:] == [
        (DANA, "step.denied", subject(request)),
        (DANA, "request.denied", subject(request)),
    ]
    assert desk.uow.audit.all()[1].data == {"step": 0, "rule": "manager", "reason": "No budget"}


def test_nothing_is_left_to_decide_on_a_denied_request(desk: Desk) -> None:
    request = desk.submit(ALICE)
    desk.decide(request, DANA, approve=False, reason="No budget")

    with pytest.raises(Refused, match="nothing to decide"):
        desk.decide(request, FIONA, step=request.steps[1])
    with pytest.raises(Refused, match=f"already denied by <@{DANA}>"):
        desk.decide(request, ADMIN, step=request.steps[0])


# Submitting: what is refused


def test_a_person_has_one_open_request_per_app_and_tier(desk: Desk) -> None:
    first = desk.submit(ALICE)

    with pytest.raises(Refused, match=f"#{first.id}") as refused:
        desk.submit(ALICE)

    assert refused.value.field == "app_tier"
    assert desk.submit(ALICE, "figma", "editor").status == RequestStatus.PENDING
    assert desk.submit(BOB).status == RequestStatus.PENDING


@pytest.mark.parametrize(
    "close",
    [
        pytest.param(lambda d, r: d.cancel(r), id="cancelled"),
        pytest.param(lambda d, r: d.decide(r, DANA, approve=False, reason="no"), id="denied"),
    ],
)
def test_a_closed_request_does_not_stop_a_new_one(desk: Desk, close: Any) -> None:
    first = desk.submit(ALICE)
    close(desk, first)

    second = desk.submit(ALICE)

    assert second.id != first.id
    assert desk.uow.requests.open_for(ALICE, "figma", "professional") is second


@pytest.mark.parametrize("days", [-30, -2, -1])
def test_an_end_date_that_is_not_in_the_future_is_refused(desk: Desk, days: int) -> None:
    # At 09:00 UTC it is still yesterday in UTC-12, so "today" in UTC is a future date there.
    end = desk.clock.now().date() + dt.timedelta(days=days)

    with pytest.raises(Refused) as refused:
        desk.submit(ALICE, end_date=end)

    assert refused.value.field == "end_date"
    assert desk.uow.all_requests() == []


def test_an_end_date_in_the_future_is_kept(desk: Desk) -> None:
    end = desk.clock.now().date() + dt.timedelta(days=1)

    assert desk.submit(ALICE, end_date=end).end_date == end


@pytest.mark.parametrize(("app", "tier"), [("figma", "enterprise"), ("notion", "team")])
def test_an_app_or_tier_outside_the_catalog_is_refused(desk: Desk, app: str, tier: str) -> None:
    with pytest.raises(Refused) as refused:
        desk.submit(ALICE, app, tier)

    assert refused.value.field == "app_tier"


# Cancelling


def test_only_the_requester_can_cancel(desk: Desk) -> None:
    request = desk.submit(ALICE)

    for actor in (DANA, ADMIN):
        with pytest.raises(Refused, match="Only the person who asked"):
            desk.cancel(request, actor)

    assert request.status == RequestStatus.PENDING


def test_cancelling_a_pending_request_closes_its_steps_and_tells_the_approvers(
    desk: Desk,
) -> None:
    request = desk.submit(ALICE)
    manager, owner = request.steps

    assert desk.cancel(request) == RequestCancelled(request.id or 0)

    assert request.status == RequestStatus.CANCELLED
    assert request.closed_at == desk.clock.now()
    assert (manager.status, owner.status) == (StepStatus.SKIPPED, StepStatus.SKIPPED)
    assert desk.payloads(jobs.APPROVERS_CLOSE) == [
        {"request_id": request.id, "step_id": manager.id, "note": "Cancelled by the requester"}
    ]
    assert desk.update(request, "cancelled")["actor"] == ALICE
    assert desk.trail()[-1] == (ALICE, "request.cancelled", subject(request))
    assert desk.uow.requests.waiting_on(DANA) == []


def test_cancelling_twice_is_harmless(desk: Desk) -> None:
    request = desk.submit(ALICE)
    desk.cancel(request)
    before = desk.counts()

    assert desk.cancel(request) == RequestCancelled(request.id or 0)
    assert desk.counts() == before


def test_a_waitlisted_request_can_be_cancelled(desk: Desk) -> None:
    desk.config = make_config(seats=0)
    request = desk.submit(ALICE, "figma", "viewer")
    assert request.status == RequestStatus.WAITLISTED

    desk.cancel(request)

    assert request.status == RequestStatus.CANCELLED


@pytest.mark.parametrize(
    ("tier", "then"),
    [
        pytest.param("viewer", None, id="provisioning"),
        pytest.param("professional", "deny", id="denied"),
    ],
)
def test_a_request_that_is_neither_pending_nor_waitlisted_cannot_be_cancelled(
    desk: Desk, tier: str, then: str | None
) -> None:
    request = desk.submit(ALICE, "figma", tier)
    if then == "deny":
        desk.decide(request, DANA, approve=False, reason="No budget")
    status = request.status

    with pytest.raises(Refused, match="can't be cancelled now"):
        desk.cancel(request)

    assert request.status == status


def test_cancelling_a_request_that_does_not_exist_is_not_found(desk: Desk) -> None:
    cmd = CancelRequest(request_id=404, actor=ALICE)

    with pytest.raises(NotFound):
        cancel_request(cmd, uow=desk.uow, config=desk.config, clock=desk.clock)


# Seats: the contract and the waitlist


def test_without_a_free_seat_an_approved_request_is_waitlisted_and_it_is_told(
    desk: Desk,
) -> None:
    desk.config = make_config(seats=1)
    desk.give_seat("mallory@acme.test")

    first = desk.submit(CAROL, "figma", "viewer")
    second = desk.submit(BOB, "figma", "viewer")

    assert (first.status, second.status) == (RequestStatus.WAITLISTED, RequestStatus.WAITLISTED)
    assert desk.update(first, "waitlisted")["position"] == 1
    assert desk.update(second, "waitlisted")["position"] == 2
    assert desk.payloads(jobs.IT_NOTICE) == [
        {"event": "waitlisted", "request_id": first.id},
        {"event": "waitlisted", "request_id": second.id},
    ]
    assert desk.jobs(jobs.PROVISION) == []
    assert desk.trail()[-1] == (SYSTEM, "request.waitlisted", subject(second))
    assert desk.uow.audit.all()[-1].data == {"position": 2}


@pytest.mark.parametrize(
    ("status", "waitlisted"),
    [(SeatStatus.ACTIVE, True), (SeatStatus.RELEASING, True), (SeatStatus.REVOKED, False)],
)
def test_seats_being_released_still_count_against_the_contract(
    desk: Desk, status: SeatStatus, waitlisted: bool
) -> None:
    desk.config = make_config(seats=1)
    desk.give_seat("mallory@acme.test").status = status

    request = desk.submit(CAROL, "figma", "viewer")

    assert (request.status == RequestStatus.WAITLISTED) is waitlisted


def test_requests_being_set_up_reserve_their_seat(desk: Desk) -> None:
    desk.config = make_config(seats=1)
    first = desk.submit(CAROL, "figma", "viewer")
    desk.run(provisioning_failed, HandProvisioningToIt(first.id or 0, "SCIM said no"))
    assert first.status == RequestStatus.MANUAL_TASK

    second = desk.submit(BOB, "figma", "viewer")

    assert second.status == RequestStatus.WAITLISTED
    assert desk.promote() == 0


def test_an_app_without_a_seat_limit_never_waitlists(desk: Desk) -> None:
    desk.config = make_config(seats=None)
    for n in range(5):
        desk.give_seat(f"someone{n}@acme.test")

    assert desk.submit(CAROL, "figma", "viewer").status == RequestStatus.PROVISIONING


def test_promote_waitlist_serves_the_earliest_approved_request_first(desk: Desk) -> None:
    desk.config = make_config(seats=1)
    mallorys = desk.give_seat("mallory@acme.test")
    alices = desk.submit(ALICE)  # asked first, approved last
    desk.clock.advance(hours=1)
    carols = desk.submit(CAROL, "figma", "viewer")  # approved at once
    desk.clock.advance(hours=1)
    desk.approve_all(alices, DANA, FIONA)
    assert (alices.status, carols.status) == (RequestStatus.WAITLISTED,) * 2
    assert desk.promote() == 0

    mallorys.status = SeatStatus.REVOKED

    assert desk.promote() == 1
    assert (carols.status, alices.status) == (RequestStatus.PROVISIONING, RequestStatus.WAITLISTED)
    assert desk.payloads(jobs.PROVISION) == [{"request_id": carols.id}]

    desk.run(provisioned, RecordProvisioned(carols.id or 0))
    assert desk.promote() == 0
    seat = desk.uow.seats.active_for("carol@acme.test", "figma")
    assert seat is not None
    seat.status = SeatStatus.REVOKED

    assert desk.promote() == 1
    assert alices.status == RequestStatus.PROVISIONING


def test_the_reminder_pass_also_moves_the_waitlist_on(desk: Desk) -> None:
    desk.config = make_config(seats=1)
    seat = desk.give_seat("mallory@acme.test")
    request = desk.submit(CAROL, "figma", "viewer")
    seat.status = SeatStatus.REVOKED

    assert desk.tick().promoted == 1
    assert request.status == RequestStatus.PROVISIONING


def test_a_tier_change_on_a_full_contract_is_not_waitlisted(desk: Desk) -> None:
    desk.config = make_config(seats=1)
    desk.give_seat("carol@acme.test", tier="editor")

    request = desk.submit(CAROL, "figma", "viewer")

    assert request.status == RequestStatus.PROVISIONING


# Provisioning and IT tasks


def test_a_confirmed_provisioning_records_the_seat_and_closes_the_request(desk: Desk) -> None:
    request = desk.submit(CAROL, "figma", "viewer")
    desk.clock.advance(minutes=5)

    desk.run(provisioned, RecordProvisioned(request.id or 0))

    assert request.status == RequestStatus.FULFILLED
    assert request.closed_at == desk.clock.now()
    seat = desk.uow.seats.active_for("Carol@Acme.Test", "figma")
    assert seat is not None
    assert (seat.tier_key, seat.slack_user_id, seat.request_id) == ("viewer", CAROL, request.id)
    assert seat.assigned_on == desk.clock.now().date()
    assert desk.trail()[-1] == (SYSTEM, "seat.assigned", "seat:figma:carol@acme.test")
    assert desk.uow.audit.all()[-1].data == {"tier": "viewer", "request": request.id}
    assert desk.updates(request)[-1] == "fulfilled"


def test_a_second_confirmation_changes_nothing(desk: Desk) -> None:
    request = desk.submit(CAROL, "figma", "viewer")
    desk.run(provisioned, RecordProvisioned(request.id or 0))
    before = desk.counts()

    desk.run(provisioned, RecordProvisioned(request.id or 0))

    assert desk.counts() == before
    assert len(desk.uow.seats.held_by("carol@acme.test")) == 1


def test_a_confirmation_for_a_request_not_being_set_up_is_ignored(desk: Desk) -> None:
    request = desk.submit(ALICE)
    before = desk.counts()

    desk.run(provisioned, RecordProvisioned(request.id or 0))
    desk.run(provisioned, RecordProvisioned(404))

    assert request.status == RequestStatus.PENDING
    assert desk.counts() == before


def test_a_new_tier_changes_the_seat_the_person_already_holds(desk: Desk) -> None:
    seat = desk.give_seat("carol@acme.test", tier="editor")
    request = desk.submit(CAROL, "figma", "viewer")

    desk.run(provisioned, RecordProvisioned(request.id or 0))

    assert desk.uow.seats.held_by("carol@acme.test") == [seat]
    assert (seat.tier_key, seat.request_id) == ("viewer", request.id)
    assert desk.trail()[-1] == (SYSTEM, "seat.tier_changed", "seat:figma:carol@acme.test")


def test_a_seat_cannot_be_recorded_for_someone_outside_the_directory(desk: Desk) -> None:
    request = desk.submit(STRANGER, "figma", "viewer")

    with pytest.raises(NotFound, match="not in the directory"):
        desk.run(provisioned, RecordProvisioned(request.id or 0))


def test_a_failed_provisioning_becomes_an_it_task(desk: Desk) -> None:
    request = desk.submit(CAROL, "figma", "viewer")

    desk.run(provisioning_failed, HandProvisioningToIt(request.id or 0, "SCIM said 400"))

    assert request.status == RequestStatus.MANUAL_TASK
    [task] = desk.uow.tasks.open_tasks()
    assert (task.request_id, task.why) == (request.id, "SCIM said 400")
    assert task.summary == f"Give <@{CAROL}> a Figma Viewer seat"
    assert desk.payloads(jobs.IT_TASK) == [{"task_id": task.id}]
    assert desk.updates(request)[-1] == "manual_task"
    assert desk.trail()[-1] == (SYSTEM, "task.opened", subject(request))


def test_a_late_failure_for_a_request_no_longer_being_set_up_is_ignored(desk: Desk) -> None:
    request = desk.submit(CAROL, "figma", "viewer")
    desk.run(provisioned, RecordProvisioned(request.id or 0))
    before = desk.counts()

    desk.run(provisioning_failed, HandProvisioningToIt(request.id or 0, "timeout"))

    assert request.status == RequestStatus.FULFILLED
    assert desk.counts() == before


def test_an_admin_completing_the_it_task_records_the_seat(desk: Desk) -> None:
    request = desk.submit(CAROL, "miro", "team")
    [task] = desk.uow.tasks.open_tasks()
    desk.clock.advance(hours=3)

    assert desk.complete(task, ADMIN) == TaskCompleted(task.id or 0)

    assert (task.status, task.done_by, task.done_at) == (
        TaskStatus.DONE,
        ADMIN,
        desk.clock.now(),
    )
    assert desk.payloads(jobs.IT_TASK_DONE) == [{"task_id": task.id}]
    assert request.status == RequestStatus.FULFILLED
    assert desk.uow.seats.active_for("carol@acme.test", "miro") is not None
    assert desk.trail()[-2:] == [
        (ADMIN, "task.done", f"task:{task.id}"),
        (ADMIN, "seat.assigned", "seat:miro:carol@acme.test"),
    ]
    assert desk.uow.tasks.open_tasks() == []


def test_only_an_admin_can_complete_an_it_task(desk: Desk) -> None:
    request = desk.submit(CAROL, "miro", "team")
    [task] = desk.uow.tasks.open_tasks()
    before = desk.counts()

    with pytest.raises(Refused, match="Only Seatkeeper admins"):
        desk.complete(task, CAROL)

    assert task.status == TaskStatus.OPEN
    assert request.status == RequestStatus.MANUAL_TASK
    assert desk.counts() == before


def test_completing_a_task_twice_is_a_no_op(desk: Desk) -> None:
    desk.submit(CAROL, "miro", "team")
    [task] = desk.uow.tasks.open_tasks()
    desk.complete(task, ADMIN)
    before = desk.counts()

    assert desk.complete(task, ADMIN2) == TaskCompleted(task.id or 0, repeated=True)
    assert task.done_by == ADMIN
    assert desk.counts() == before


def test_a_task_without_a_request_is_simply_closed(desk: Desk) -> None:
    task = Task("revoke", "Remove Gus from Miro", "left", created_at=desk.clock.now())
    desk.uow.tasks.add(task)
    desk.uow.flush()

    desk.complete(task, ADMIN)

    assert task.status == TaskStatus.DONE
    assert desk.uow.all_seats() == []


def test_completing_a_task_that_does_not_exist_is_not_found(desk: Desk) -> None:
    with pytest.raises(NotFound):
        desk.complete(Task("x", "x", "x", created_at=desk.clock.now(), id=404))


# The reminder pass: remind, escalate, expire


def test_nothing_happens_before_the_reminder_is_due(desk: Desk) -> None:
    desk.submit(ALICE, "figma", "editor")
    desk.clock.advance(hours=23, minutes=59)
    before = desk.counts()

    assert desk.tick() == TickReport()
    assert desk.counts() == before


def test_reminders_go_out_once_and_are_grouped_per_approver(desk: Desk) -> None:
    alices = desk.submit(ALICE, "figma", "editor")
    bobs = desk.submit(BOB, "figma", "editor")
    carols = desk.submit(CAROL, "figma", "editor")  # no manager: the admins decide
    desk.clock.advance(hours=24)

    report = desk.tick()

    assert report.reminded == [alices.id, bobs.id, carols.id]

    def items(*requests: Request) -> list[list[int | None]]:
        return [[r.id, r.steps[0].id] for r in requests]

    assert desk.payloads(jobs.APPROVERS_REMIND) == [
        {"approver": DANA, "items": items(alices, bobs)},
        {"approver": ADMIN, "items": items(carols)},
        {"approver": ADMIN2, "items": items(carols)},
    ]
    assert all(r.steps[0].reminded_at == desk.clock.now() for r in (alices, bobs, carols))
    assert [desk.updates(r)[-1] for r in (alices, bobs, carols)] == ["reminded"] * 3

    desk.clock.advance(hours=1)

    assert desk.tick().reminded == []
    assert len(desk.jobs(jobs.APPROVERS_REMIND)) == 3


def test_a_later_step_is_reminded_from_when_it_started(desk: Desk) -> None:
    request = desk.submit(ALICE)
    desk.clock.advance(hours=20)
    desk.decide(request, DANA)
    desk.clock.advance(hours=20)

    assert desk.tick().reminded == []

    desk.clock.advance(hours=4)

    assert desk.tick().reminded == [request.id]
    assert desk.payloads(jobs.APPROVERS_REMIND) == [
        {"approver": FIONA, "items": [[request.id, request.steps[1].id]]}
    ]


def test_a_silent_step_is_escalated_to_the_admins_and_asked_again(desk: Desk) -> None:
    request = desk.submit(ALICE, "figma", "editor")
    step = request.steps[0]
    desk.clock.advance(hours=24)
    desk.tick()
    desk.clock.advance(hours=24)

    report = desk.tick()

    assert report.escalated == [request.id]
    assert (step.status, step.escalated_at) == (StepStatus.ESCALATED, desk.clock.now())
    assert step.approvers == [DANA, ADMIN, ADMIN2]
    ask = {"request_id": request.id, "step_id": step.id}
    assert desk.asks_for(step) == [ask, ask]
    assert desk.updates(request)[-1] == "escalated"
    assert desk.trail()[-1] == (SYSTEM, "step.escalated", subject(request))
    assert desk.uow.audit.all()[-1].data == {"step": 0, "approvers": [DANA, ADMIN, ADMIN2]}
    assert desk.uow.requests.waiting_on(ADMIN) == [request]

    desk.clock.advance(hours=48)
    assert desk.tick().escalated == []

    desk.decide(request, ADMIN2)
    assert request.status == RequestStatus.PROVISIONING


def test_a_step_escalated_before_any_reminder_is_not_reminded_afterwards(desk: Desk) -> None:
    request = desk.submit(ALICE, "figma", "editor")
    desk.clock.advance(hours=49)  # the scheduler was down past both deadlines
    assert desk.tick().escalated == [request.id]

    desk.clock.advance(hours=1)

    assert desk.tick().reminded == []


def test_escalation_never_adds_the_requester_even_when_they_are_an_admin(desk: Desk) -> None:
    desk.config = make_config(editor=[DANA])
    request = desk.submit(ADMIN, "figma", "editor")
    desk.clock.advance(hours=48)

    desk.tick()

    assert request.steps[0].approvers == [DANA, ADMIN2]


def test_a_request_nobody_decides_expires_and_the_requester_is_told(desk: Desk) -> None:
    request = desk.submit(ALICE)
    step = request.steps[0]
    desk.clock.advance(days=7, minutes=-1)
    desk.tick()
    assert request.status == RequestStatus.PENDING
    desk.clock.advance(minutes=1)

    report = desk.tick()

    assert report.expired == [request.id]
    assert request.status == RequestStatus.EXPIRED
    assert request.closed_at == desk.clock.now()
    assert [s.status for s in request.steps] == [StepStatus.SKIPPED, StepStatus.SKIPPED]
    assert desk.payloads(jobs.APPROVERS_CLOSE) == [
        {"request_id": request.id, "step_id": step.id, "note": "Expired without a decision"}
    ]
    assert desk.updates(request)[-1] == "expired"
    assert desk.trail()[-1] == (SYSTEM, "request.expired", subject(request))
    assert desk.submit(ALICE).status == RequestStatus.PENDING


def test_the_reminder_pass_leaves_requests_that_are_not_pending_alone(desk: Desk) -> None:
    desk.config = make_config(seats=1)
    provisioning = desk.submit(BOB, "figma", "viewer")
    waitlisted = desk.submit(CAROL, "figma", "viewer")
    by_hand = desk.submit(ALICE, "miro", "team")
    desk.clock.advance(days=30)
    before = desk.counts()

    assert desk.tick() == TickReport()
    assert [r.status for r in (provisioning, waitlisted, by_hand)] == [
        RequestStatus.PROVISIONING,
        RequestStatus.WAITLISTED,
        RequestStatus.MANUAL_TASK,
    ]
    assert desk.counts() == before


# The audit trail


def journey(desk: Desk) -> list[tuple[str, str, str]]:
    """Alice asks, Dana and Fiona approve, the vendor confirms; Bob asks and Dana says no."""
    alices = desk.submit(ALICE)
    desk.approve_all(alices, DANA, FIONA)
    desk.run(provisioned, RecordProvisioned(alices.id or 0))
    bobs = desk.submit(BOB)
    desk.decide(bobs, DANA, approve=False, reason="No budget")
    return [
        (ALICE, "request.submitted", subject(alices)),
        (DANA, "step.approved", subject(alices)),
        (FIONA, "step.approved", subject(alices)),
        (SYSTEM, "request.approved", subject(alices)),
        (SYSTEM, "seat.assigned", "seat:figma:alice@acme.test"),
        (BOB, "request.submitted", subject(bobs)),
        (DANA, "step.denied", subject(bobs)),
        (DANA, "request.denied", subject(bobs)),
    ]


def test_every_decision_and_seat_change_appends_an_audit_event(desk: Desk) -> None:
    expected = journey(desk)

    assert desk.trail() == expected
    events = desk.uow.audit.all()
    assert [e.seq for e in events] == list(range(1, len(expected) + 1))
    assert all(e.at == desk.clock.now() for e in events)


def test_the_audit_chain_holds_over_a_whole_journey(desk: Desk) -> None:
    journey(desk)
    events = desk.uow.audit.all()

    assert verify_chain(events) is None
    assert events[0].prev_hash is None
    assert [e.prev_hash for e in events[1:]] == [e.hash for e in events[:-1]]


def test_the_audit_chain_finds_an_edited_event(desk: Desk) -> None:
    journey(desk)
    events = desk.uow.audit.all()

    events[6].data["reason"] = "Looked fine to me"

    assert verify_chain(events) == events[6].seq


def test_the_audit_chain_finds_an_edit_whose_hash_was_recomputed(desk: Desk) -> None:
    journey(desk)
    events = desk.uow.audit.all()

    events[1].actor = MALLORY
    events[1].hash = event_hash(events[1])

    assert verify_chain(events) == events[2].seq


def test_the_audit_chain_finds_a_deleted_event(desk: Desk) -> None:
    journey(desk)
    events = desk.uow.audit.all()

    assert verify_chain(events[:3] + events[4:]) == events[4].seq


# The fake keeps the store's rules (the tests above rely on them)


def test_the_fake_refuses_a_job_with_a_key_it_already_has(desk: Desk) -> None:
    now = desk.clock.now()

    assert desk.uow.jobs.add(Job("k", "k:1", {}, run_after=now))
    assert not desk.uow.jobs.add(Job("k", "k:1", {"other": 1}, run_after=now))
    assert [j.payload for j in desk.uow.all_jobs("k")] == [{}]


def test_the_fake_claims_a_requests_thread_updates_in_order_and_its_vendor_call_beside(
    desk: Desk,
) -> None:
    request = desk.submit(CAROL, "figma", "viewer")
    lease = dt.timedelta(minutes=5)
    now = desk.clock.now()
    first, second, third = desk.uow.all_jobs()  # submitted, approved (provisioning), provision
    assert {j.payload["request_id"] for j in (first, second, third)} == {request.id}

    assert desk.uow.jobs.claim(now, lease, limit=10) == [first, third]
    assert desk.uow.jobs.claim(now, lease, limit=10) == []
    first.status = JobStatus.DONE
    assert desk.uow.jobs.claim(now, lease, limit=10) == [second]
    assert desk.uow.jobs.claim(now + lease * 2, lease, limit=10) == [second, third]


def test_the_fake_forgets_everything_since_the_last_commit_on_rollback(desk: Desk) -> None:
    kept = desk.submit(ALICE)
    desk.uow.commit()
    desk.submit(BOB)

    desk.uow.rollback()

    assert desk.uow.committed
    assert [r.requester for r in desk.uow.all_requests()] == [ALICE]
    assert desk.trail() == [(ALICE, "request.submitted", subject(kept))]


def test_the_fake_refuses_approval_messages_that_are_not_records_as_the_store_does(
    desk: Desk,
) -> None:
    request = desk.submit(ALICE)
    request.steps[0].messages = [["D0DANA001", "1700000000.000100", DANA]]  # type: ignore[list-item]

    with pytest.raises(FakeIntegrityError, match="must be ApprovalMessage records"):
        desk.uow.flush()


def test_the_fake_refuses_a_second_open_request_as_the_schema_does(desk: Desk) -> None:
    now = desk.clock.now()
    for _ in range(2):
        desk.uow.requests.add(Request(ALICE, "figma", "viewer", "x", now, now))

    with pytest.raises(FakeIntegrityError, match="uq_requests_one_open"):
        desk.uow.flush()
