"""Provisioning: assign a request's seat through its app's connector, or hand it to IT."""

from __future__ import annotations

import functools

from bot.jobs.subjects import load_request
from bot.jobs.vendor import VendorHandlers, log_handover
from workflows import jobs
from workflows.commands import HandProvisioningToIt, RecordProvisioned
from workflows.model import Job, RequestStatus
from workflows.ports import Assignee, NotSupported
from workflows.seats import provisioned, provisioning_failed


class Provisioning(VendorHandlers):
    """The handler of seat assignments."""

    def provision(self, job: Job) -> None:
        """Assign the seat through the app's connector; hand it to IT when that fails for good."""
        p = jobs.read(job, jobs.Provision)
        to_it = functools.partial(self._to_it, p.request_id)
        self.to_it_at_last(job, lambda: self._provision(job, p.request_id), to_it)

    def _provision(self, job: Job, request_id: int) -> None:
        with self.runner.uow() as uow:
            request = load_request(uow, request_id)
            if request.status != RequestStatus.PROVISIONING:
                return
            person = uow.people.by_slack_id(request.requester)
        connector = self.connectors.get(request.app_key)

        def assign() -> None:
            if person is None or connector is None:
                raise NotSupported("the requester or the app's connector is unknown")
            who = Assignee(person.email, person.name, person.slack_user_id)
            connector.assign(who, request.tier_key)

        if self.call(job, assign, functools.partial(self._to_it, request_id)):
            self.runner(provisioned, RecordProvisioned(request_id))

    def _to_it(self, request_id: int, why: str, detail: str | None) -> None:
        log_handover(f"provisioning request {request_id}", why, detail)
        self.runner(provisioning_failed, HandProvisioningToIt(request_id, why, detail))
