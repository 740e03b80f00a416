"""Hard cases of sync and imports: vendor and directory glitches, races with provisioning,
data a source does not have, malformed files, and what the command line promises."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from alembic.runtime.migration import MigrationContext
from sqlalchemy import select, update

from store import tables
from store.db import make_engine
from store.migrate import upgrade
from tests.fakes.scim_server import RunningScimServer
from tests.integration.cli_harness import MANUAL_CONFIG, Cli
from tests.integration.test_cli import SEATS_HEADER, write
from tests.scenario.world import ALICE, World
from workflows.catalog import Config
from workflows.commands import ReconcileSeats
from workflows.model import Seat
from workflows.ports import Clock, PersonRecord, SeatRecord, UnitOfWork
from workflows.sync import reconcile_seats

CAROL, DEV = "carol@acme.test", "dev@acme.test"


class Listed:
    """A vendor connector that answers `list_seats` with a fixed list."""

    manual = False

    def __init__(self, records: list[SeatRecord], before_return: Any = None) -> None:
        self.records = records
        self.before_return = before_return

    def list_seats(self) -> list[SeatRecord]:
        snapshot = list(self.records)
        if self.before_return is not None:
            self.before_return()
        return snapshot

    def check(self) -> str:
        return "listed"


class Broken(Listed):
    """A connector with a bug: an unexpected vendor shape raises something not a ConnectorError."""

    def list_seats(self) -> list[SeatRecord]:
        raise KeyError("Resources")


class ListedDirectory:
    """A directory source that answers with a fixed list."""

    def __init__(self, listed: list[PersonRecord], *, provides_org: bool = True) -> None:
        self.listed = listed
        self.provides_org = provides_org

    def list_people(self) -> list[PersonRecord]:
        return list(self.listed)

    def check(self) -> str:
        return "listed"


def use_connector(world: World, key: str, connector: Any) -> None:
    world.app = world.app.with_peers(connectors={**world.app.connectors, key: connector})


def seed(world: World, *records: SeatRecord) -> None:
    world.app.runner(reconcile_seats, ReconcileSeats("figma", list(records)))


@dataclass(frozen=True)
class AddSeat:
    seat: Seat


def add_seat(cmd: AddSeat, *, uow: UnitOfWork, config: Config, clock: Clock) -> None:
    uow.seats.add(cmd.seat)


def seat_rows(world: World) -> dict[str, dict[str, Any]]:
    with world.app.engine.connect() as connection:
        rows = connection.execute(select(tables.seats)).mappings().all()
    return {row["email"]: dict(row) for row in rows}


def held(world: World) -> dict[str, str]:
    return {
        email: row["tier_key"]
        for email, row in seat_rows(world).items()
        if row["status"] in ("active", "releasing")
    }


def person(world: World, email: str) -> dict[str, Any]:
    with world.app.engine.connect() as connection:
        row = (
            connection.execute(select(tables.people).where(tables.people.c.email == email))
            .mappings()
            .one()
        )
    return dict(row)


def actions(world: World) -> list[str]:
    return [event["action"] for event in world.audit()]


# --- reconciliation ----------------------------------------------------------------------


def test_an_empty_vendor_list_does_not_revoke_every_seat(world: World) -> None:
    seed(world, SeatRecord(CAROL, "professional"), SeatRecord(DEV, "professional"))
    use_connector(world, "figma", Listed([]))

    report = world.app.passes.sync.run()

    assert held(world) == {CAROL: "professional", DEV: "professional"}
    assert report.apps[0].gone == [] and report.apps[0].error


def test_a_releasing_seat_whose_tier_changed_at_the_vendor_does_not_abort_the_sync(
    world: World,
) -> None:
    seed(world, SeatRecord(CAROL, "professional"))
    with world.app.engine.begin() as connection:
        connection.execute(update(tables.seats).values(status="releasing"))
    use_connector(world, "figma", Listed([SeatRecord(CAROL, "viewer")]))

    report = world.app.passes.sync.run()  # raises InvalidTransition today

    assert report.skipped == ["miro"]
    assert list(held(world)) == [CAROL]


def test_one_app_failing_with_an_unexpected_error_does_not_stop_the_others(
    world: World,
) -> None:
    use_connector(world, "figma", Broken([]))

    report = world.app.passes.sync.run()  # raises KeyError today

    assert report.apps[0].error
    assert report.skipped == ["miro"]


def test_a_tier_the_catalog_does_not_have_is_not_stored_on_the_seat(world: World) -> None:
    seed(world, SeatRecord(CAROL, "professional"))
    use_connector(
        world, "figma", Listed([SeatRecord(CAROL, "Enterprise"), SeatRecord(DEV, "Admin")])
    )

    world.app.passes.sync.run()

    tiers = {t.key for t in world.app.config.app("figma").tiers}
    assert set(held(world).values()) <= tiers, held(world)


def test_an_email_listed_twice_gives_the_same_result_whatever_the_vendor_order(
    world: World,
) -> None:
    pro = SeatRecord(CAROL, "professional", last_active_on=dt.date(2026, 11, 1))
    viewer = SeatRecord(CAROL.upper(), "viewer", last_active_on=dt.date(2026, 9, 1))
    use_connector(world, "figma", Listed([viewer, pro]))
    world.app.passes.sync.run()
    use_connector(world, "figma", Listed([pro, viewer]))

    again = world.app.passes.sync.run()

    assert not again.changed, again.apps[0]
    assert seat_rows(world)[CAROL]["last_active_on"] == dt.date(2026, 11, 1)


def test_a_seat_fulfilled_while_the_vendor_was_being_listed_is_not_marked_gone(
    world: World,
) -> None:
    seed(world, SeatRecord(CAROL, "professional"))

    def fulfilled_meanwhile() -> None:  # the job worker records a seat the vendor just gave
        seat = Seat(
            app_key="figma",
            tier_key="professional",
            email=DEV,
            recorded_at=world.clock.advance(seconds=1),
        )
        world.app.runner(add_seat, AddSeat(seat))

    use_connector(world, "figma", Listed([SeatRecord(CAROL, "professional")], fulfilled_meanwhile))

    report = world.app.passes.sync.run()

    assert report.apps[0].gone == []
    assert held(world) == {CAROL: "professional", DEV: "professional"}


# --- the directory -----------------------------------------------------------------------


def test_a_directory_without_managers_keeps_the_managers_already_known(world: World) -> None:
    before = person(world, "alice@acme.test")
    assert before["manager_email"] == "dana@acme.test"
    # What SlackDirectory reports: no manager, no department.
    world.app = world.app.with_peers(
        directory=ListedDirectory(
            [PersonRecord("alice@acme.test", "Alice Archer", slack_user_id=ALICE)],
            provides_org=False,
        )
    )

    world.app.passes.sync.run()

    after = person(world, "alice@acme.test")
    assert after["manager_email"] == "dana@acme.test"
    assert after["department"] == "Design"


def test_an_email_change_in_the_directory_does_not_abort_the_sync(world: World) -> None:
    world.app = world.app.with_peers(
        directory=ListedDirectory(
            [PersonRecord("alice.archer@acme.test", "Alice Archer", slack_user_id=ALICE)]
        )
    )

    report = world.app.passes.sync.run()  # raises IntegrityError today

    assert report.skipped == ["miro"]
    assert report.apps and report.apps[0].app_key == "figma"


def test_a_rehire_listed_twice_is_not_a_leaver_at_every_sync(world: World) -> None:
    world.app = world.app.with_peers(
        directory=ListedDirectory(
            [
                PersonRecord("bo@acme.test", "Bo (old account)", active=False),
                PersonRecord("Bo@acme.test", "Bo", active=True),
            ]
        )
    )
    world.app.passes.sync.run()

    again = world.app.passes.sync.run()

    assert again.people is not None and again.people.left == []
    assert person(world, "bo@acme.test")["active"] is True
    assert "person.left" not in actions(world)


def test_someone_the_directory_no_longer_lists_is_reported_as_a_leaver(world: World) -> None:
    everyone = [
        PersonRecord("alice@acme.test", "Alice Archer", slack_user_id=ALICE),
        PersonRecord("bo@acme.test", "Bo"),
    ]
    world.app = world.app.with_peers(directory=ListedDirectory(everyone))
    use_connector(world, "figma", Listed([SeatRecord("bo@acme.test", "professional")]))
    world.app.passes.sync.run()
    world.app = world.app.with_peers(directory=ListedDirectory(everyone[:1]))

    report = world.app.passes.sync.run()

    assert report.people is not None and report.people.left == ["bo@acme.test"]


# --- the command line --------------------------------------------------------------------


def test_import_people_marking_someone_inactive_records_a_leaver(cli: Cli) -> None:
    assert cli("import", "people", cli.write_people("ada@acme.com,Ada,U0ADA0001,,,true")).code == 0
    leaving = cli.write_people("ada@acme.com,Ada,U0ADA0001,,,false", name="leaving.csv")

    assert cli("import", "people", leaving).code == 0

    engine = cli.engine()
    try:
        with engine.connect() as connection:
            found = list(connection.execute(select(tables.audit_events.c.action)).scalars())
    finally:
        engine.dispose()
    assert "person.left" in found


def test_import_people_moving_a_slack_id_to_a_new_email_does_not_crash(cli: Cli) -> None:
    assert cli("import", "people", cli.write_people("ada@acme.com,Ada,U0ADA0001,,,true")).code == 0
    renamed = cli.write_people(
        "ada@acme.com,Ada,,,,false",
        "ada.lovelace@acme.com,Ada Lovelace,U0ADA0001,,,true",
        name="renamed.csv",
    )

    outcome = cli("import", "people", renamed)  # raises IntegrityError today

    assert outcome.code in (0, 1)
    assert "Traceback" not in outcome.err


def test_a_csv_with_a_huge_field_is_a_line_problem_not_a_traceback(cli: Cli) -> None:
    file = write(cli, "seats.csv", SEATS_HEADER, "miro,standard,ann@acme.com,," + "x" * 200_000)

    outcome = cli("import", "seats", file)  # raises _csv.Error today

    assert outcome.code == 1
    assert f"{file}:2" in outcome.err


def test_check_with_a_slack_directory_and_no_bot_token_says_what_is_wrong(cli: Cli) -> None:
    cli.write_config(MANUAL_CONFIG + "directory: {source: slack}\n")
    cli.monkeypatch.delenv("SLACK_BOT_TOKEN")

    outcome = cli("check")  # raises ConnectorError today

    assert outcome.code in (1, 2)
    assert "SLACK_BOT_TOKEN" in outcome.out + outcome.err


def test_a_usage_date_far_in_the_future_is_refused(cli: Cli) -> None:
    seats = write(cli, "seats.csv", SEATS_HEADER, "miro,standard,ann@acme.com,,")
    assert cli("import", "seats", seats).code == 0
    usage = write(cli, "usage.csv", "app,email,last_active_on", "miro,ann@acme.com,2099-10-02")

    outcome = cli("import", "usage", usage)

    assert outcome.code == 1
    assert f"{usage}:2" in outcome.err


def test_run_sync_posts_its_drift_summary_to_the_it_channel(
    scim_cli: Cli, scim_server: RunningScimServer
) -> None:
    scim_server.add_user("ann@acme.com")

    outcome = scim_cli("run", "sync")

    assert outcome.code == 0 and "figma: 1 found" in outcome.out
    posted = scim_cli.slack.calls_to("chat.postMessage")
    assert [call["channel"] for call in posted] == ["C0ITOPS01"]


def test_a_dry_run_does_not_migrate_the_database(cli: Cli) -> None:
    database = f"sqlite:///{cli.folder / 'behind.db'}"
    engine = make_engine(database)
    try:
        upgrade(engine, "0001")
        cli.setenv("SEATKEEPER_DATABASE_URL", database)

        cli("run", "sync", "--dry-run")

        with engine.connect() as connection:
            assert MigrationContext.configure(connection).get_current_revision() == "0001"
    finally:
        engine.dispose()
