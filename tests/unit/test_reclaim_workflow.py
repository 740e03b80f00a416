"""The reclaim verbs on an in-memory unit of work: who is asked, answers, deadlines, reviews,
leavers, end dates, the seat broker and asking for a seat back."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, TypeVar

import pytest

from connectors.registry import REGISTRY
from tests.fakes.clock import FakeClock
from tests.fakes.uow import FakeUnitOfWork
from workflows import jobs
from workflows.answers import answer_case, mark_prompted, release_seat, request_back
from workflows.catalog import Config
from workflows.commands import (
    AnswerCase,
    CompleteTask,
    DecideWave,
    ExcludeFromWave,
    HandReleaseToIt,
    MarkPrompted,
    ReclaimLeavers,
    RecordReleased,
    ReleaseSeat,
    RequestBack,
    ScanApp,
    SubmitRequest,
)
from workflows.errors import Refused
from workflows.model import (
    CaseKind,
    CaseStatus,
    Person,
    ReclaimCase,
    RequestStatus,
    Seat,
    SeatStatus,
    WaveStatus,
)
from workflows.ports import Verb
from workflows.reclaim import ReclaimReport, reclaim_leavers, scan_app
from workflows.releases import record_released, release_failed
from workflows.requests import submit_request
from workflows.tasks import complete_task
from workflows.waves import decide_wave, exclude_from_wave

C = TypeVar("C")
R = TypeVar("R")
ALICE, BOB, CARA, DANA, ADMIN = "U0ALICE01", "U0BOB0001", "U0CARA001", "U0DANA001", "U0ADMIN01"
EMAILS = {ALICE: "alice@acme.test", BOB: "bob@acme.test", CARA: "cara@acme.test"}
NOW = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)
LONG_AGO = NOW.date() - dt.timedelta(days=200)


def make_config(**reclaim: Any) -> Config:
    """Figma (SCIM): professional USD 15, viewer free, idle seats move down to viewer;
    Miro (manual): standard USD 10, two seats on the contract."""
    policy = {"idle_days": 30, "grace_days": 7, "reminder_days": 3, "new_seat_days": 14} | reclaim
    return REGISTRY.config_model.model_validate(
        {
            "slack": {"it_channel": "C0ITOPS01"},
            "admins": [ADMIN],
            "defaults": {"approval": [], "reclaim": policy},
            "apps": [
                {
                    "key": "figma",
                    "name": "Figma",
                    "connector": {
                        "type": "scim",
                        "base_url": "https://scim.figma.test/v2",
                        "token_env": "FIGMA_SCIM_TOKEN",
                    },
                    "tiers": [
                        {"key": "professional", "name": "Professional", "monthly_price": 15},
                        {"key": "viewer", "name": "Viewer", "monthly_price": 0},
                    ],
                    "reclaim": {"action": "downgrade", "downgrade_to": "viewer"},
                },
                {
                    "key": "miro",
                    "name": "Miro",
                    "connector": {"type": "manual"},
                    "tiers": [{"key": "standard", "name": "Standard", "monthly_price": 10}],
                    "contract": {"seats": 2},
                },
            ],
        }
    )


def people() -> list[Person]:
    found = [Person(email, email.split("@")[0].title(), user) for user, email in EMAILS.items()]
    return [*found, Person("admin@acme.test", "Ada", ADMIN), Person("dana@acme.test", "Dana", DANA)]


@dataclass
class Desk:
    """The reclaim verbs bound to one unit of work, config and clock."""

    uow: FakeUnitOfWork = field(default_factory=lambda: FakeUnitOfWork(people()))
    config: Config = field(default_factory=make_config)
    clock: FakeClock = field(default_factory=lambda: FakeClock(NOW))

    def run(self, verb: Verb[C, R], cmd: C) -> R:
        return verb(cmd, uow=self.uow, config=self.config, clock=self.clock)

    def seat(
        self,
        user: str = ALICE,
        *,
        app: str = "figma",
        tier: str = "professional",
        last_used: dt.date | None = LONG_AGO,
        assigned: dt.date = LONG_AGO,
        **extra: Any,
    ) -> Seat:
        seat = Seat(
            app_key=app,
            tier_key=tier,
            email=EMAILS[user],
            slack_user_id=user,
            assigned_on=assigned,
            last_active_on=last_used,
            activity_source="last sign-in" if last_used else None,
            **extra,
        )
        self.uow.seats.add(seat)
        self.uow.flush()
        return seat

    def scan(self, app: str = "figma") -> ReclaimReport:
        return self.run(scan_app, ScanApp(app))

    def asked(self, case: ReclaimCase) -> ReclaimCase:
        """The holder's DM went out now (as the notify job does), with the usual deadline."""
        deadline = self.clock.now() + dt.timedelta(days=7)
        assert self.run(mark_prompted, MarkPrompted(case.id or 0, deadline))
        return case

    def ask(self, seat: Seat) -> ReclaimCase:
        """Scan, then send the question about `seat`."""
        self.scan(seat.app_key)
        return self.asked(self.open_case(seat))

    def answer(self, case: ReclaimCase, choice: str, actor: str = ALICE) -> Any:
        cmd = AnswerCase(case_id=case.id or 0, actor=actor, choice=choice)  # type: ignore[arg-type]
        return self.run(answer_case, cmd)

    def vendor_done(self, case: ReclaimCase) -> Any:
        return self.run(record_released, RecordReleased(case.id or 0))

    def open_case(self, seat: Seat) -> ReclaimCase:
        case = self.uow.cases.open_for(seat.id or 0)
        assert case is not None
        return case

    def cases(self) -> list[ReclaimCase]:
        return self.uow.all_cases()

    def payloads(self, kind: str) -> list[dict[str, Any]]:
        return [job.payload for job in self.uow.all_jobs(kind)]

    def news(self, case: ReclaimCase) -> list[str]:
        return [p["event"] for p in self.payloads(jobs.RECLAIM_NEWS) if p["case_id"] == case.id]

    def actions(self) -> list[str]:
        return [event.action for event in self.uow.audit.all()]


