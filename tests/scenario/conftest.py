"""Scenario variants: the same app with one contract seat, an approvals channel, IT review of
reclaims, or a short grace period."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.scenario.world import APPROVALS_CHANNEL, World, running_world


@pytest.fixture
def one_seat_world(database_url: str) -> Iterator[World]:
    """The scenario app with a single Miro seat on the contract."""
    with running_world(database_url, miro_seats=1) as world:
        yield world


@pytest.fixture
def channel_world(database_url: str) -> Iterator[World]:
    """The scenario app with approval messages in an approvals channel instead of DMs."""
    with running_world(database_url, approvals_channel=APPROVALS_CHANNEL) as world:
        yield world


@pytest.fixture
def review_world(database_url: str) -> Iterator[World]:
    """The scenario app with `review: true`: IT confirms each wave of reclaims."""
    with running_world(database_url, reclaim="{review: true}") as world:
        yield world


@pytest.fixture
def short_grace_world(database_url: str) -> Iterator[World]:
    """Five days' grace: a question asked early in the week ends on a weekend day."""
    with running_world(database_url, reclaim="{grace_days: 5}") as world:
        yield world
