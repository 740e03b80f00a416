"""Seats driven by groups an identity provider pushes: a tier's `idp_group`.

Someone added to the group asks for the tier: a request through the tier's approval chain
(granted at once when the chain is empty), whose audit event names the token that pushed the
change. Someone removed from it loses the tier: a request still open is cancelled (a removal
wins; they are told in the request's thread) and a seat held on the tier is taken back
through the vendor's connector, as a leaver's is. Someone without a Slack account cannot ask
for anything; the change is noted in the audit trail and nothing more happens.
"""

from __future__ import annotations

from collections.abc import Iterable

from workflows.audit import record
from workflows.cases import REVOKE, audit, closed_case, holder_of, start_release
from workflows.catalog import AppConfig, Config, Tier
from workflows.commands import SubmitRequest
from workflows.errors import Refused
from workflows.model import CaseKind, CaseStatus, Person, Request, SeatStatus
from workflows.ports import Clock, UnitOfWork
from workflows.requests import cancel, submit_request
from workflows.states import REQUEST, RequestEvent, allows


def group_joined(
    group: str,
    people: Iterable[Person],
    actor: str,
    *,
    uow: UnitOfWork,
    config: Config,
    clock: Clock,
) -> None:
    """Each person asks for every tier that names the group."""
    tiers = config.group_tiers(group)
    for person in people if tiers else ():
        for app, tier in tiers:
            _ask(person, app, tier, group, actor, uow=uow, config=config, clock=clock)


def group_left(
    group: str,
    people: Iterable[Person],
    actor: str,
    *,
    uow: UnitOfWork,
    config: Config,
    clock: Clock,
) -> None:
    """Each person's open requests for the group's tiers are cancelled, their seats reclaimed."""
    tiers = config.group_tiers(group)
    for person in people if tiers else ():
        for app, tier in tiers:
            if person.slack_user_id:
                request = uow.requests.open_for(person.slack_user_id, app.key, tier.key)
                if request is not None:
                    _withdraw(request, group, actor, uow=uow, clock=clock)
            _reclaim(person, app, tier, group, actor, uow=uow, clock=clock)


def _ask(
    person: Person,
    app: AppConfig,
    tier: Tier,
    group: str,
    actor: str,
    *,
    uow: UnitOfWork,
    config: Config,
    clock: Clock,
) -> None:
    what = f"{app.key}/{tier.key}"
    if not person.slack_user_id or not person.active:
        why = "not in Slack" if person.active else "inactive"
        record(
            uow,
            clock,
            actor,
            "group.request.skipped",
            f"person:{person.email}",
            tier=what,
            group=group,
            reason=why,
        )
        return
    reason = f"Member of {group} in the identity provider"
    cmd = SubmitRequest(
        requester=person.slack_user_id,
        app_key=app.key,
        tier_key=tier.key,
        reason=reason,
        actor=actor,
    )
    try:
        submit_request(cmd, uow=uow, config=config, clock=clock)
    except Refused as refused:  # holds the tier already, or has asked for it
        record(
            uow,
            clock,
            actor,
            "group.request.skipped",
            f"person:{person.email}",
            tier=what,
            group=group,
            reason=str(refused),
        )


def _withdraw(request: Request, group: str, actor: str, *, uow: UnitOfWork, clock: Clock) -> None:
    if not allows(REQUEST, request.status, RequestEvent.CANCEL):
        return
    reason = f"you are no longer in {group} in the identity provider"
    note = f"Cancelled: the requester left {group}"
    said, told = {"group": group}, {"reason": reason}
    cancel(request, actor, uow=uow, clock=clock, note=note, said=said, told=told)


def _reclaim(
    person: Person,
    app: AppConfig,
    tier: Tier,
    group: str,
    actor: str,
    *,
    uow: UnitOfWork,
    clock: Clock,
) -> None:
    for seat in uow.seats.held_by(person.email):
        if seat.app_key != app.key or seat.tier_key != tier.key or seat.status != SeatStatus.ACTIVE:
            continue
        earlier = uow.cases.open_for(seat.id or 0)
        if earlier is not None:
            continue  # already on its way out
        case = closed_case(
            seat,
            CaseKind.RELEASE,
            CaseStatus.RECLAIMED,
            holder_of(seat, uow),
            uow=uow,
            clock=clock,
        )
        start_release(case, seat, (REVOKE, None), uow=uow, clock=clock)
        audit(uow, clock, actor, "reclaim.group_left", case, group=group)
