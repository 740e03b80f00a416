"""Journey 2: idle seat → keep or release → reclaim, one app at a time; and leavers.

`scan_app` is one pass over an app's seats: it asks idle holders (their DM goes out in their
working hours), reminds the silent once, and at the deadline takes the seat back — or, with
`review: true`, hands the app's due seats to IT as one wave. `reclaim_leavers` takes back
every seat of people the directory marks inactive, without asking. Both are idempotent:
running them again changes nothing that is not due.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from workflows import jobs
from workflows.audit import SYSTEM
from workflows.cases import (
    REVOKE,
    audit,
    closed_case,
    holder_of,
    move,
    open_case,
    price,
    reclaim_action,
    refresh,
    start_release,
    tell_holder,
)
from workflows.catalog import AppConfig, Config, ReclaimPolicy
from workflows.commands import ReclaimLeavers, ScanApp
from workflows.idle import ENDING_NOTICE, Assessment, Verdict, assess
from workflows.model import (
    OPEN_CASE_STATUSES,
    CaseKind,
    CaseStatus,
    ReclaimCase,
    ReclaimWave,
    Seat,
    SeatStatus,
)
from workflows.ports import Clock, UnitOfWork
from workflows.states import CaseEvent

# Holders per review wave: each is a line with its own button in one message, and the lines
# of any names and addresses stay inside Slack's ~12,000 characters per message.
WAVE_SIZE = 30


@dataclass(frozen=True)
class ReclaimLine:
    """One thing a pass did (or would do) to one seat, and why."""

    action: str  # prompt, remind, reclaim, review, close, leaver, ending, report
    app_key: str
    email: str
    tier_key: str
    why: str
    monthly: Decimal = Decimal(0)  # what it saves (or would) per month


@dataclass
class ReclaimReport:
    """What one pass did, line by line."""

    lines: list[ReclaimLine] = field(default_factory=list)

    def add(
        self, action: str, seat: Seat | ReclaimCase, why: str, monthly: Decimal = Decimal(0)
    ) -> None:
        """Note one line."""
        self.lines.append(
            ReclaimLine(action, seat.app_key, seat.email, seat.tier_key, why, monthly)
        )

    def extend(self, other: ReclaimReport) -> None:
        """Add another pass's lines."""
        self.lines += other.lines

    def count(self, action: str) -> int:
        """How many lines have this action."""
        return sum(1 for line in self.lines if line.action == action)


@dataclass
class _Pass:
    """One app's pass: what it needs at hand and what it found."""

    app: AppConfig
    policy: ReclaimPolicy
    uow: UnitOfWork
    config: Config
    clock: Clock
    report: ReclaimReport = field(default_factory=ReclaimReport)
    due_for_review: list[ReclaimCase] = field(default_factory=list)

    @property
    def now(self) -> dt.datetime:
        return self.clock.now()


def scan_app(cmd: ScanApp, *, uow: UnitOfWork, config: Config, clock: Clock) -> ReclaimReport:
    """One reclaim pass over an app's seats (see the module's docstring)."""
    app = config.app(cmd.app_key)
    if app is None:
        return ReclaimReport()
    run = _Pass(app, config.reclaim_policy(app), uow, config, clock)
    open_cases = {
        case.seat_id: case
        for case in uow.cases.with_status(*OPEN_CASE_STATUSES, app_key=app.key, for_update=True)
    }
    for seat in _worth_a_look(run):
        case = open_cases.pop(seat.id or 0, None)
        assessment = assess(seat, app, run.policy, now=run.now)
        if case is not None:
            _progress(run, case, assessment)
        else:
            _consider(run, assessment)
    for case in open_cases.values():
        move(case, CaseEvent.SKIP, run.now, note="the seat was removed meanwhile")
        refresh(uow, clock, case)
        run.report.add("close", case, "the seat was removed meanwhile")
    _review(run)
    return run.report


def idle_seats(
    apps: Sequence[AppConfig], *, uow: UnitOfWork, config: Config, clock: Clock
) -> list[Seat]:
    """The apps' seats a reclaim pass now would ask keep or release about (those without an
    open case that the policy finds idle), by app and email, selected as the pass selects
    them but for every app at once."""
    by_key = {app.key: app for app in apps}
    policies = {app.key: config.reclaim_policy(app) for app in apps}
    if not by_key:
        return []
    now, today = clock.now(), clock.now().date()
    asked = {case.seat_id for case in uow.cases.with_status(*OPEN_CASE_STATUSES)}
    # The shortest idle period's cutoff takes in every app's candidates; `assess` then holds
    # each seat to its own app's policy.
    shortest = min(policy.idle_days for policy in policies.values())
    seats = _candidates(uow, by_key, today - dt.timedelta(days=shortest), today + ENDING_NOTICE)
    return [
        seat
        for seat in seats
        if seat.id not in asked
        and assess(seat, by_key[seat.app_key], policies[seat.app_key], now=now).idle
    ]


