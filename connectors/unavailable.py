"""Stand-ins for a connector or directory that cannot be set up (its secret is missing or
malformed): built in its place so work that does not call it (a database upgrade, an import, a
report) goes on, while every call to it fails with the reason, and `unavailable` lists them for
the commands that must not start without them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import NoReturn

from workflows.ports import Assignee, Connector, ConnectorError, PersonRecord, SeatRecord


class UnavailableConnector:
    """An app's connector that could not be built; every call raises why."""

    manual = False
    billed_to_cycle_end = False

    def __init__(self, reason: str) -> None:
        self.reason = reason

    def _fail(self) -> NoReturn:
        raise ConnectorError(self.reason)

    def list_seats(self) -> list[SeatRecord]:
        self._fail()

    def assign(self, who: Assignee, tier: str) -> None:
        self._fail()

    def revoke(self, who: Assignee) -> None:
        self._fail()

    def change_tier(self, who: Assignee, tier: str) -> None:
        self._fail()

    def contract(self) -> None:
        self._fail()

    def check(self) -> str:
        self._fail()


class UnavailableDirectory:
    """The directory source that could not be built; every call raises why."""

    provides_org = False

    def __init__(self, reason: str) -> None:
        self.reason = reason

    def list_people(self) -> list[PersonRecord]:
        raise ConnectorError(self.reason)

    def check(self) -> str:
        raise ConnectorError(self.reason)


def unavailable(connectors: Mapping[str, Connector], directory: object = None) -> list[str]:
    """Why each connector (and the directory) that could not be built is missing, in app order."""
    reasons = [c.reason for c in connectors.values() if isinstance(c, UnavailableConnector)]
    if isinstance(directory, UnavailableDirectory):
        reasons.append(f"directory: {directory.reason}")
    return reasons
