"""The `seatkeeper` command line, driven through `bot.cli.main` as an operator would run it."""

from __future__ import annotations

import datetime as dt
import logging
import re
from typing import Any

import pytest
from sqlalchemy import select

from bot.config.loader import load_config
from bot.runtime.runner import Runner
from store import tables
from store.catalog import sync_catalog
from store.db import make_engine, session_factory
from store.migrate import is_current, upgrade
from store.uow import SqlUnitOfWork
from tests.database import rows_of
from tests.fakes.clock import FakeClock
from tests.fakes.scim_server import RunningScimServer
from tests.integration.cli_harness import (
    MANUAL_CONFIG,
    SCIM_TOKEN_ENV,
    SIGNING_SECRET,
    SLACK_TOKEN,
    Cli,
    Outcome,
    scim_app,
)
from workflows.commands import SubmitRequest
from workflows.requests import submit_request


def people_in(database_url: str) -> dict[str, dict[str, Any]]:
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(select(tables.people)).mappings().all()
    finally:
        engine.dispose()
    return {row["email"]: dict(row) for row in rows}


def snapshot(database_url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in primary-key order."""
    engine = make_engine(database_url)
    try:
        return rows_of(engine)
    finally:
        engine.dispose()


def problems_in(err: str, file: str) -> dict[int, str]:
    """The `FILE:LINE: reason` lines of an import's stderr, as {line: reason}."""
    pattern = re.compile(rf"^\s*{re.escape(file)}:(\d+): (.+)$")
    return {
        int(match[1]): match[2]
        for match in (pattern.match(line) for line in err.splitlines())
        if match is not None
    }


def lines_with_status(out: str) -> dict[str, str]:
    """`check` output as {subject: status}, e.g. {"slack": "ok", "figma": "FAIL"}."""
    found = {}
    for line in out.splitlines():
        status, _, rest = line.partition(" ")
        if status in ("ok", "FAIL"):
            found[rest.strip().split(":")[0].removeprefix("app ")] = status
    return found


# --- import people ---------------------------------------------------------------------


def test_import_people_adds_everyone_and_looks_up_blank_slack_ids_by_email(cli: Cli) -> None:
    cli.slack.add_user("U0GRACE01", "grace@acme.com", "Grace Hopper")
    file = cli.write_people(
        "ada@acme.com,Ada Lovelace,U0ADA0001,grace@acme.com,Engineering,true",
        "grace@acme.com,Grace Hopper,,,Engineering,yes",
    )

    outcome = cli("import", "people", file)

    assert (outcome.code, outcome.err) == (0, "")
    assert "2 people added, 0 updated" in outcome.out
    assert [call["email"] for call in cli.slack.calls_to("users.lookupByEmail")] == [
        "grace@acme.com"
    ]
    people = people_in(cli.database_url)
    assert set(people) == {"ada@acme.com", "grace@acme.com"}
    assert people["grace@acme.com"]["slack_user_id"] == "U0GRACE01"
    assert people["ada@acme.com"]["slack_user_id"] == "U0ADA0001"
    assert people["ada@acme.com"]["manager_email"] == "grace@acme.com"
    assert people["ada@acme.com"]["department"] == "Engineering"
    assert people["ada@acme.com"]["active"] is True


def test_imported_people_are_found_through_the_unit_of_work(cli: Cli) -> None:
    file = cli.write_people("ada@acme.com,Ada Lovelace,U0ADA0001,,Engineering,true")

    assert cli("import", "people", file).code == 0

    engine = cli.engine()
    try:
        with SqlUnitOfWork(session_factory(engine)) as uow:
            ada = uow.people.by_slack_id("U0ADA0001")
            assert ada is not None
            assert ada.email == "ada@acme.com"
            assert uow.people.by_email("ADA@acme.com") is not None
    finally:
        engine.dispose()


def test_a_file_with_bad_lines_among_good_ones_lists_every_bad_line_and_imports_nothing(
    cli: Cli,
) -> None:
    file = cli.write_people(
        "ada@acme.com,Ada Lovelace,U0ADA0001,,Engineering,true",
        "not-an-email,Broken Email,U0BAD0001,,,true",
        "grace@acme.com,Grace Hopper,U0GRACE01,,Engineering,true",
        "alan@acme.com,Alan Turing,U0ALAN001,,Research,perhaps",
    )

    outcome = cli("import", "people", file)

    assert outcome.code == 1
    assert outcome.out == ""
    problems = problems_in(outcome.err, file)
    assert sorted(problems) == [3, 5]
    assert "not-an-email" in problems[3]
    assert "perhaps" in problems[5]
    assert "nothing was imported" in outcome.err
    assert people_in(cli.database_url) == {}


def test_an_email_unknown_to_slack_is_imported_without_an_id_and_the_summary_says_so(
    cli: Cli,
) -> None:
    cli.slack.add_user("U0GRACE01", "grace@acme.com", "Grace Hopper")
    file = cli.write_people(
        "grace@acme.com,Grace Hopper,,,Engineering,true",
        "ghost@acme.com,Nobody Known,,,Engineering,true",
    )

    outcome = cli("import", "people", file)

    assert (outcome.code, outcome.err) == (0, "")
    assert "note: 1 person has no Slack user with their email" in outcome.out
    people = people_in(cli.database_url)
    assert people["grace@acme.com"]["slack_user_id"] == "U0GRACE01"
    assert people["ghost@acme.com"]["slack_user_id"] is None


def test_blank_slack_ids_without_a_slack_token_are_imported_and_wait_for_a_lookup(
    cli: Cli,
) -> None:
    cli.monkeypatch.delenv("SLACK_BOT_TOKEN")
    file = cli.write_people(
        "grace@acme.com,Grace Hopper,,,Engineering,true",
        "ada@acme.com,Ada Lovelace,,grace@acme.com,Engineering,true",
    )

    outcome = cli("import", "people", file)

    assert (outcome.code, outcome.err) == (0, "")
    assert "2 people added" in outcome.out
    assert "note: 2 people have no Slack id yet: import again with SLACK_BOT_TOKEN" in outcome.out
    assert cli.slack.calls_to("users.lookupByEmail") == []


@pytest.mark.parametrize(
    ("rows", "line", "reason"),
    [
        (
            ["ada@acme.com,Ada,U0ADA0001,grace@acme.co,,true"],
            2,
            "manager_email grace@acme.co is neither in this file nor in the directory",
        ),
        (["ada@acme.com,Ada,U0ADA0001,ada@acme.com,,true"], 2, "ada@acme.com is their own manager"),
        (
            [
                "ada@acme.com,Ada,U0ADA0001,bo@acme.com,,true",
                "bo@acme.com,Bo,U0BO00001,cy@acme.com,,true",
                "cy@acme.com,Cy,U0CY00001,ada@acme.com,,true",
            ],
            2,
            "manager loop: ada@acme.com → bo@acme.com → cy@acme.com → ada@acme.com",
        ),
    ],
    ids=["unknown manager", "own manager", "manager loop"],
)
def test_a_manager_who_cannot_approve_is_a_line_problem_and_nothing_is_imported(
    cli: Cli, rows: list[str], line: int, reason: str
) -> None:
    outcome = cli("import", "people", cli.write_people(*rows))

    assert outcome.code == 1
    assert problems_in(outcome.err, "people.csv") == {line: reason}
    assert people_in(cli.database_url) == {}


def test_a_manager_who_left_is_imported_with_a_note_that_approvals_go_to_the_admins(
    cli: Cli,
) -> None:
    file = cli.write_people(
        "ada@acme.com,Ada,U0ADA0001,grace@acme.com,,true",
        "grace@acme.com,Grace,U0GRACE01,,,false",
    )

    outcome = cli("import", "people", file)

    assert (outcome.code, outcome.err) == (0, "")
    assert (
        "note: 1 person (ada@acme.com) has a manager who has left: their approvals go to the admins"
    ) in outcome.out


def test_an_inactive_person_without_a_slack_id_is_imported_without_a_lookup(cli: Cli) -> None:
    file = cli.write_people("leaver@acme.com,Lee Ver,,,Sales,false")

    outcome = cli("import", "people", file)

    assert (outcome.code, outcome.err) == (0, "")
    assert cli.slack.calls_to("users.lookupByEmail") == []
    leaver = people_in(cli.database_url)["leaver@acme.com"]
    assert leaver["active"] is False
    assert leaver["slack_user_id"] is None


def test_importing_again_updates_people_instead_of_adding_them_twice(cli: Cli) -> None:
    first = cli.write_people(
        "ada@acme.com,Ada Lovelace,U0ADA0001,grace@acme.com,Engineering,true",
        "grace@acme.com,Grace Hopper,U0GRACE01,,Engineering,true",
        name="first.csv",
    )
    second = cli.write_people(
        "ada@acme.com,Ada Lovelace,U0ADA0001,grace@acme.com,Research,true",
        "grace@acme.com,Grace Hopper,U0GRACE01,,Engineering,true",
        name="second.csv",
    )
    assert cli("import", "people", first).code == 0

    outcome = cli("import", "people", second)

    assert outcome.code == 0
    assert "0 people added, 1 updated, 1 unchanged" in outcome.out
    people = people_in(cli.database_url)
    assert len(people) == 2
    assert people["ada@acme.com"]["manager_email"] == "grace@acme.com"
    assert people["ada@acme.com"]["department"] == "Research"


def test_a_bad_re_import_leaves_the_people_already_imported_as_they_were(cli: Cli) -> None:
    good = cli.write_people(
        "ada@acme.com,Ada Lovelace,U0ADA0001,,Engineering,true", name="good.csv"
    )
    bad = cli.write_people(
        "ada@acme.com,Ada Lovelace,U0ADA0001,,Research,true",
        "broken line without enough columns",
        name="bad.csv",
    )
    assert cli("import", "people", good).code == 0
    before = people_in(cli.database_url)

    outcome = cli("import", "people", bad)

    assert outcome.code == 1
    assert list(problems_in(outcome.err, bad)) == [3]
    assert people_in(cli.database_url) == before


def test_a_missing_people_file_is_reported_and_nothing_is_imported(cli: Cli) -> None:
    outcome = cli("import", "people", "missing.csv")

    assert outcome.code == 2  # a file it cannot read: see the exit codes
    assert "missing.csv" in outcome.err
    assert "Traceback" not in outcome.err


def test_two_rows_with_the_same_slack_id_are_a_problem_on_the_second_line(cli: Cli) -> None:
    file = cli.write_people(
        "ada@acme.com,Ada Lovelace,U0ADA0001,,Engineering,true",
        "ada.l@acme.com,Ada L,U0ADA0001,,Engineering,true",
    )

    outcome = cli("import", "people", file)

    assert outcome.code == 1
    assert list(problems_in(outcome.err, file)) == [3]
    assert people_in(cli.database_url) == {}


def test_a_slack_id_already_held_by_someone_else_is_a_problem_on_its_line(cli: Cli) -> None:
    first = cli.write_people("ada@acme.com,Ada Lovelace,U0ADA0001,,,true", name="first.csv")
    assert cli("import", "people", first).code == 0
    second = cli.write_people("lovelace@acme.com,Ada L,U0ADA0001,,,true", name="second.csv")

    outcome = cli("import", "people", second)

    assert outcome.code == 1
    assert list(problems_in(outcome.err, second)) == [2]
    assert set(people_in(cli.database_url)) == {"ada@acme.com"}


# --- check -----------------------------------------------------------------------------


def test_check_says_ok_for_the_config_database_slack_and_every_connector(scim_cli: Cli) -> None:
    outcome = scim_cli("check")

    assert outcome.code == 0, outcome.out + outcome.err
    assert outcome.out.splitlines()[0].startswith("config: ok")
    assert lines_with_status(outcome.out) == {
        "database": "ok",
        "slack": "ok",
        "figma": "ok",
        "miro": "ok",
    }
    assert "signed in as" in outcome.out
    assert scim_cli.slack.calls_to("auth.test") != []


def test_check_fails_naming_slack_when_the_bot_token_is_refused(scim_cli: Cli) -> None:
    scim_cli.setenv("SLACK_BOT_TOKEN", "xoxb-not-the-right-token")

    outcome = scim_cli("check")

    assert outcome.code == 1
    statuses = lines_with_status(outcome.out)
    assert statuses["slack"] == "FAIL"
    assert statuses["figma"] == statuses["database"] == "ok"
    slack_line = next(line for line in outcome.out.splitlines() if line.startswith("FAIL slack"))
    assert "invalid_auth" in slack_line


def test_check_fails_naming_the_app_when_its_scim_token_is_refused(scim_cli: Cli) -> None:
    scim_cli.setenv(SCIM_TOKEN_ENV, "not-the-scim-token")

    outcome = scim_cli("check")

    assert outcome.code == 1
    statuses = lines_with_status(outcome.out)
    assert statuses["figma"] == "FAIL"
    assert statuses["slack"] == statuses["database"] == statuses["miro"] == "ok"
    figma_line = next(line for line in outcome.out.splitlines() if "FAIL app figma" in line)
    assert SCIM_TOKEN_ENV in figma_line
    assert "401" in figma_line


def test_a_one_tier_scim_app_needs_no_group_at_the_vendor(
    cli: Cli, scim_server: RunningScimServer
) -> None:
    cli.write_config(MANUAL_CONFIG + scim_app(scim_server.base_url))
    cli.setenv(SCIM_TOKEN_ENV, scim_server.token)

    outcome = cli("check")

    figma_line = next(line for line in outcome.out.splitlines() if " figma" in line)
    assert figma_line.startswith("ok   app figma:") and "tiers as none" in figma_line


def test_check_fails_naming_the_missing_tier_group_on_the_scim_service(
    cli: Cli, scim_server: RunningScimServer
) -> None:
    cli.write_config(MANUAL_CONFIG + scim_app(scim_server.base_url, tiers_as="groups"))
    cli.setenv(SCIM_TOKEN_ENV, scim_server.token)

    outcome = cli("check")

    assert outcome.code == 1
    figma_line = next(line for line in outcome.out.splitlines() if "FAIL app figma" in line)
    assert "professional" in figma_line


def test_check_fails_when_the_signing_secret_is_not_set(cli: Cli) -> None:
    cli.monkeypatch.delenv("SLACK_SIGNING_SECRET")

    outcome = cli("check")

    assert outcome.code == 1
    assert "SLACK_SIGNING_SECRET" in outcome.out


def test_check_fails_when_slack_cannot_be_reached(cli: Cli) -> None:
    cli.slack.stop()

    outcome = cli("check")

    assert outcome.code == 1
    assert lines_with_status(outcome.out)["slack"] == "FAIL"


def test_check_fails_naming_the_database_when_it_cannot_be_opened(cli: Cli) -> None:
    cli.setenv("SEATKEEPER_DATABASE_URL", f"sqlite:///{cli.folder / 'no-such-dir' / 'x.db'}")

    outcome = cli("check")

    assert outcome.code == 1
    assert f"FAIL database: cannot use {cli.folder / 'no-such-dir' / 'x.db'}: its folder" in (
        outcome.out
    )


def test_check_in_an_empty_folder_creates_no_database_and_says_how_to_make_one(cli: Cli) -> None:
    database = cli.folder / "fresh.db"
    cli.setenv("SEATKEEPER_DATABASE_URL", f"sqlite:///{database}")

    outcome = cli("check")

    assert outcome.code == 1
    assert f"FAIL database: {database} does not exist yet; `seatkeeper db upgrade` creates it" in (
        outcome.out
    )
    assert not database.exists()


def test_check_names_an_unreachable_postgresql_in_one_line_without_its_password(cli: Cli) -> None:
    cli.setenv("SEATKEEPER_DATABASE_URL", "postgresql://seatkeeper:s3cret-pw@127.0.0.1:9/x")

    outcome = cli("check")

    line = next(line for line in outcome.out.splitlines() if "database" in line)
    assert outcome.code == 1
    assert line.startswith("FAIL database: cannot use the database:") and "port 9" in line
    assert "s3cret-pw" not in outcome.out + outcome.err


def test_check_on_a_database_never_upgraded_says_to_run_db_upgrade_and_leaves_it_alone(
    cli: Cli,
) -> None:
    database = cli.folder / "never-upgraded.db"
    cli.setenv("SEATKEEPER_DATABASE_URL", f"sqlite:///{database}")
    empty = make_engine(f"sqlite:///{database}")
    empty.connect().close()  # the file exists, with no tables
    empty.dispose()

    outcome = cli("check")

    assert outcome.code == 1
    assert "FAIL database: schema is behind" in outcome.out
    engine = make_engine(f"sqlite:///{database}")
    try:
        assert not is_current(engine)
    finally:
        engine.dispose()


# --- a broken config -------------------------------------------------------------------


@pytest.mark.parametrize(
    "argv",
    [
        pytest.param(["check"], id="check"),
        pytest.param(["import", "people", "people.csv"], id="import people"),
        pytest.param(["run", "reminders"], id="run reminders"),
        pytest.param(["run", "reminders", "--dry-run"], id="run reminders dry run"),
        pytest.param(["serve"], id="serve"),
        pytest.param(["db", "upgrade"], id="db upgrade"),
    ],
)
def test_a_config_with_an_unknown_key_is_refused_with_file_and_line_and_changes_nothing(
    cli: Cli, argv: list[str]
) -> None:
    database = cli.folder / "untouched.db"
    cli.setenv("SEATKEEPER_DATABASE_URL", f"sqlite:///{database}")
    cli.write_config(MANUAL_CONFIG + "colour: blue\n")
    cli.write_people("ada@acme.com,Ada Lovelace,U0ADA0001,,Engineering,true")

    outcome = cli(*argv)

    assert outcome.code == 2
    assert outcome.out == ""
    unknown_key_line = MANUAL_CONFIG.count("\n") + 1
    assert f"{cli.config}:{unknown_key_line}: " in outcome.err
    assert "colour" in outcome.err
    assert not database.exists()
    assert cli.slack.calls == []


def test_check_names_where_secrets_were_pasted_into_the_config_without_printing_them(
    cli: Cli,
) -> None:
    slack, github, openai = (
        "xoxb-2048-81920-Q1w2E3r4T5y6U7i8O9p0",
        "ghp_R8mZ2kQ7xV4nB9cJ1hF6gD3sA5eY0wL8tU2p",
        "sk-proj-Ab12Cd34Ef56Gh78Ij90Kl12Mn34",
    )
    cli.write_config(
        MANUAL_CONFIG.replace("U0ADMIN01", slack)
        + f"    owner: {github}\n"
        + f"    contract: {{renews_on: !!timestamp {openai}}}\n"
    )

    outcome = cli("check")

    assert (outcome.code, outcome.out) == (2, "")
    for line, path in [(2, "admins[0]"), (9, "apps[miro].owner"), (10, "apps[0].contract")]:
        assert f"{cli.config}:{line}: {path}" in outcome.err
    for secret in (slack, github, openai):
        assert secret not in outcome.err


# --- db upgrade ------------------------------------------------------------------------


def test_db_upgrade_creates_the_schema_in_a_new_sqlite_file(cli: Cli) -> None:
    database = cli.folder / "new.db"
    cli.setenv("SEATKEEPER_DATABASE_URL", f"sqlite:///{database}")

    outcome = cli("db", "upgrade")

    assert (outcome.code, outcome.err) == (0, "")
    assert "up to date" in outcome.out
    engine = make_engine(f"sqlite:///{database}")
    try:
        assert is_current(engine)
    finally:
        engine.dispose()
    assert cli("db", "upgrade").code == 0


def test_without_a_database_url_the_database_is_sqlite_in_the_working_folder(cli: Cli) -> None:
    cli.monkeypatch.delenv("SEATKEEPER_DATABASE_URL")

    assert cli("db", "upgrade").code == 0

    assert (cli.folder / "seatkeeper.db").exists()


# --- run -------------------------------------------------------------------------------


def seed_due_requests(cli: Cli) -> dict[str, int]:
    """Three pending requests: one due a reminder, one due escalation, one due expiry."""
    engine = cli.engine()
    try:
        upgrade(engine)
        config = load_config(cli.config, env={})
        sync_catalog(engine, config)
        now = dt.datetime.now(dt.UTC)
        ids = {}
        for requester, age in (("U0REMIND1", 30), ("U0ESCAL01", 60), ("U0EXPIRE1", 24 * 8)):
            runner = Runner(
                session_factory(engine), config, FakeClock(now - dt.timedelta(hours=age))
            )
            command = SubmitRequest(
                requester=requester, app_key="miro", tier_key="standard", reason="Workshops"
            )
            ids[requester] = runner(submit_request, command).request_id
        return ids
    finally:
        engine.dispose()


def request_statuses(database_url: str) -> dict[int, str]:
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(select(tables.requests.c.id, tables.requests.c.status))
            return {row.id: str(row.status) for row in rows}
    finally:
        engine.dispose()


def test_run_reminders_dry_run_says_what_would_happen_and_changes_nothing(cli: Cli) -> None:
    seed_due_requests(cli)
    before = snapshot(cli.database_url)

    outcome = cli("run", "reminders", "--dry-run")

    assert (outcome.code, outcome.err) == (0, "")
    assert outcome.out.strip() == (
        "requests that would be touched: 1 reminded, 1 escalated, 1 expired, "
        "0 moved off the waitlist"
    )
    assert snapshot(cli.database_url) == before
    assert cli.slack.calls == []


def test_run_reminders_without_dry_run_does_the_work_and_tells_people(cli: Cli) -> None:
    ids = seed_due_requests(cli)

    outcome = cli("run", "reminders")

    assert (outcome.code, outcome.err) == (0, "")
    assert "were touched: 1 reminded, 1 escalated, 1 expired" in outcome.out
    assert request_statuses(cli.database_url)[ids["U0EXPIRE1"]] == "expired"
    assert cli.slack.calls_to("chat.postMessage") != []
    assert cli.slack.invalid == []


def test_run_reminders_with_nothing_due_says_so(cli: Cli) -> None:
    assert cli("db", "upgrade").code == 0
    outcome = cli("run", "reminders", "--dry-run")

    assert outcome.code == 0
    assert "0 reminded, 0 escalated, 0 expired" in outcome.out


def test_a_dry_run_on_a_database_never_upgraded_says_to_upgrade_and_changes_nothing(
    cli: Cli,
) -> None:
    database = cli.folder / "never-upgraded.db"
    cli.setenv("SEATKEEPER_DATABASE_URL", f"sqlite:///{database}")

    outcome = cli("run", "reminders", "--dry-run")

    assert outcome.code == 1
    assert "run `seatkeeper db upgrade` first" in outcome.err
    engine = make_engine(f"sqlite:///{database}")
    try:
        assert not is_current(engine)
    finally:
        engine.dispose()


# --- secrets ---------------------------------------------------------------------------


def assert_secrets_absent(
    secrets: list[str], outcome: Outcome, caplog: pytest.LogCaptureFixture
) -> None:
    assert caplog.records, "expected DEBUG logging to record something"
    logged = caplog.text + "\n".join(
        f"{record.getMessage()} {record.args!r} {record.exc_text or ''}"
        for record in caplog.records
    )
    for secret in secrets:
        assert secret not in outcome.out
        assert secret not in outcome.err
        assert secret not in logged


def test_check_at_debug_level_never_prints_or_logs_the_slack_or_scim_token(
    scim_cli: Cli, scim_server: RunningScimServer, caplog: pytest.LogCaptureFixture
) -> None:
    scim_cli.setenv("SEATKEEPER_LOG_LEVEL", "DEBUG")
    caplog.set_level(logging.DEBUG)

    outcome = scim_cli("check")

    assert outcome.code == 0, outcome.out
    assert_secrets_absent([SLACK_TOKEN, SIGNING_SECRET, scim_server.token], outcome, caplog)


def test_a_failing_check_at_debug_level_never_prints_or_logs_the_tokens_it_tried(
    scim_cli: Cli, caplog: pytest.LogCaptureFixture
) -> None:
    wrong_slack, wrong_scim = "xoxb-wrong-but-still-secret-91ad", "wrong-but-still-secret-scim-5e"
    scim_cli.setenv("SLACK_BOT_TOKEN", wrong_slack)
    scim_cli.setenv(SCIM_TOKEN_ENV, wrong_scim)
    scim_cli.setenv("SEATKEEPER_LOG_LEVEL", "DEBUG")
    caplog.set_level(logging.DEBUG)

    outcome = scim_cli("check")

    assert outcome.code == 1
    assert_secrets_absent([wrong_slack, wrong_scim, SIGNING_SECRET], outcome, caplog)


def test_import_at_debug_level_never_prints_or_logs_the_slack_token(
    cli: Cli, caplog: pytest.LogCaptureFixture
) -> None:
    cli.slack.add_user("U0GRACE01", "grace@acme.com", "Grace Hopper")
    file = cli.write_people("grace@acme.com,Grace Hopper,,,Engineering,true")
    cli.setenv("SEATKEEPER_LOG_LEVEL", "DEBUG")
    caplog.set_level(logging.DEBUG)

    outcome = cli("import", "people", file)

    assert outcome.code == 0
    assert_secrets_absent([SLACK_TOKEN, SIGNING_SECRET], outcome, caplog)


# --- seats and usage from CSV ------------------------------------------------------------

SEATS_HEADER = "app,tier,email,assigned_on,last_active_on"


def seat_rows(
    cli: Cli, columns: tuple[str, ...] = ("tier_key", "status", "last_active_on")
) -> dict[str, tuple[Any, ...]]:
    """Every seat's `columns`, by email."""
    engine = cli.engine()
    try:
        with engine.connect() as connection:
            rows = connection.execute(select(tables.seats)).mappings().all()
    finally:
        engine.dispose()
    return {r["email"]: tuple(r[column] for column in columns) for r in rows}


def write(cli: Cli, name: str, *lines: str) -> str:
    (cli.folder / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return name


def test_import_seats_loads_each_apps_complete_list_and_a_rerun_changes_nothing(
    cli: Cli,
) -> None:
    file = write(
        cli,
        "seats.csv",
        SEATS_HEADER,
        "miro,standard,Ann@acme.com,2026-01-05,2026-11-01",
        "miro,standard,bo@acme.com,,",
    )
    first = cli("import", "seats", file)
    again = cli("import", "seats", file)

    assert first.code == 0 and "2 seats added" in first.out
    assert again.code == 0 and "0 seats added, 0 changed" in again.out
    assert seat_rows(cli)["ann@acme.com"] == ("standard", "active", dt.date(2026, 11, 1))
    assert seat_rows(cli, ("activity_source",)) == {
        "ann@acme.com": ("usage report",),
        "bo@acme.com": (None,),
    }


def test_import_seats_reports_every_bad_line_and_applies_nothing(cli: Cli) -> None:
    file = write(
        cli,
        "seats.csv",
        SEATS_HEADER,
        "miro,standard,ann@acme.com,2026-01-05,",
        "notion,standard,bo@acme.com,,",
        "miro,premium,cy@acme.com,,",
        "miro,standard,not-an-email,,",
        "miro,standard,di@acme.com,05/01/2026,",
        "miro,standard,ANN@acme.com,,",
    )

    outcome = cli("import", "seats", file)

    assert outcome.code == 1
    assert sorted(problems_in(outcome.err, file)) == [3, 4, 5, 6, 7]
    assert "premium" in problems_in(outcome.err, file)[4]
    assert seat_rows(cli) == {}


def test_seats_of_an_app_with_a_vendor_connector_cannot_be_imported(scim_cli: Cli) -> None:
    file = write(scim_cli, "seats.csv", SEATS_HEADER, "figma,professional,ann@acme.com,,")

    outcome = scim_cli("import", "seats", file)

    assert outcome.code == 1
    assert "scim connector" in problems_in(outcome.err, file)[2]
    assert problems_in(outcome.err, file)[2] == (
        "figma's seats come from its scim connector; "
        "import seats only for apps with a csv or manual connector"
    )


def test_import_usage_records_last_activity_and_counts_rows_without_a_seat(cli: Cli) -> None:
    cli(
        "import",
        "seats",
        write(cli, "seats.csv", SEATS_HEADER, "miro,standard,ann@acme.com,,2026-09-01"),
    )
    file = write(
        cli,
        "usage.csv",
        "app,email,last_active_on",
        "miro,ann@acme.com,2026-10-01",
        "miro,ann@acme.com,2026-10-20",
        "miro,zed@acme.com,2026-10-02",
    )

    outcome = cli("import", "usage", file)

    assert outcome.code == 0
    assert "last activity updated on 1 seat, 1 row for" in outcome.out
    assert seat_rows(cli)["ann@acme.com"][2] == dt.date(2026, 10, 20)


def test_import_usage_refuses_a_missing_date_on_its_line(cli: Cli) -> None:
    file = write(cli, "usage.csv", "app,email,last_active_on", "miro,ann@acme.com,")

    outcome = cli("import", "usage", file)

    assert outcome.code == 1
    assert problems_in(outcome.err, file) == {2: "last_active_on is empty"}


# --- check: channels, and the manifest's URL ----------------------------------------------


def test_check_fails_when_the_bot_is_not_in_the_it_channel_and_says_how_to_invite_it(
    cli: Cli,
) -> None:
    cli.slack.keep_out("C0ITOPS01")

    outcome = cli("check")

    assert outcome.code == 1
    assert (
        "FAIL slack: the bot cannot post in the IT channel C0ITOPS01 (not_in_channel); "
        "invite it there with /invite @Seatkeeper"
    ) in outcome.out


def test_check_fails_when_the_bot_is_not_in_the_private_approvals_channel(cli: Cli) -> None:
    cli.write_config(
        MANUAL_CONFIG.replace(
            "{it_channel: C0ITOPS01}", "{it_channel: C0ITOPS01, approvals_channel: G0APPROV1}"
        )
    )
    cli.slack.keep_out("G0APPROV1", "channel_not_found")  # what Slack says of a private one

    outcome = cli("check")

    assert outcome.code == 1
    assert "ok   slack: the bot can post in the IT channel C0ITOPS01" in outcome.out
    assert (
        "FAIL slack: the bot cannot post in the approvals channel G0APPROV1 (channel_not_found); "
        "invite it there with /invite @Seatkeeper (a private channel must invite it)"
    ) in outcome.out


def test_check_says_the_bot_can_post_in_the_it_channel(cli: Cli) -> None:
    outcome = cli("check")

    assert "ok   slack: the bot can post in the IT channel C0ITOPS01" in outcome.out


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("seatkeeper.acme.com", "--url must be like https://seatkeeper.your-company.com"),
        ("http://seatkeeper.acme.com", "--url must use https"),
        ("https://seatkeeper.acme.com/?x=1", "--url is a base address without ? or #"),
    ],
)
def test_the_manifest_refuses_a_url_slack_could_not_use(cli: Cli, url: str, problem: str) -> None:
    outcome = cli("manifest", "--url", url)

    assert (outcome.code, outcome.out) == (2, "")
    assert problem in outcome.err


def test_the_manifest_takes_https_and_loopback_http_with_a_note(cli: Cli) -> None:
    secure = cli("manifest", "--url", "https://seatkeeper.acme.com/")
    local = cli("manifest", "--url", "http://127.0.0.1:8000")

    assert "request_url: https://seatkeeper.acme.com/slack/events" in secure.out
    assert "request_url: http://127.0.0.1:8000/slack/events" in local.out
    assert "plain http is for a local test only" in local.err