@pytest.fixture
def desk() -> Desk:
    return Desk()


def test_an_idle_seat_gets_one_question_however_often_the_pass_runs(desk: Desk) -> None:
    seat = desk.seat()

    first = desk.scan()
    desk.scan()
    desk.clock.advance(hours=5)
    desk.scan()

    assert [(line.action, line.email) for line in first.lines] == [("prompt", "alice@acme.test")]
    assert [c.status for c in desk.cases()] == [CaseStatus.SCHEDULED]
    assert desk.payloads(jobs.RECLAIM_NOTIFY) == [{"case_id": desk.cases()[0].id}]
    assert desk.cases()[0].seat_id == seat.id
    assert first.lines[0].monthly == Decimal(15)


@pytest.mark.parametrize(
    ("setup", "why"),
    [
        ({"last_used": NOW.date() - dt.timedelta(days=30)}, None),  # used within idle_days
        ({"assigned": NOW.date() - dt.timedelta(days=13)}, None),  # a new seat
        ({"tier": "viewer"}, None),  # free: nothing to save
        ({"snoozed_until": NOW + dt.timedelta(days=1)}, None),  # kept recently
        ({"last_used": None}, "no activity data"),
    ],
    ids=["used recently", "new seat", "free tier", "kept recently", "no data"],
)
def test_seats_the_policy_spares_are_never_asked(
    desk: Desk, setup: dict[str, Any], why: str | None
) -> None:
    desk.seat(**setup)

    report = desk.scan()

    assert desk.cases() == []
    assert [line.why for line in report.lines] == ([why] if why else [])


def test_exempt_people_and_apps_with_reclaim_off_are_never_asked() -> None:
    exempt = Desk(config=make_config(exempt=["alice@acme.test"]))
    exempt.seat(ALICE)
    exempt.seat(BOB)
    off = Desk(config=make_config(enabled=False))
    off.seat(ALICE)

    exempt.scan()
    off.scan()

    assert [c.email for c in exempt.cases()] == ["bob@acme.test"]
    assert off.cases() == []


