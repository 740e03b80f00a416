"""Releasing seats: remove or downgrade a case's seat through its app's connector, or hand it
to IT when the vendor cannot (a `manual` or `csv` app) or keeps failing."""

from __future__ import annotations

import functools

from bot.jobs.vendor import VendorHandlers, log_handover
from workflows import jobs
from workflows.cases import DOWNGRADE, load_case
from workflows.commands import HandReleaseToIt, RecordReleased
from workflows.errors import Gone, NotFound
from workflows.model import Job, ReclaimCase, SeatStatus
from workflows.ports import Assignee, NotSupported
from workflows.releases import record_released, release_failed


class Releasing(VendorHandlers):
    """The handler of seat releases."""

    def release(self, job: Job) -> None:
        """Remove (or downgrade) the seat at the vendor; IT does it when the vendor cannot."""
        p = jobs.read(job, jobs.SeatRelease)
        to_it = functools.partial(self._to_it, p.case_id)
        self.to_it_at_last(job, lambda: self._release(job, p.case_id), to_it)

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
        to_it = functools.partial(self._to_it, case_id)
        if self.call(job, lambda: self._vendor_call(case, who), to_it):
            self.runner(record_released, RecordReleased(case_id))

    def _vendor_call(self, case: ReclaimCase, who: Assignee) -> None:
        connector = self.connectors.get(case.app_key)
        if connector is None:
            raise NotSupported("the app's connector is unknown")
        if case.action == DOWNGRADE and case.to_tier:
            connector.change_tier(who, case.to_tier)
        else:
            connector.revoke(who)

    def _to_it(self, case_id: int, why: str, detail: str | None) -> None:
        log_handover(f"releasing case {case_id}'s seat", why, detail)
        self.runner(release_failed, HandReleaseToIt(case_id, why, detail))