def _worth_a_look(run: _Pass) -> list[Seat]:
    """The app's active seats, not leavers', that the pass may act on; the database leaves out
    those used within `idle_days` that end later and have no open case (most of a large app)."""
    today = run.now.date()
    used_before = today - dt.timedelta(days=run.policy.idle_days)
    return _candidates(run.uow, [run.app.key], used_before, today + ENDING_NOTICE)


def _candidates(
    uow: UnitOfWork, app_keys: Collection[str], used_before: dt.date, ending_by: dt.date
) -> list[Seat]:
    seats = uow.seats.worth_a_look(app_keys, used_before=used_before, ending_by=ending_by)
    people = uow.people.by_emails(s.email for s in seats)
    left = {p.email for p in people if not p.active}
    # Being released already, or a leaver's (reclaim_leavers takes those).
    return [s for s in seats if s.status == SeatStatus.ACTIVE and s.email not in left]


def _consider(run: _Pass, assessment: Assessment) -> None:
    """A seat with no open case: ask its holder, tell them it ends soon, or report it."""
    seat = assessment.seat
    if assessment.verdict == Verdict.ENDING:
        _open_ending(run, assessment)
    elif assessment.verdict == Verdict.NO_DATA:
        run.report.add("report", seat, "no activity data")
    elif assessment.idle:
        holder = holder_of(seat, run.uow)
        if holder is None:
            run.report.add("report", seat, "idle, but not in Slack to be asked")
            return
        open_case(assessment, CaseKind.IDLE, holder, uow=run.uow, clock=run.clock)
        source = f" ({seat.activity_source})" if seat.activity_source else ""
        why = f"idle {assessment.days_idle} days{source}"
        run.report.add("prompt", seat, why, price(run.config, seat.app_key, seat.tier_key))


def _open_ending(run: _Pass, assessment: Assessment) -> None:
    seat = assessment.seat
    assert seat.end_date is not None
    ends = dt.datetime.combine(seat.end_date, dt.time(), tzinfo=dt.UTC)
    holder = holder_of(seat, run.uow)
    open_case(assessment, CaseKind.ENDING, holder, uow=run.uow, clock=run.clock, deadline=ends)
    run.report.add("ending", seat, f"granted until {seat.end_date.isoformat()}")


def _progress(run: _Pass, case: ReclaimCase, assessment: Assessment) -> None:
    """Move an open case on: closed if no longer due, reminded, reclaimed or sent to review."""
    if case.kind == CaseKind.ENDING:
        _progress_ending(run, case, assessment.seat)
        return
    reason = _no_longer_due(case, assessment)
    if reason is not None:
        move(case, CaseEvent.SKIP, run.now, note=reason)
        refresh(run.uow, run.clock, case)
        run.report.add("close", case, reason)
    elif case.status in (CaseStatus.PROMPTED, CaseStatus.REMINDED) and _past(case, run.now):
        if run.policy.review:
            run.due_for_review.append(case)
        else:
            _reclaim(run, case, assessment.seat, "no answer by the deadline")
    elif case.status == CaseStatus.PROMPTED and _reminder_due(case, run.policy, run.now):
        move(case, CaseEvent.REMIND, run.now)
        case.reminded_at = run.now
        tell_holder(run.uow, run.clock, case, "reminder")
        audit(run.uow, run.clock, SYSTEM, "reclaim.reminded", case)
        run.report.add("remind", case, f"deadline {_day(case.deadline)}")


def _no_longer_due(case: ReclaimCase, assessment: Assessment) -> str | None:
    """Why an open question about an idle seat should be closed, or None."""
    seat = assessment.seat
    used_since = seat.last_active_on is not None and (
        case.last_active_on is None or seat.last_active_on > case.last_active_on
    )
    if assessment.verdict == Verdict.ACTIVE and used_since:
        return "used again"
    if assessment.verdict in (Verdict.EXEMPT, Verdict.OFF, Verdict.FREE):
        return f"no longer asked: {assessment.verdict.value}"
    if seat.tier_key != case.tier_key:
        return "moved to another tier meanwhile"
    return None


