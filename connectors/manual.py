"""The `manual` and `csv` connectors: IT fulfils seats by hand, so every write is an IT task."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

import httpx

from workflows.catalog import AppConfig, ConnectorConfig
from workflows.ports import Assignee, ContractFigures, NotSupported, SeatRecord


class ManualConfig(ConnectorConfig):
    """`{type: manual}`: no settings; IT gives and takes seats by hand."""

    type: Literal["manual"]


class CsvConfig(ConnectorConfig):
    """`{type: csv}`: no settings; seats come from CSV imports, changes are IT tasks."""

    type: Literal["csv"]


class ManualConnector:
    """A connector for apps without an API: it knows no seats and refuses writes."""

    manual: bool = True
    billed_to_cycle_end: bool = False

    def __init__(self, app_key: str, app_name: str, *, kind: str = "manual") -> None:
        self.app_key = app_key
        self.app_name = app_name
        self.kind = kind

    def list_seats(self) -> list[SeatRecord]:
        """No seats: the vendor is not asked."""
        return []

    def assign(self, who: Assignee, tier: str) -> None:
        """Refuse: IT gives the seat by hand."""
        raise self._by_hand(f"giving {who.email} a seat on {tier}")

    def revoke(self, who: Assignee) -> None:
        """Refuse: IT takes the seat away by hand."""
        raise self._by_hand(f"taking the seat from {who.email}")

    def change_tier(self, who: Assignee, tier: str) -> None:
        """Refuse: IT changes the tier by hand."""
        raise self._by_hand(f"moving {who.email} to {tier}")

    def contract(self) -> ContractFigures | None:
        """No contract figures."""
        return None

    def check(self) -> str:
        """Nothing to reach; say how seats are fulfilled."""
        return f"{self.kind}: IT fulfils by hand"

    def _by_hand(self, what: str) -> NotSupported:
        return NotSupported(f"{self.app_name}: {what} is fulfilled by IT by hand")


def from_config(
    app: AppConfig,
    config: ManualConfig | CsvConfig,
    *,
    client: httpx.Client,
    env: Mapping[str, str],
) -> ManualConnector:
    """IT fulfils by hand (`manual`), or seats come from CSV imports (`csv`)."""
    return ManualConnector(app.key, app.name, kind=config.type)