def test_keep_snoozes_the_seat_for_idle_days_then_it_is_asked_again(desk: Desk) -> None:
    seat = desk.seat()
    case = desk.ask(seat)

    desk.answer(case, "keep")
    desk.clock.advance(days=29)
    desk.scan()
    kept_for_now = desk.cases()
    desk.clock.advance(days=2)
    desk.scan()

    assert case.status == CaseStatus.KEPT and case.answered_by == ALICE
    assert seat.snoozed_until == NOW + dt.timedelta(days=30)
    assert len(kept_for_now) == 1
    assert [c.status for c in desk.cases()] == [CaseStatus.KEPT, CaseStatus.SCHEDULED]
    assert "reclaim.kept" in desk.actions()


def test_silence_gets_one_reminder_then_the_seat_is_taken_back_at_the_deadline(
    desk: Desk,
) -> None:
    seat = desk.seat()
    case = desk.ask(seat)

    desk.clock.advance(days=3)
    assert desk.scan().lines == []
    desk.clock.advance(days=1)
    reminded = desk.scan()
    desk.scan()
    desk.clock.advance(days=3)
    reclaimed = desk.scan()

    assert [line.action for line in reminded.lines] == ["remind"]
    assert [line.action for line in reclaimed.lines] == ["reclaim"]
    assert case.status == CaseStatus.RECLAIMED
    assert (case.action, case.to_tier) == ("downgrade", "viewer")  # Figma's policy
    assert seat.status == SeatStatus.RELEASING
    assert desk.news(case) == ["reminder", "reclaimed"]
    assert desk.payloads(jobs.SEAT_RELEASE) == [{"case_id": case.id}]


def test_a_downgrade_confirmed_by_the_vendor_leaves_a_viewer_seat_and_records_the_saving(
    desk: Desk,
) -> None:
    seat = desk.seat()
    case = desk.ask(seat)
    desk.answer(case, "downgrade")

    done = desk.vendor_done(case)
    again = desk.vendor_done(case)

    assert seat.status == SeatStatus.DOWNGRADED
    viewer = desk.uow.seats.active_for("alice@acme.test", "figma")
    assert viewer is not None and viewer.tier_key == "viewer" and viewer.status == SeatStatus.ACTIVE
    assert case.monthly_saving == Decimal(15) and case.completed_at == NOW
    assert done.monthly_saving == Decimal(15) and again.repeated
    assert desk.news(case) == ["downgraded"]
    assert desk.actions().count("seat.downgraded") == 1


def test_release_removes_the_seat_and_the_holder_may_ask_for_it_back_within_grace_days(
    desk: Desk,
) -> None:
    seat = desk.seat()
    case = desk.ask(seat)
    desk.answer(case, "release")
    desk.vendor_done(case)
    desk.clock.advance(days=2)

    request_id = desk.run(request_back, RequestBack(case_id=case.id or 0, actor=ALICE))

    request = desk.uow.requests.get(request_id)
    assert seat.status == SeatStatus.REVOKED and case.action == "revoke"
    assert request is not None and request.status == RequestStatus.PROVISIONING
    assert request.steps == [] and case.requested_back == request_id
    with pytest.raises(Refused, match="already asked"):
        desk.run(request_back, RequestBack(case_id=case.id or 0, actor=ALICE))


def test_asking_for_a_seat_back_after_grace_days_is_refused(desk: Desk) -> None:
    case = desk.ask(desk.seat())
    desk.answer(case, "release")
    desk.clock.advance(days=8)

    with pytest.raises(Refused, match="too late"):
        desk.run(request_back, RequestBack(case_id=case.id or 0, actor=ALICE))


