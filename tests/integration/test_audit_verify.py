"""`seatkeeper audit verify` on a real database: an intact trail, and a trail tampered with in
its table (an edited, deleted or moved event) found at the right event and said how."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, Executable, delete, update

from bot.config.loader import load_config
from bot.runtime.runner import Runner
from store import tables
from store.catalog import sync_catalog
from store.db import session_factory
from store.uow import SqlUnitOfWork
from tests.fakes.clock import FakeClock
from tests.integration.cli_harness import Cli
from workflows.audit import event_hash, record
from workflows.commands import SubmitRequest
from workflows.model import AuditEvent
from workflows.requests import submit_request

EDITED = "its content does not match its hash (the event was edited)"
RELINKED = (
    "its link to the previous event is wrong "
    "(an event before it was deleted, or events were reordered)"
)
events = tables.audit_events


@pytest.fixture
def trail(cli: Cli) -> Iterator[Engine]:
    """Five audit events: a request submitted through the real verb, then four recorded."""
    assert cli("db", "upgrade").code == 0
    engine = cli.engine()
    config = load_config(cli.config, env={})
    sync_catalog(engine, config)
    clock = FakeClock()
    runner = Runner(session_factory(engine), config, clock)
    ask = SubmitRequest(requester="U0ADA0001", app_key="miro", tier_key="standard", reason="Maps")
    runner(submit_request, ask)
    with runner.uow() as uow:
        for n in range(4):
            clock.advance(minutes=1)
            record(uow, clock, "U0APPROV1", "note.added", "request:1", n=n)
        uow.commit()
    yield engine
    engine.dispose()


def change(engine: Engine, *statements: Executable) -> None:
    with engine.begin() as connection:
        for statement in statements:
            connection.execute(statement)


def stored(engine: Engine, seq: int) -> AuditEvent:
    with SqlUnitOfWork(session_factory(engine)) as uow:
        return next(event for event in uow.audit.all() if event.seq == seq)


def test_an_intact_trail_gives_its_length_and_the_start_of_its_last_hash(
    cli: Cli, trail: Engine
) -> None:
    outcome = cli("audit", "verify")

    assert (outcome.code, outcome.err) == (0, "")
    last = stored(trail, 5).hash or ""
    assert outcome.out == f"audit trail intact: 5 events, last hash {last[:12]}\n"


def test_an_empty_trail_is_intact(cli: Cli) -> None:
    assert cli("db", "upgrade").code == 0

    outcome = cli("audit", "verify")

    assert (outcome.code, outcome.out) == (0, "audit trail intact: 0 events\n")


def test_an_event_whose_data_was_edited_is_found_by_its_number(cli: Cli, trail: Engine) -> None:
    change(trail, update(events).where(events.c.seq == 3).values(data={"n": 99}))

    outcome = cli("audit", "verify")

    assert (outcome.code, outcome.out) == (1, f"audit trail broken at event #3: {EDITED}\n")


def test_an_event_whose_actor_was_edited_is_found_by_its_number(cli: Cli, trail: Engine) -> None:
    change(trail, update(events).where(events.c.seq == 1).values(actor="U0MALLORY"))

    outcome = cli("audit", "verify")

    assert (outcome.code, outcome.out) == (1, f"audit trail broken at event #1: {EDITED}\n")


def test_an_edit_whose_hash_was_recomputed_breaks_the_link_of_the_next_event(
    cli: Cli, trail: Engine
) -> None:
    forged = stored(trail, 2)
    forged.actor = "U0MALLORY"
    change(
        trail,
        update(events).where(events.c.seq == 2).values(actor=forged.actor, hash=event_hash(forged)),
    )

    outcome = cli("audit", "verify")

    assert (outcome.code, outcome.out) == (1, f"audit trail broken at event #3: {RELINKED}\n")


def test_a_deleted_event_is_named_as_missing_at_the_event_after_it(cli: Cli, trail: Engine) -> None:
    change(trail, delete(events).where(events.c.seq == 3))

    outcome = cli("audit", "verify")

    assert (outcome.code, outcome.out) == (
        1,
        "audit trail broken at event #4: event #3 is missing (deleted)\n",
    )


def test_deleting_the_first_events_is_found_too(cli: Cli, trail: Engine) -> None:
    change(trail, delete(events).where(events.c.seq <= 2))

    outcome = cli("audit", "verify")

    assert (outcome.code, outcome.out) == (
        1,
        "audit trail broken at event #3: events #1 to #2 are missing (deleted)\n",
    )


def test_a_deleted_event_whose_successors_were_renumbered_breaks_a_link(
    cli: Cli, trail: Engine
) -> None:
    change(
        trail,
        delete(events).where(events.c.seq == 2),
        *(update(events).where(events.c.seq == n).values(seq=n - 1) for n in (3, 4, 5)),
    )

    outcome = cli("audit", "verify")

    assert (outcome.code, outcome.out) == (1, f"audit trail broken at event #2: {RELINKED}\n")


def test_two_events_whose_numbers_were_swapped_are_found_at_the_first_of_them(
    cli: Cli, trail: Engine
) -> None:
    change(
        trail,
        update(events).where(events.c.seq == 3).values(seq=-3),
        update(events).where(events.c.seq == 4).values(seq=3),
        update(events).where(events.c.seq == -3).values(seq=4),
    )

    outcome = cli("audit", "verify")

    assert (outcome.code, outcome.out) == (1, f"audit trail broken at event #3: {RELINKED}\n")


def test_verifying_needs_a_current_schema_and_changes_nothing(cli: Cli) -> None:
    cli.setenv("SEATKEEPER_DATABASE_URL", f"sqlite:///{cli.folder / 'never-upgraded.db'}")

    outcome = cli("audit", "verify")

    assert outcome.code == 1
    assert "run `seatkeeper db upgrade` first" in outcome.err
