"""Housekeeping: forget Slack delivery ids once Slack can no longer retry or replay them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Engine

from store.deliveries import forget_before
from workflows.ports import Clock

DELIVERY_MEMORY = dt.timedelta(days=2)


@dataclass(frozen=True)
class Housekeeping:
    """Drops delivery records older than DELIVERY_MEMORY."""

    engine: Engine
    clock: Clock

    def __call__(self) -> int:
        """Forget old delivery ids; return how many."""
        return forget_before(self.engine, self.clock.now() - DELIVERY_MEMORY)
