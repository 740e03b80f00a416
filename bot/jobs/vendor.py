"""What the vendor-calling job handlers share: a call's failures turned into retries or an IT
task, and a last try that fails in a way nobody foresaw handed to IT instead of left hanging."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping

from bot.runtime.runner import Runner
from workflows.errors import Gone
from workflows.model import Job
from workflows.ports import Connector, ConnectorError, NotSupported, Retryable

log = logging.getLogger(__name__)
ToIt = Callable[[str, str | None], None]  # (why, the vendor's words) -> IT gets a task
BY_HAND = "this app's seats are changed by hand"


def log_handover(subject: str, why: str, detail: str | None) -> None:
    """One line when work goes to IT: expected for an app handled by hand, else a warning."""
    level = logging.INFO if why == BY_HAND else logging.WARNING
    log.log(level, "%s goes to IT: %s: %s", subject, why, detail)


class VendorHandlers:
    """A group of job handlers that call vendors: the runner and the connectors, no Slack."""

    def __init__(self, runner: Runner, connectors: Mapping[str, Connector]) -> None:
        self.runner = runner
        self.connectors = connectors

    def to_it_at_last(self, job: Job, attempt: Callable[[], None], to_it: ToIt) -> None:
        """Run `attempt`; on the job's last try, a surprise becomes an IT task, not a hang."""
        try:
            attempt()
        except (Retryable, Gone):
            raise
        except Exception as exc:
            if job.attempts + 1 < job.max_attempts:
                raise
            log.exception("%s job %s failed for good", job.kind, job.id)
            to_it(f"Seatkeeper could not do it ({type(exc).__name__})", None)

    def call(self, job: Job, vendor_call: Callable[[], None], to_it: ToIt) -> bool:
        """Make the vendor call; True when it worked. A refusal, a connector that cannot do it,
        or the last of many passing failures goes to IT (and False); other passing failures
        are retried later."""
        try:
            vendor_call()
        except Retryable as exc:
            if job.attempts + 1 < job.max_attempts:
                raise
            to_it("the vendor kept failing", str(exc))
        except NotSupported as exc:
            to_it(BY_HAND, str(exc))
        except ConnectorError as exc:
            to_it("the vendor refused", str(exc))
        else:
            return True
        return False