def test_only_the_holder_or_an_admin_may_answer_and_a_repeat_changes_nothing(
    desk: Desk,
) -> None:
    case = desk.ask(desk.seat())

    with pytest.raises(Refused, match="This question is for <@U0ALICE01>, not you"):
        desk.answer(case, "release", actor=BOB)
    assert case.status == CaseStatus.PROMPTED
    desk.answer(case, "release", actor=ADMIN)
    assert desk.answer(case, "release", actor=ADMIN).repeated
    with pytest.raises(Refused, match="already released by <@U0ADMIN01>"):
        desk.answer(case, "keep")
    assert len(desk.payloads(jobs.SEAT_RELEASE)) == 1


def test_a_seat_used_again_closes_its_question(desk: Desk) -> None:
    seat = desk.seat()
    case = desk.ask(seat)

    seat.last_active_on = NOW.date()
    report = desk.scan()

    assert case.status == CaseStatus.SKIPPED and case.note == "used again"
    assert [line.why for line in report.lines] == ["used again"]
    assert desk.payloads(jobs.RECLAIM_UPDATE)[-1] == {"case_id": case.id}


def test_in_review_mode_the_due_seats_wait_in_one_wave_for_an_admin() -> None:
    desk = Desk(config=make_config(review=True))
    alice, bob, cara = desk.seat(ALICE), desk.seat(BOB), desk.seat(CARA)
    cases = [desk.ask(seat) for seat in (alice, bob, cara)]
    desk.clock.advance(days=8)

    desk.scan()
    wave_id = cases[0].wave_id or 0
    with pytest.raises(Refused, match="Only Seatkeeper admins"):
        desk.run(decide_wave, DecideWave(wave_id=wave_id, actor=BOB, confirm=True))
    desk.run(
        exclude_from_wave, ExcludeFromWave(wave_id=wave_id, case_id=cases[1].id or 0, actor=ADMIN)
    )
    decided = desk.run(decide_wave, DecideWave(wave_id=wave_id, actor=ADMIN, confirm=True))

    assert {c.wave_id for c in cases} == {wave_id}
    assert desk.payloads(jobs.WAVE_POST) == [{"wave_id": wave_id}]
    assert decided.seats == 2 and desk.uow.waves.get(wave_id).status == WaveStatus.CONFIRMED  # type: ignore[union-attr]
    assert [c.status for c in cases] == [
        CaseStatus.RECLAIMED,
        CaseStatus.SKIPPED,
        CaseStatus.RECLAIMED,
    ]
    assert bob.status == SeatStatus.ACTIVE and bob.snoozed_until == desk.clock.now() + dt.timedelta(
        days=30
    )
    assert alice.status == cara.status == SeatStatus.RELEASING


def test_a_leaver_loses_every_seat_without_being_asked_and_it_is_told_once(desk: Desk) -> None:
    figma, miro = desk.seat(ALICE), desk.seat(ALICE, app="miro", tier="standard")
    earlier = desk.ask(figma)
    alice = desk.uow.people.by_email("alice@acme.test")
    assert alice is not None
    alice.active = False

    report = desk.run(reclaim_leavers, ReclaimLeavers())
    desk.run(reclaim_leavers, ReclaimLeavers())

    assert [line.action for line in report.lines] == ["leaver", "leaver"]
    assert figma.status == miro.status == SeatStatus.RELEASING
    assert earlier.status == CaseStatus.SKIPPED
    leaver_cases = [c for c in desk.cases() if c.kind == CaseKind.LEAVER]
    assert {c.action for c in leaver_cases} == {"revoke"}
    assert desk.payloads(jobs.IT_LEAVER) == [
        {
            "email": "alice@acme.test",
            "seats": [
                {"app_key": "figma", "tier_key": "professional"},
                {"app_key": "miro", "tier_key": "standard"},
            ],
        }
    ]
    assert desk.payloads(jobs.RECLAIM_NOTIFY) == [{"case_id": earlier.id}]  # no DM to a leaver


