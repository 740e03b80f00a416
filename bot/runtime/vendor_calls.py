"""Connectors whose every call is counted by app key, operation and outcome.

The outcome is `ok` or the failure's place in the connector error tree (`workflows.ports`):
`retryable`, `rejected`, `unknown_user`, `not_supported`, `failed` (any other connector
error), or `error` for an exception outside the tree. Who the call was about is never counted.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import ParamSpec, TypeVar

from prometheus_client import Counter

from workflows.ports import (
    Assignee,
    Connector,
    ConnectorError,
    ContractFigures,
    NotSupported,
    Rejected,
    Retryable,
    SeatRecord,
    UnknownUser,
)

P = ParamSpec("P")
R = TypeVar("R")
# Most specific first: UnknownUser is a Rejected.
OUTCOMES: tuple[tuple[type[Exception], str], ...] = (
    (UnknownUser, "unknown_user"),
    (Rejected, "rejected"),
    (NotSupported, "not_supported"),
    (Retryable, "retryable"),
    (ConnectorError, "failed"),
)


def outcome_of(exc: Exception) -> str:
    """The outcome label of a call that raised `exc`."""
    return next((name for kind, name in OUTCOMES if isinstance(exc, kind)), "error")


def counted(connectors: Mapping[str, Connector], calls: Counter) -> dict[str, Connector]:
    """Each app's connector, its calls counted in `calls` under the app's key."""
    return {app: CountedConnector(app, connector, calls) for app, connector in connectors.items()}


class CountedConnector:
    """A connector that counts each call of the one it wraps, then answers as it did."""

    def __init__(self, app: str, inner: Connector, calls: Counter) -> None:
        self.app = app
        self.inner = inner
        self.calls = calls
        self.manual = inner.manual
        self.billed_to_cycle_end = inner.billed_to_cycle_end

    def list_seats(self) -> list[SeatRecord]:
        return self._counted("list_seats", self.inner.list_seats)

    def assign(self, who: Assignee, tier: str) -> None:
        self._counted("assign", self.inner.assign, who, tier)

    def revoke(self, who: Assignee) -> None:
        self._counted("revoke", self.inner.revoke, who)

    def change_tier(self, who: Assignee, tier: str) -> None:
        self._counted("change_tier", self.inner.change_tier, who, tier)

    def contract(self) -> ContractFigures | None:
        return self._counted("contract", self.inner.contract)

    def check(self) -> str:
        return self._counted("check", self.inner.check)

    def _counted(self, operation: str, call: Callable[P, R], *args: P.args, **kw: P.kwargs) -> R:
        try:
            result = call(*args, **kw)
        except Exception as exc:
            self.calls.labels(self.app, operation, outcome_of(exc)).inc()
            raise
        self.calls.labels(self.app, operation, "ok").inc()
        return result
