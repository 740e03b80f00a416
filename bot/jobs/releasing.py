"""Releasing seats: remove or downgrade a case's seat through its app's connector, or hand it
to IT when the vendor cannot (a `manual` or `csv` app) or keeps failing."""

from __future__ import annotations

import logging
from collections.abc import Mapping

from bot.runtime.runner import Runner
from workflows import jobs
from workflows.cases import DOWNGRADE, load_case
from workflows.commands import HandReleaseToIt, RecordReleased
from workflows.errors import Gone, NotFound
from workflows.model import Job, ReclaimCase, SeatStatus
from workflows.ports import Assignee, Connector, ConnectorError, NotSupported, Retryable
from workflows.releases import record_released, release_failed

log = logging.getLogger(__name__)


class Releasing:
    """The handler of seat releases: the connectors and the runner, nothing of Slack."""

    def __init__(self, runner: Runner, connectors: Mapping[str, Connector]) -> None:
        self.runner = runner
        self.connectors = connectors

    def release(self, job: Job) -> None:
        """Remove (or downgrade) the seat at the vendor; IT does it when the vendor cannot."""
        p = jobs.read(job, jobs.SeatRelease)
        try:
            self._release(job, p.case_id)
        except (Retryable, Gone):
            raise
        except Exception as exc:
            if job.attempts + 1 < job.max_attempts:
                raise
            # The last try failed in a way nobody foresaw: the seat must not stay "being
            # released" forever, so IT finishes it by hand.
            log.exception("releasing job %s failed for good", job.id)
            why = f"Seatkeeper could not do it ({type(exc).__name__})"
            self.runner(release_failed, HandReleaseToIt(p.case_id, why))

    def _release(self, job: Job, case_id: int) -> None:
        with self.runner.uow() as uow:
            try:
                case = load_case(uow, case_id)
            except NotFound:
                raise Gone(f"reclaim case {case_id} is gone") from None
            seat = uow.seats.get(case.seat_id)
            if seat is None or seat.status != SeatStatus.RELEASING:
                return  # already done (by the vendor's answer or by IT)
            person = uow.people.by_email(seat.email)
        who = Assignee(seat.email, person.name if person else "", case.holder)
        try:
            self._call(case, who)
        except Retryable as exc:
            if job.attempts + 1 < job.max_attempts:
                raise
            self._to_it(case, "the vendor kept failing", str(exc))
        except NotSupported:
            self._to_it(case, "this app's seats are changed by hand", None)
        except ConnectorError as exc:
            self._to_it(case, "the vendor refused", str(exc))
        else:
            self.runner(record_released, RecordReleased(case.id or 0))

    def _call(self, case: ReclaimCase, who: Assignee) -> None:
        connector = self.connectors.get(case.app_key)
        if connector is None:
            raise NotSupported("the app's connector is unknown")
        if case.action == DOWNGRADE and case.to_tier:
            connector.change_tier(who, case.to_tier)
        else:
            connector.revoke(who)

    def _to_it(self, case: ReclaimCase, why: str, detail: str | None) -> None:
        log.warning("releasing case %s's seat goes to IT: %s: %s", case.id, why, detail)
        self.runner(release_failed, HandReleaseToIt(case.id or 0, why, detail))