def _progress_ending(run: _Pass, case: ReclaimCase, seat: Seat) -> None:
    assert case.deadline is not None
    if seat.end_date is None or seat.end_date > case.deadline.date():
        move(case, CaseEvent.SKIP, run.now, note="extended")
        refresh(run.uow, run.clock, case)
        run.report.add("close", case, "extended")
    elif _past(case, run.now):
        _reclaim(run, case, seat, "its end date came", action=(REVOKE, None))


def _reclaim(
    run: _Pass,
    case: ReclaimCase,
    seat: Seat,
    why: str,
    *,
    action: tuple[str, str | None] | None = None,
) -> None:
    """Take the seat back now (silence, or an end date): vendor job, holder told."""
    move(case, CaseEvent.EXPIRE, run.now)
    start_release(
        case,
        seat,
        action or reclaim_action(seat, run.app, run.policy),
        uow=run.uow,
        clock=run.clock,
    )
    audit(run.uow, run.clock, SYSTEM, "reclaim.reclaimed", case, why=why, effect=case.action)
    refresh(run.uow, run.clock, case)
    tell_holder(run.uow, run.clock, case, "reclaimed")
    run.report.add("reclaim", case, why, price(run.config, case.app_key, case.tier_key))


def _review(run: _Pass) -> None:
    """Hand the seats due this pass to IT in waves of at most WAVE_SIZE holders."""
    due = run.due_for_review
    for start in range(0, len(due), WAVE_SIZE):
        wave = ReclaimWave(app_key=run.app.key, created_at=run.now)
        run.uow.waves.add(wave)
        run.uow.flush()
        for case in due[start : start + WAVE_SIZE]:
            move(case, CaseEvent.REVIEW, run.now)
            case.wave_id = wave.id
            refresh(run.uow, run.clock, case)
            audit(run.uow, run.clock, SYSTEM, "reclaim.in_review", case, wave=wave.id)
            monthly = price(run.config, case.app_key, case.tier_key)
            run.report.add("review", case, "no answer by the deadline", monthly)
        jobs.enqueue(run.uow, run.clock, jobs.WavePost(wave_id=wave.id or 0), f"{wave.id}")


def reclaim_leavers(
    cmd: ReclaimLeavers, *, uow: UnitOfWork, config: Config, clock: Clock
) -> ReclaimReport:
    """Take back every seat held by someone the directory marks inactive; tell IT per leaver."""
    report = ReclaimReport()
    now = clock.now()
    by_person: dict[str, list[Seat]] = defaultdict(list)
    for seat in uow.seats.held_by_leavers():
        if config.app(seat.app_key) is not None:
            by_person[seat.email].append(seat)
    for email, seats in by_person.items():
        for seat in seats:
            earlier = uow.cases.open_for(seat.id or 0)
            if earlier is not None:
                move(earlier, CaseEvent.SKIP, now, note="the holder left")
            holder = holder_of(seat, uow)  # for IT's task; a leaver gets no DM
            case = closed_case(
                seat, CaseKind.LEAVER, CaseStatus.RECLAIMED, holder, uow=uow, clock=clock
            )
            start_release(case, seat, (REVOKE, None), uow=uow, clock=clock)
            audit(uow, clock, SYSTEM, "reclaim.leaver", case)
            report.add(
                "leaver", seat, "left the organisation", price(config, seat.app_key, seat.tier_key)
            )
        held = tuple(jobs.LeaverSeat(app_key=s.app_key, tier_key=s.tier_key) for s in seats)
        notice = jobs.ITLeaver(email=email, seats=held)
        jobs.enqueue(uow, clock, notice, f"{email}:{now.date().isoformat()}")
    return report


def _past(case: ReclaimCase, now: dt.datetime) -> bool:
    return case.deadline is not None and now >= case.deadline


def _reminder_due(case: ReclaimCase, policy: ReclaimPolicy, now: dt.datetime) -> bool:
    """One reminder `reminder_days` before the deadline, if that is after the question."""
    if policy.reminder_days == 0 or case.deadline is None or case.prompted_at is None:
        return False
    at = case.deadline - dt.timedelta(days=policy.reminder_days)
    return at > case.prompted_at and now >= at


def _day(moment: dt.datetime | None) -> str:
    return moment.date().isoformat() if moment else "unknown"
