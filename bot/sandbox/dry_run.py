"""Vendor calls off: connectors that record each write instead of sending it.

The sandbox runs the real app, so approvals, reclaims and IT tasks go through the connectors
as they would in production; these stand-ins answer as a vendor that accepts everything, and
keep a list of what would have been sent. Apps fulfilled by hand (`manual`, `csv`) keep
refusing writes, so IT still gets its tasks.
"""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass
from typing import Literal

from connectors.manual import ManualConnector
from workflows.catalog import AppConfig, Config
from workflows.ports import Assignee, Clock, Connector, ContractFigures, SeatRecord
from workflows.seats import MANUAL_CONNECTORS

Action = Literal["assign", "revoke", "change_tier"]
# The connector types whose removed seats stay billed to the end of the cycle, as the real
# connector of that type says (`connectors.github_copilot`); the reclaim DM mentions it.
CYCLE_BILLED = frozenset({"github_copilot"})


@dataclass(frozen=True)
class VendorCall:
    """One write a connector would have sent to the vendor."""

    at: dt.datetime
    app_key: str
    action: Action
    email: str
    tier: str | None = None


class VendorCalls:
    """Every vendor call of a dry run, in order; safe to share between the worker's threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._calls: list[VendorCall] = []
        self._version = 0

    def record(self, call: VendorCall) -> None:
        """Keep `call`; the version moves on."""
        with self._lock:
            self._calls.append(call)
            self._version += 1

    def all(self) -> list[VendorCall]:
        """Every call so far, oldest first."""
        with self._lock:
            return list(self._calls)

    @property
    def version(self) -> int:
        """Grows with each call, so a page can tell there is news without reading them all."""
        with self._lock:
            return self._version


class DryRunConnector:
    """A vendor that accepts every write and records it; it lists no seats.

    `manual` is True although writes succeed: it tells the sync there is no vendor to read,
    so an empty listing is not taken for every seat gone.
    """

    manual: bool = True

    def __init__(self, app: AppConfig, calls: VendorCalls, clock: Clock) -> None:
        self.app_key = app.key
        self.kind = app.connector.type
        self.billed_to_cycle_end = self.kind in CYCLE_BILLED
        self.calls = calls
        self.clock = clock

    def list_seats(self) -> list[SeatRecord]:
        """No seats: the vendor is not asked."""
        return []

    def assign(self, who: Assignee, tier: str) -> None:
        """Record the assignment."""
        self._record("assign", who, tier)

    def revoke(self, who: Assignee) -> None:
        """Record the removal."""
        self._record("revoke", who, None)

    def change_tier(self, who: Assignee, tier: str) -> None:
        """Record the move to `tier`."""
        self._record("change_tier", who, tier)

    def contract(self) -> ContractFigures | None:
        """No contract figures: the config's are used."""
        return None

    def check(self) -> str:
        """Nothing to reach; say so."""
        return f"{self.kind}: dry run, vendor calls are recorded and never sent"

    def _record(self, action: Action, who: Assignee, tier: str | None) -> None:
        self.calls.record(VendorCall(self.clock.now(), self.app_key, action, who.email, tier))


def dry_run_connectors(config: Config, calls: VendorCalls, clock: Clock) -> dict[str, Connector]:
    """A connector per app of `config`: vendor apps record their writes in `calls`, apps
    fulfilled by hand refuse them as in production."""
    connectors: dict[str, Connector] = {}
    for app in config.apps:
        if app.connector.type in MANUAL_CONNECTORS:
            connectors[app.key] = ManualConnector(app.key, app.name, kind=app.connector.type)
        else:
            connectors[app.key] = DryRunConnector(app, calls, clock)
    return connectors
