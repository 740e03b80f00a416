"""Provisioning: assign a request's seat through its app's connector, or hand it to IT."""

from __future__ import annotations

import logging
from collections.abc import Mapping

from bot.jobs.subjects import load_request
from bot.runtime.runner import Runner
from workflows import jobs
from workflows.commands import HandProvisioningToIt, RecordProvisioned
from workflows.errors import Gone
from workflows.model import Job, Request, RequestStatus
from workflows.ports import Assignee, Connector, ConnectorError, NotSupported, Retryable
from workflows.seats import provisioned, provisioning_failed

log = logging.getLogger(__name__)


class Provisioning:
    """The handler of vendor calls: the connectors and the runner, nothing of Slack."""

    def __init__(self, runner: Runner, connectors: Mapping[str, Connector]) -> None:
        self.runner = runner
        self.connectors = connectors

    def provision(self, job: Job) -> None:
        """Assign the seat through the app's connector; hand it to IT when that fails for good."""
        p = jobs.read(job, jobs.Provision)
        try:
            self._provision(job, p.request_id)
        except (Retryable, Gone):
            raise
        except Exception as exc:
            if job.attempts + 1 < job.max_attempts:
                raise
            # The last try failed in a way nobody foresaw: the request must not be left
            # "being set up" forever, so IT finishes it by hand.
            log.exception("provisioning job %s failed for good", job.id)
            why = f"Seatkeeper could not set it up ({type(exc).__name__})"
            self.runner(provisioning_failed, HandProvisioningToIt(p.request_id, why))

    def _provision(self, job: Job, request_id: int) -> None:
        with self.runner.uow() as uow:
            request = load_request(uow, request_id)
            if request.status != RequestStatus.PROVISIONING:
                return
            person = uow.people.by_slack_id(request.requester)
        connector = self.connectors.get(request.app_key)
        try:
            if person is None or connector is None:
                raise NotSupported("the requester or the app's connector is unknown")
            connector.assign(
                Assignee(person.email, person.name, person.slack_user_id), request.tier_key
            )
        except Retryable as exc:
            if job.attempts + 1 < job.max_attempts:
                raise
            self._to_it(request, "the vendor kept failing", str(exc))
        except ConnectorError as exc:
            self._to_it(request, "the vendor refused", str(exc))
        else:
            self.runner(provisioned, RecordProvisioned(request_id))

    def _to_it(self, request: Request, why: str, detail: str) -> None:
        log.warning("provisioning request %s failed: %s: %s", request.id, why, detail)
        self.runner(provisioning_failed, HandProvisioningToIt(request.id or 0, why, detail))
