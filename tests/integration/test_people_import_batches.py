"""People imports and directory syncs applied in batches: all lines or none are accepted, a
run killed between batches converges when run again, and leavers are judged on the whole
listing."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.cli.main import main
from bot.runtime.batches import BATCH
from store import tables
from store.db import make_engine, session_factory
from store.uow import SqlUnitOfWork
from tests.integration.cli_harness import Cli
from tests.integration.people_files import (
    import_env,
    importing,
    people_rows,
    scalar,
    stored_people,
    write_people,
)
from tests.integration.test_cli import people_in
from tests.integration.test_sync_hard_cases import ListedDirectory
from tests.scenario.world import World
from workflows.audit import verify_chain
from workflows.ports import PersonRecord

PEOPLE = 2 * BATCH + 500  # three batches


def import_here(monkeypatch: pytest.MonkeyPatch, database: Path, file: Path) -> int:
    """`seatkeeper import people FILE` in this process."""
    for name, value in import_env(file.parent, database).items():
        monkeypatch.setenv(name, value)
    return main(["import", "people", str(file)])


def audit_actions(database: Path) -> list[str]:
    engine = make_engine(f"sqlite:///{database}")
    try:
        with SqlUnitOfWork(session_factory(engine)) as uow:
            events = uow.audit.all()
            assert verify_chain(events) is None
            return [event.action for event in events]
    finally:
        engine.dispose()


def test_one_bad_line_in_the_last_batch_of_a_large_file_imports_nobody(cli: Cli) -> None:
    rows = [",".join(row) for row in people_rows(PEOPLE)]
    file = cli.write_people(*rows, "p999999@acme.test,Broken,U99999999,,,perhaps")

    outcome = cli("import", "people", file)

    assert outcome.code == 1
    assert f"{file}:{PEOPLE + 2}:" in outcome.err
    assert "nothing was imported" in outcome.err
    assert people_in(cli.database_url) == {}


def test_an_import_killed_between_batches_and_run_again_ends_with_exactly_the_files_people(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    database = tmp_path / "seatkeeper.db"
    before = write_people(tmp_path / "before.csv", people_rows(PEOPLE))
    assert import_here(monkeypatch, database, before) == 0
    wanted = people_rows(PEOPLE, name="Renamed", leavers_every=7)
    file = write_people(tmp_path / "people.csv", wanted)
    renamed = "SELECT count(*) FROM people WHERE name LIKE 'Renamed %'"

    with importing(tmp_path, database, file) as process:
        deadline = time.monotonic() + 120
        while scalar(database, renamed) == 0 and process.poll() is None:
            assert time.monotonic() < deadline, "the import never committed a batch"
            time.sleep(0.005)
        os.kill(process.pid, signal.SIGKILL)
        process.communicate(timeout=30)
    done_before_the_kill = scalar(database, renamed)

    assert process.returncode == -signal.SIGKILL
    assert 0 < done_before_the_kill < PEOPLE  # killed between batches, not after the last
    assert import_here(monkeypatch, database, file) == 0
    assert stored_people(database) == set(wanted)
    leavers = sum(1 for row in wanted if row[5] == "false")
    assert audit_actions(database).count("person.left") == leavers  # none twice


def test_two_people_swapping_slack_ids_in_one_file_both_get_the_new_ones(cli: Cli) -> None:
    before = [
        "a0@acme.test,Al,U0A0A0A01,,,",
        "a@acme.test,A,U0AAAAAA1,,,",
        "b@acme.test,B,U0BBBBBB2,,,",
    ]
    assert cli("import", "people", cli.write_people(*before)).code == 0
    # Al leaving comes first, so the audit trail is already open when the ids change hands.
    swapped = cli.write_people(
        "a0@acme.test,Al,U0A0A0A01,,,false",
        "a@acme.test,A,U0BBBBBB2,,,",
        "b@acme.test,B,U0AAAAAA1,,,",
        name="swapped.csv",
    )

    outcome = cli("import", "people", swapped)

    assert (outcome.code, outcome.err) == (0, "")
    people = people_in(cli.database_url)
    assert {email: row["slack_user_id"] for email, row in people.items()} == {
        "a0@acme.test": "U0A0A0A01",
        "a@acme.test": "U0BBBBBB2",
        "b@acme.test": "U0AAAAAA1",
    }


# --- a complete directory listing, longer than one batch --------------------------------


def listed_once(world: World) -> list[PersonRecord]:
    """A directory listing longer than a batch, synced once; the listing is returned."""
    everyone = [PersonRecord(f"listed{n:05d}@acme.test", f"Listed {n}") for n in range(BATCH + 600)]
    world.app = world.app.with_peers(directory=ListedDirectory(everyone))
    world.app.passes.sync.run()
    return everyone


def active(world: World) -> set[str]:
    people = tables.people.c
    with world.app.engine.connect() as connection:
        query = select(people.email).where(people.active, people.email.like("listed%"))
        return set(connection.execute(query).scalars())


def test_a_complete_listing_longer_than_a_batch_still_marks_who_it_no_longer_lists(
    world: World,
) -> None:
    everyone = listed_once(world)
    gone = [everyone[0].email, everyone[BATCH // 2].email, everyone[-1].email]
    world.app = world.app.with_peers(
        directory=ListedDirectory([p for p in everyone if p.email not in gone])
    )

    report = world.app.passes.sync.run()

    assert report.people is not None and report.people.error is None
    assert report.people.left == sorted(gone)
    assert active(world) == {p.email for p in everyone} - set(gone)


def test_a_complete_listing_longer_than_a_batch_still_holds_back_when_most_people_vanish(
    world: World,
) -> None:
    everyone = listed_once(world)
    world.app = world.app.with_peers(directory=ListedDirectory(everyone[:500]))

    report = world.app.passes.sync.run()

    assert report.people is not None and report.people.left == []
    assert report.people.error is not None
    assert f"no longer lists {len(everyone) - 500} of the {len(everyone)}" in report.people.error
    assert active(world) == {p.email for p in everyone}
