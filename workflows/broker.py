"""The seat broker: when people wait for a full app, ask its idlest holders first.

Each person waiting gets one question asked on their behalf: the holders unused longest (idle
by the app's policy, not exempt, not recently kept, past the new-seat grace) are asked
"keep or release?" at once, told that a colleague is waiting. The first seat freed goes to the
first person waiting (`seats.promote_waitlist`).
"""

from __future__ import annotations

from workflows.cases import holder_of, open_case
from workflows.catalog import Config
from workflows.idle import assess, idlest
from workflows.model import OPEN_CASE_STATUSES, CaseKind, RequestStatus, SeatStatus
from workflows.ports import Clock, UnitOfWork


def ask_idlest(app_key: str, *, uow: UnitOfWork, config: Config, clock: Clock) -> int:
    """Open questions for as many idle holders as people wait beyond those already asked;
    return how many were opened."""
    app = config.app(app_key)
    if app is None:
        return 0
    waiting = len(uow.requests.with_status(RequestStatus.WAITLISTED, app_key=app_key))
    asked = uow.cases.with_status(*OPEN_CASE_STATUSES, app_key=app_key)
    needed = waiting - sum(1 for case in asked if case.kind == CaseKind.IDLE)
    if needed <= 0:
        return 0
    policy = config.reclaim_policy(app)
    busy = {case.seat_id for case in asked}
    seats = [s for s in uow.seats.held_on(app_key) if s.status == SeatStatus.ACTIVE]
    leavers = {p.email for p in uow.people.by_emails(s.email for s in seats) if not p.active}
    candidates = [
        assess(seat, app, policy, now=clock.now())
        for seat in seats
        if seat.id not in busy and seat.email not in leavers
    ]
    opened = 0
    for assessment in idlest(candidates):
        holder = holder_of(assessment.seat, uow)
        if holder is None:
            continue
        open_case(assessment, CaseKind.IDLE, holder, uow=uow, clock=clock, waiting=True)
        opened += 1
        if opened == needed:
            break
    return opened
