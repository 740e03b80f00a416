"""IT's review of reclaims: an app's due seats as one wave, confirmed, skipped or trimmed.

Only admins decide a wave. Confirming takes back every seat still in it; skipping, like
excluding one holder, keeps the seat and asks again no sooner than `idle_days` from now.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from workflows.audit import record
from workflows.cases import (
    audit,
    load_seat,
    move,
    price,
    reclaim_action,
    refresh,
    start_release,
    tell_holder,
    wave_changed,
)
from workflows.catalog import Config
from workflows.commands import DecideWave, ExcludeFromWave
from workflows.errors import NotFound, Refused
from workflows.model import CaseStatus, ReclaimCase, ReclaimWave, WaveStatus
from workflows.ports import Clock, UnitOfWork
from workflows.states import WAVE, CaseEvent, WaveEvent, next_state


@dataclass(frozen=True)
class WaveDecided:
    wave_id: int
    status: WaveStatus
    seats: int  # how many seats the decision took back (or kept)
    repeated: bool = False


def decide_wave(cmd: DecideWave, *, uow: UnitOfWork, config: Config, clock: Clock) -> WaveDecided:
    """Reclaim every seat still in the wave, or skip them all (an admin only)."""
    wave = _load(uow, cmd.wave_id)
    wanted = WaveStatus.CONFIRMED if cmd.confirm else WaveStatus.SKIPPED
    if wave.status == wanted and wave.decided_by == cmd.actor:
        return WaveDecided(wave.id or 0, wave.status, 0, repeated=True)
    _check_admin(cmd.actor, config)
    if wave.status != WaveStatus.OPEN:
        raise Refused(f"This wave was already {wave.status.value} by <@{wave.decided_by}>.")
    now = clock.now()
    wave.status = next_state(
        WAVE, wave.status, WaveEvent.CONFIRM if cmd.confirm else WaveEvent.SKIP
    )
    wave.decided_by, wave.decided_at = cmd.actor, now
    due = [case for case in uow.cases.in_wave(wave.id or 0) if case.status == CaseStatus.IN_REVIEW]
    for case in due:
        if cmd.confirm:
            _confirm(case, cmd.actor, uow=uow, config=config, clock=clock)
        else:
            _keep(case, cmd.actor, "skipped by IT", uow=uow, config=config, clock=clock)
    total = sum((price(config, c.app_key, c.tier_key) for c in due), Decimal(0))
    action = "reclaim.wave_confirmed" if cmd.confirm else "reclaim.wave_skipped"
    record(uow, clock, cmd.actor, action, f"wave:{wave.id}", seats=len(due), monthly=str(total))
    wave_changed(uow, clock, wave.id or 0, wave.status)
    return WaveDecided(wave.id or 0, wave.status, len(due))


def exclude_from_wave(
    cmd: ExcludeFromWave, *, uow: UnitOfWork, config: Config, clock: Clock
) -> WaveDecided:
    """Take one holder out of an open wave: their seat is kept (an admin only)."""
    wave = _load(uow, cmd.wave_id)
    case = uow.cases.get(cmd.case_id, for_update=True)
    if case is None or case.wave_id != wave.id:
        raise NotFound("That holder is not in this wave.")
    if case.status == CaseStatus.SKIPPED and case.answered_by == cmd.actor:
        return WaveDecided(wave.id or 0, wave.status, 0, repeated=True)
    _check_admin(cmd.actor, config)
    if wave.status != WaveStatus.OPEN or case.status != CaseStatus.IN_REVIEW:
        raise Refused("That holder's seat is no longer waiting for review.")
    _keep(case, cmd.actor, "excluded by IT", uow=uow, config=config, clock=clock)
    wave_changed(uow, clock, wave.id or 0, f"excluded:{case.id}")
    return WaveDecided(wave.id or 0, wave.status, 1)


def _confirm(
    case: ReclaimCase, actor: str, *, uow: UnitOfWork, config: Config, clock: Clock
) -> None:
    seat = load_seat(uow, case)
    app = config.app(case.app_key)
    move(case, CaseEvent.CONFIRM, clock.now())
    case.answered_by, case.answered_at = actor, clock.now()
    if app is not None:
        action = reclaim_action(seat, app, config.reclaim_policy(app))
        start_release(case, seat, action, uow=uow, clock=clock)
    audit(uow, clock, actor, "reclaim.reclaimed", case, why="confirmed by IT", effect=case.action)
    refresh(uow, clock, case)
    tell_holder(uow, clock, case, "reclaimed")


def _keep(
    case: ReclaimCase,
    actor: str,
    note: str,
    *,
    uow: UnitOfWork,
    config: Config,
    clock: Clock,
) -> None:
    seat = load_seat(uow, case)
    app = config.app(case.app_key)
    idle_days = config.reclaim_policy(app).idle_days if app else config.defaults.reclaim.idle_days
    now = clock.now()
    move(case, CaseEvent.SKIP, now, note=note)
    case.answered_by, case.answered_at = actor, now
    seat.snoozed_until = now + dt.timedelta(days=idle_days)
    audit(uow, clock, actor, "reclaim.excluded", case, note=note)
    refresh(uow, clock, case)


def _load(uow: UnitOfWork, wave_id: int) -> ReclaimWave:
    wave = uow.waves.get(wave_id, for_update=True)
    if wave is None:
        raise NotFound("That review wave does not exist any more.")
    return wave


def _check_admin(actor: str, config: Config) -> None:
    if actor not in config.admins:
        raise Refused("Only Seatkeeper admins can review reclaims.")