def test_a_seat_with_an_end_date_is_noticed_three_days_before_and_ends_on_that_date(
    desk: Desk,
) -> None:
    seat = desk.seat(end_date=NOW.date() + dt.timedelta(days=5), last_used=NOW.date())

    desk.scan()
    desk.clock.advance(days=2)
    desk.scan()
    case = desk.asked(desk.open_case(seat))
    desk.clock.advance(days=3)
    desk.scan()

    assert case.kind == CaseKind.ENDING and case.status == CaseStatus.RECLAIMED
    assert case.deadline == dt.datetime.combine(seat.end_date, dt.time(), tzinfo=dt.UTC)  # type: ignore[arg-type]
    assert (case.action, seat.status) == ("revoke", SeatStatus.RELEASING)


def test_an_extended_seat_closes_its_end_notice(desk: Desk) -> None:
    seat = desk.seat(end_date=NOW.date() + dt.timedelta(days=2), last_used=NOW.date())
    desk.scan()
    case = desk.asked(desk.open_case(seat))

    seat.end_date = NOW.date() + dt.timedelta(days=60)  # an approved extension
    desk.scan()

    assert case.status == CaseStatus.SKIPPED and case.note == "extended"
    assert seat.status == SeatStatus.ACTIVE


def test_a_waitlisted_request_asks_the_idlest_holder_and_gets_the_seat_they_free(
    desk: Desk,
) -> None:
    recent = desk.seat(
        ALICE, app="miro", tier="standard", last_used=NOW.date() - dt.timedelta(days=40)
    )
    idlest = desk.seat(BOB, app="miro", tier="standard", last_used=LONG_AGO)
    cmd = SubmitRequest(requester=CARA, app_key="miro", tier_key="standard", reason="Workshops")
    request = desk.uow.requests.get(desk.run(submit_request, cmd).request_id)
    assert request is not None and request.status == RequestStatus.WAITLISTED

    case = desk.asked(desk.open_case(idlest))
    desk.answer(case, "release", actor=BOB)
    done = desk.vendor_done(case)

    assert case.waiting and desk.uow.cases.open_for(recent.id or 0) is None
    assert done.handed_over and request.status == RequestStatus.MANUAL_TASK  # Miro: IT sets it up
    assert desk.payloads(jobs.RECLAIM_NEWS)[-1]["handed_over"] is True


def test_a_free_tier_takes_no_contract_seat(desk: Desk) -> None:
    desk.config = make_config()
    for user in (ALICE, BOB):
        desk.seat(user, app="miro", tier="standard")
    cmd = SubmitRequest(requester=CARA, app_key="figma", tier_key="viewer", reason="Reviews")

    request = desk.uow.requests.get(desk.run(submit_request, cmd).request_id)

    assert request is not None and request.status == RequestStatus.PROVISIONING


def test_a_seat_the_vendor_cannot_remove_becomes_an_it_task_whose_done_records_it(
    desk: Desk,
) -> None:
    seat = desk.seat(app="miro", tier="standard")
    case = desk.ask(seat)
    desk.answer(case, "release")

    task = desk.run(release_failed, HandReleaseToIt(case.id or 0, "set up by hand"))
    assert task is not None and task.case_id == case.id
    desk.run(complete_task, CompleteTask(task_id=task.id or 0, actor=ADMIN))

    assert seat.status == SeatStatus.REVOKED and case.monthly_saving == Decimal(10)
    assert desk.news(case) == ["by_it", "removed"]
    assert "Remove <@U0ALICE01>'s Miro Standard seat" in task.summary


def test_a_holder_releases_a_seat_unasked_and_is_told_in_a_dm_at_once(desk: Desk) -> None:
    seat = desk.seat(last_used=NOW.date())

    desk.run(release_seat, ReleaseSeat(seat_id=seat.id or 0, actor=ALICE))

    [case] = desk.cases()
    assert (case.kind, case.status, seat.status) == (
        CaseKind.RELEASE,
        CaseStatus.RELEASED,
        SeatStatus.RELEASING,
    )
    assert desk.payloads(jobs.RECLAIM_NOTIFY) == [{"case_id": case.id, "gated": False}]
    with pytest.raises(Refused, match="not one of your seats"):
        desk.run(release_seat, ReleaseSeat(seat_id=seat.id or 0, actor=BOB))
