"""Seat sync: vendors and the directory reconciled with the store, and IT told of drift."""

from __future__ import annotations

import datetime as dt

import httpx
from sqlalchemy import select

from store.tables import people, seats
from tests.fakes.slack_requests import app_home_opened
from tests.scenario.world import ALICE, IT_CHANNEL, World
from workflows.commands import ReconcileSeats
from workflows.ports import Assignee, PersonRecord, SeatRecord
from workflows.sync import reconcile_seats

CAROL = Assignee("carol@acme.test", "Carol Chen")
DEV = Assignee("dev@acme.test", "Dev Patel")


class ListedDirectory:
    """A directory source that answers with a fixed list (the real ones are tested apart)."""

    provides_org = True

    def __init__(self, listed: list[PersonRecord]) -> None:
        self.listed = listed

    def list_people(self) -> list[PersonRecord]:
        return list(self.listed)

    def check(self) -> str:
        return "listed"


def _seats(world: World) -> dict[str, tuple[str, str]]:
    with world.app.engine.connect() as connection:
        rows = connection.execute(select(seats.c.email, seats.c.tier_key, seats.c.status))
        return {row.email: (row.tier_key, row.status) for row in rows}


def _sync_notes(world: World) -> list[dict]:
    return [m for m in world.slack.messages(IT_CHANNEL) if m["text"].startswith("Seat sync")]


def test_seats_added_at_the_vendor_are_found_and_it_is_told_once(world: World) -> None:
    figma = world.app.connectors["figma"]
    figma.assign(CAROL, "professional")
    figma.assign(DEV, "professional")

    report = world.app.passes.sync.run()
    world.drain()

    assert report.apps[0].found == ["carol@acme.test", "dev@acme.test"]
    assert _seats(world) == {
        "carol@acme.test": ("professional", "active"),
        "dev@acme.test": ("professional", "active"),
    }
    assert len(_sync_notes(world)) == 1
    assert "2 new to Seatkeeper" in str(_sync_notes(world)[0]["blocks"])
    assert [e["action"] for e in world.audit()].count("seat.found") == 2


def test_a_second_sync_with_nothing_new_changes_nothing(world: World) -> None:
    world.app.connectors["figma"].assign(CAROL, "professional")
    world.app.passes.sync.run()
    world.drain()
    audit_before, seats_before = world.audit(), _seats(world)

    report = world.app.passes.sync.run()
    world.drain()

    assert not report.changed
    assert world.audit() == audit_before and _seats(world) == seats_before
    assert len(_sync_notes(world)) == 1


def test_a_seat_removed_at_the_vendor_is_marked_gone(world: World) -> None:
    figma = world.app.connectors["figma"]
    figma.assign(CAROL, "professional")
    world.app.passes.sync.run()
    figma.revoke(CAROL)

    report = world.app.passes.sync.run()

    assert report.apps[0].gone == ["carol@acme.test"]
    assert _seats(world)["carol@acme.test"] == ("professional", "revoked")
    assert "seat.gone" in [e["action"] for e in world.audit()]


def test_a_tier_changed_at_the_vendor_is_recorded(world: World) -> None:
    httpx.post(
        f"{world.scim.base_url}/Groups",
        json={"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "viewer"},
        headers={"Authorization": f"Bearer {world.scim.token}"},
    ).raise_for_status()
    figma = world.app.connectors["figma"]
    figma.assign(CAROL, "professional")
    world.app.passes.sync.run()
    figma.change_tier(CAROL, "viewer")

    report = world.app.passes.sync.run()

    assert report.apps[0].tier_changes == [("carol@acme.test", "professional", "viewer")]
    assert _seats(world)["carol@acme.test"] == ("viewer", "active")


def test_a_vendor_that_fails_is_reported_and_the_directory_still_syncs(world: World) -> None:
    world.app = world.app.with_peers(
        directory=ListedDirectory([PersonRecord("alice@acme.test", "Alice Archer", active=False)])
    )
    world.scim_stop()

    report = world.app.passes.sync.run()
    world.drain()

    assert report.apps[0].error and "Figma" in report.apps[0].error
    assert report.people is not None and report.people.left == ["alice@acme.test"]
    note = str(_sync_notes(world)[0]["blocks"])
    assert "was not synced" in note and "alice@acme.test" in note
    with world.app.engine.connect() as connection:
        active = connection.scalar(
            select(people.c.active).where(people.c.email == "alice@acme.test")
        )
    assert active is False
    assert "person.left" in [e["action"] for e in world.audit()]


def test_a_dry_run_reports_the_drift_and_changes_nothing(world: World) -> None:
    world.app.connectors["figma"].assign(CAROL, "professional")

    report = world.app.passes.sync.run(dry_run=True)
    world.drain()

    assert report.apps[0].found == ["carol@acme.test"]
    assert _seats(world) == {} and world.audit() == [] and _sync_notes(world) == []


def test_apps_fulfilled_by_hand_are_skipped(world: World) -> None:
    assert world.app.passes.sync.run().skipped == ["miro"]


def test_a_seat_the_vendor_keeps_until_the_end_of_its_billing_cycle_shows_that_date(
    world: World,
) -> None:
    ends = dt.date(2026, 12, 18)
    world.app.runner(
        reconcile_seats,
        ReconcileSeats("figma", [SeatRecord("alice@acme.test", "professional", ends_on=ends)]),
    )
    world.as_user(ALICE).send(app_home_opened(ALICE))
    assert "removed, paid until <!date^" in str(world.slack.home_view(ALICE))


def test_an_email_a_vendor_pads_with_spaces_or_capitals_is_the_same_seat(world: World) -> None:
    world.app.runner(
        reconcile_seats, ReconcileSeats("figma", [SeatRecord("carol@acme.test", "professional")])
    )

    drift = world.app.runner(
        reconcile_seats, ReconcileSeats("figma", [SeatRecord("  Carol@ACME.test ", "professional")])
    )

    assert (drift.found, drift.gone) == ([], [])


def test_a_listing_that_would_remove_most_seats_at_once_is_held_back_until_accepted(
    world: World,
) -> None:
    everyone = [SeatRecord(f"p{n}@acme.test", "professional") for n in range(12)]
    world.app.runner(reconcile_seats, ReconcileSeats("figma", everyone))
    figma = world.app.connectors["figma"]
    for seat in everyone[:5]:  # the vendor (or a broken listing) now shows only five
        figma.assign(Assignee(seat.email), "professional")

    held_back = world.app.passes.sync.run()
    world.drain()

    assert held_back.apps[0].gone == [] and "would remove 7 of the 12" in (
        held_back.apps[0].error or ""
    )
    assert "was not synced" in str(_sync_notes(world)[-1]["blocks"])
    accepted = world.app.passes.sync.run(accept_removals=True)
    assert len(accepted.apps[0].gone) == 7
