"""Vendor connectors that call no vendor: each write is recorded as the call it would have
been, for the sandbox to show, and succeeds; apps fulfilled by hand stay manual."""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass

from connectors.manual import ManualConnector
from workflows.catalog import MANUAL, Config
from workflows.ports import Assignee, Clock, Connector, ContractFigures, SeatRecord


@dataclass(frozen=True)
class VendorCall:
    """One call a connector would have made."""

    at: dt.datetime
    app: str
    connector: str
    operation: str
    email: str
    tier: str | None = None


class VendorCalls:
    """Every would-be vendor call, oldest first; `version` grows with each."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._calls: list[VendorCall] = []

    @property
    def version(self) -> int:
        return len(self._calls)

    def add(self, call: VendorCall) -> None:
        with self._lock:
            self._calls.append(call)

    def all(self) -> list[VendorCall]:
        with self._lock:
            return list(self._calls)


class _DryRun:
    manual = False
    billed_to_cycle_end = False

    def __init__(self, app: str, connector: str, calls: VendorCalls, clock: Clock) -> None:
        self.app, self.connector, self.calls, self.clock = app, connector, calls, clock

    def _record(self, operation: str, who: Assignee, tier: str | None = None) -> None:
        call = VendorCall(self.clock.now(), self.app, self.connector, operation, who.email, tier)
        self.calls.add(call)

    def list_seats(self) -> list[SeatRecord]:
        return []

    def assign(self, who: Assignee, tier: str) -> None:
        self._record("assign", who, tier)

    def revoke(self, who: Assignee) -> None:
        self._record("revoke", who)

    def change_tier(self, who: Assignee, tier: str) -> None:
        self._record("change_tier", who, tier)

    def contract(self) -> ContractFigures | None:
        return None

    def check(self) -> str:
        return f"{self.connector}: dry run, no vendor is called"


def dry_run_connectors(config: Config, calls: VendorCalls, clock: Clock) -> dict[str, Connector]:
    """One connector per app that records its writes in `calls` instead of making them."""
    connectors: dict[str, Connector] = {}
    for app in config.apps:
        kind = app.connector.type
        if kind in (MANUAL, "csv"):
            connectors[app.key] = ManualConnector(app.key, app.name, kind=kind)
        else:
            connectors[app.key] = _DryRun(app.key, kind, calls, clock)
    return connectors
