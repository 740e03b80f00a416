"""`seatkeeper report KIND`: tables, CSV and JSON from a small real database, its filters, its
bad input and `--output`. Dates are relative to today: the command reads the system clock."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

import pytest
from sqlalchemy import inspect

from bot.config.loader import load_config
from bot.runtime.runner import Runner
from store.db import make_engine, session_factory
from store.migrate import is_current
from store.uow import SqlUnitOfWork
from tests.fakes.clock import FakeClock
from tests.integration.cli_harness import Cli
from tests.integration.test_cli import snapshot
from workflows.audit import record
from workflows.commands import ScanApp, SubmitRequest
from workflows.ports import Verb
from workflows.reclaim import scan_app
from workflows.requests import submit_request

C = TypeVar("C")
R = TypeVar("R")
TODAY = dt.date.today()
# Moments of the workflow verbs run below, at whole seconds so their text is known exactly.
ASKED_AT = dt.datetime.combine(TODAY - dt.timedelta(days=3), dt.time(9, 30), dt.UTC)
SCANNED_AT = dt.datetime.combine(TODAY - dt.timedelta(days=1), dt.time(10, 0), dt.UTC)
RENEWS_ON = TODAY + dt.timedelta(days=90)


def day(days_ago: int) -> str:
    return (TODAY - dt.timedelta(days=days_ago)).isoformat()


CONFIG = f"""\
slack: {{it_channel: C0ITOPS01}}
admins: [U0ADMIN01]
currency: EUR
defaults:
  reclaim: {{idle_days: 30, new_seat_days: 14}}
apps:
  - key: miro
    name: Miro
    connector: {{type: manual}}
    tiers:
      - {{key: standard, name: Standard, monthly_price: 10, approval: []}}
    contract: {{seats: 3, renews_on: {RENEWS_ON.isoformat()}, notice_days: 30}}
  - key: figma
    name: Figma
    connector: {{type: manual}}
    tiers:
      - {{key: professional, name: Professional, monthly_price: 1250.5, approval: [U0APPROV1]}}
"""
PEOPLE = [
    "ada@acme.test,Ada,U0ADA0001,,,true",
    "bo@acme.test,Bo,U0BO00001,,,true",
    "cy@acme.test,Cy,U0CY00001,,,true",
]
SEATS = [
    "app,tier,email,assigned_on,last_active_on",
    f"miro,standard,ada@acme.test,{day(200)},{day(90)}",  # idle: a reclaim case opens
    f"miro,standard,bo@acme.test,{day(100)},{day(2)}",
    f"figma,professional,bo@acme.test,{day(50)},",  # no activity data
]


def prepare(cli: Cli) -> None:
    """Three people, three seats, a pending request by Cy and a reclaim case for Ada's seat."""
    cli.write_config(CONFIG)
    assert cli("import", "people", cli.write_people(*PEOPLE)).code == 0
    (cli.folder / "seats.csv").write_text("\n".join(SEATS) + "\n", encoding="utf-8")
    assert cli("import", "seats", "seats.csv").code == 0
    ask = SubmitRequest(
        requester="U0CY00001", app_key="figma", tier_key="professional", reason="Design reviews"
    )
    run_at(cli, ASKED_AT, submit_request, ask)
    run_at(cli, SCANNED_AT, scan_app, ScanApp(app_key="miro"))


def run_at(cli: Cli, moment: dt.datetime, verb: Verb[C, R], cmd: C) -> R:
    """Run one workflow verb on the CLI's database as if at `moment`."""
    config = load_config(cli.config, env={})
    engine = cli.engine()
    try:
        return Runner(session_factory(engine), config, FakeClock(moment))(verb, cmd)
    finally:
        engine.dispose()


@contextmanager
def unit_of_work(cli: Cli) -> Iterator[SqlUnitOfWork]:
    """A unit of work on the CLI's database, its engine closed afterwards."""
    engine = cli.engine()
    try:
        with SqlUnitOfWork(session_factory(engine)) as uow:
            yield uow
    finally:
        engine.dispose()


def rows_of_csv(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def report(cli: Cli, *argv: str) -> str:
    outcome = cli("report", *argv)
    assert (outcome.code, outcome.err) == (0, ""), outcome.err
    return outcome.out


def trimmed(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.splitlines())


# --- formats ---------------------------------------------------------------------------


def test_the_spend_table_shows_money_with_two_decimals_and_the_currency_in_its_headers(
    cli: Cli,
) -> None:
    prepare(cli)

    out = report(cli, "spend")

    assert trimmed(out) == "\n".join(
        [
            " " * 82 + "monthly",
            " " * 66 + "seat price        spend    overspend",
            "app    name   paid  assigned  active  idle  unassigned  waiting  "
            "(EUR/month)  (EUR/month)  (EUR/month)",
            "─" * 102,
            "figma  Figma     1         1       0     1           0        0  "
            "   1,250.50     1,250.50     1,250.50",
            "miro   Miro      3         2       1     1           1        0  "
            "      10.00        30.00        20.00",
            "2 rows",
        ]
    )


def test_the_renewals_table_shows_iso_dates_yes_or_no_and_a_yearly_saving(cli: Cli) -> None:
    prepare(cli)
    notice = RENEWS_ON - dt.timedelta(days=30)

    out = report(cli, "renewals")

    assert trimmed(out) == "\n".join(
        [
            " " * 38 + "days" + " " * 59 + "yearly",
            " " * 24 + "notice          to  auto" + " " * 53 + "saving",
            "app   name  renews on   deadline    notice  renew  paid  assigned  active  waiting  "
            "recommended  (EUR/year)",
            "─" * 107,
            f"miro  Miro  {RENEWS_ON}  {notice}      60  no        3         2       1        0  "
            "          2      120.00",
            "1 row",
        ]
    )


def test_a_table_fits_120_columns_when_stdout_is_not_a_terminal_and_keeps_dates_whole(
    cli: Cli,
) -> None:
    prepare(cli)
    opened = SCANNED_AT.strftime("%Y-%m-%dT%H:%M:%SZ")

    for kind in ("seats", "requests", "reclaims", "audit"):
        lines = report(cli, kind).splitlines()

        assert max(len(line) for line in lines) <= 120
        assert kind != "reclaims" or any(opened in line for line in lines)


def test_seats_as_csv_are_plain_values_a_spreadsheet_reads(cli: Cli) -> None:
    prepare(cli)

    out = report(cli, "seats", "--format", "csv")

    assert rows_of_csv(out) == [
        [
            "app", "tier", "email", "slack_user_id", "status", "assigned_on", "last_active_on",
            "activity_source", "days_idle", "idle", "monthly_price", "end_date", "paid_until",
        ],
        [
            "figma", "professional", "bo@acme.test", "U0BO00001", "active", day(50), "",
            "", "", "true", "1250.50", "", "",
        ],
        [
            "miro", "standard", "ada@acme.test", "U0ADA0001", "active", day(200), day(90),
            "usage report", "90", "true", "10.00", "", "",
        ],
        [
            "miro", "standard", "bo@acme.test", "U0BO00001", "active", day(100), day(2),
            "usage report", "2", "false", "10.00", "", "",
        ],
    ]  # fmt: skip


def test_reclaim_cases_as_csv_give_times_in_utc_with_a_z(cli: Cli) -> None:
    prepare(cli)

    out = report(cli, "reclaims", "--format", "csv")

    header, case = rows_of_csv(out)
    assert dict(zip(header, case, strict=True)) == {
        "id": "1",
        "app": "miro",
        "tier": "standard",
        "email": "ada@acme.test",
        "holder": "U0ADA0001",
        "kind": "idle",
        "status": "scheduled",
        "opened_at": SCANNED_AT.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "deadline": "",
        "answered_by": "",
        "action": "",
        "to_tier": "",
        "monthly_saving": "",
        "completed_at": "",
        "note": "",
    }


def test_requests_as_json_carry_the_report_currency_filters_and_iso_times(cli: Cli) -> None:
    prepare(cli)
    before = dt.datetime.now(dt.UTC).replace(microsecond=0)

    document = json.loads(report(cli, "requests", "--format", "json", "--app", "figma"))

    generated = dt.datetime.strptime(document.pop("generated_at"), "%Y-%m-%dT%H:%M:%SZ")
    assert before <= generated.replace(tzinfo=dt.UTC) <= dt.datetime.now(dt.UTC)
    assert document == {
        "report": "requests",
        "currency": "EUR",
        "filters": {"app": "figma", "person": None, "since": None},
        "rows": [
            {
                "id": 1,
                "requester": "U0CY00001",
                "app": "figma",
                "tier": "professional",
                "status": "pending",
                "created_at": ASKED_AT.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "approved_at": None,
                "closed_at": None,
                "end_date": None,
                "waiting_on": "U0APPROV1",
            }
        ],
    }


def test_money_in_json_is_an_exact_string_and_counts_stay_numbers(cli: Cli) -> None:
    prepare(cli)

    document = json.loads(report(cli, "spend", "--format", "json"))

    assert document["filters"] == {"app": None}
    assert document["rows"][0] == {
        "app": "figma",
        "name": "Figma",
        "paid": 1,
        "assigned": 1,
        "active": 0,
        "idle": 1,
        "unassigned": 0,
        "waiting": 0,
        "seat_price": "1250.50",
        "monthly_spend": "1250.50",
        "overspend": "1250.50",
    }


def test_the_audit_export_lists_every_event_in_order_with_its_hash(cli: Cli) -> None:
    cli.write_config(CONFIG)
    assert cli("db", "upgrade").code == 0
    with unit_of_work(cli) as uow:
        record(uow, FakeClock(ASKED_AT), "U0ADA0001", "seat.released", "seat:miro:ada@acme.test")
        record(uow, FakeClock(SCANNED_AT), "U0BO00001", "request.denied", "request:7", why="no")
        uow.commit()
        hashes = [event.hash for event in uow.audit.all()]

    out = report(cli, "audit", "--format", "csv")

    assert rows_of_csv(out) == [
        ["seq", "at", "actor", "action", "subject", "data", "hash"],
        [
            "1",
            ASKED_AT.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "U0ADA0001",
            "seat.released",
            "seat:miro:ada@acme.test",
            "{}",
            hashes[0],
        ],
        [
            "2",
            SCANNED_AT.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "U0BO00001",
            "request.denied",
            "request:7",
            '{"why": "no"}',
            hashes[1],
        ],
    ]


def test_a_csv_cell_a_spreadsheet_would_run_as_a_formula_is_written_as_text(cli: Cli) -> None:
    cli.write_config(CONFIG)
    assert cli("db", "upgrade").code == 0
    with unit_of_work(cli) as uow:
        record(uow, FakeClock(ASKED_AT), "U0ADA0001", "note", '=HYPERLINK("http://x.test")')
        uow.commit()

    out = report(cli, "audit", "--format", "csv")

    assert rows_of_csv(out)[1][4] == '\'=HYPERLINK("http://x.test")'


def test_an_empty_report_is_a_header_and_no_rows_in_every_format(cli: Cli) -> None:
    cli.write_config(CONFIG)
    assert cli("db", "upgrade").code == 0

    table = report(cli, "requests")
    rows = rows_of_csv(report(cli, "requests", "--format", "csv"))
    document = json.loads(report(cli, "requests", "--format", "json"))

    assert table.splitlines()[-1] == "0 rows"
    assert len(rows) == 1 and rows[0][:2] == ["id", "requester"]
    assert document["rows"] == []


# --- filters ---------------------------------------------------------------------------


def seat_holders(out: str) -> list[tuple[str, str]]:
    return [(row[0], row[2]) for row in rows_of_csv(out)[1:]]


def test_app_narrows_seats_to_that_app(cli: Cli) -> None:
    prepare(cli)

    out = report(cli, "seats", "--format", "csv", "--app", "miro")

    assert seat_holders(out) == [("miro", "ada@acme.test"), ("miro", "bo@acme.test")]


@pytest.mark.parametrize("who", ["BO@acme.test", "U0BO00001"])
def test_person_narrows_seats_by_email_in_any_case_or_by_slack_id(cli: Cli, who: str) -> None:
    prepare(cli)

    out = report(cli, "seats", "--format", "csv", "--person", who)

    assert seat_holders(out) == [("figma", "bo@acme.test"), ("miro", "bo@acme.test")]


def test_a_slack_id_finds_seats_recorded_before_the_directory_knew_it(cli: Cli) -> None:
    cli.write_config(CONFIG)
    (cli.folder / "seats.csv").write_text("\n".join(SEATS) + "\n", encoding="utf-8")
    assert cli("import", "seats", "seats.csv").code == 0
    assert cli("import", "people", cli.write_people(*PEOPLE)).code == 0

    out = report(cli, "seats", "--format", "csv", "--person", "U0ADA0001")

    assert seat_holders(out) == [("miro", "ada@acme.test")]


def test_idle_days_keeps_seats_unused_for_at_least_that_long(cli: Cli) -> None:
    prepare(cli)

    at_least_two = report(cli, "seats", "--format", "csv", "--idle-days", "2")
    at_least_three = report(cli, "seats", "--format", "csv", "--idle-days", "3")

    assert seat_holders(at_least_two) == [("miro", "ada@acme.test"), ("miro", "bo@acme.test")]
    assert seat_holders(at_least_three) == [("miro", "ada@acme.test")]


def test_since_keeps_requests_made_on_or_after_that_day(cli: Cli) -> None:
    prepare(cli)

    on_the_day = report(cli, "requests", "--format", "csv", "--since", day(3))
    the_day_after = report(cli, "requests", "--format", "csv", "--since", day(2))

    assert len(rows_of_csv(on_the_day)) == 2
    assert len(rows_of_csv(the_day_after)) == 1


def test_person_narrows_the_audit_trail_to_what_they_did_or_what_was_about_them(
    cli: Cli,
) -> None:
    prepare(cli)

    out = report(cli, "audit", "--format", "csv", "--person", "bo@acme.test")

    assert [row[4] for row in rows_of_csv(out)[1:]] == [
        "seat:miro:bo@acme.test",
        "seat:figma:bo@acme.test",
    ]


# --- bad input -------------------------------------------------------------------------


NOT_A_DATE = "expected a date as YYYY-MM-DD, got"
NOT_DAYS = "expected a whole number of days, 0 or more, got"
NOT_FOR = "does not apply to the"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["seats", "--app", "zoom"], "--app: no app 'zoom' in the catalog (its apps: miro, figma)"),
        (["seats", "--since", "2026-02-30"], f"--since: {NOT_A_DATE} '2026-02-30'"),
        (["audit", "--since", "01/02/2026"], f"--since: {NOT_A_DATE} '01/02/2026'"),
        (["seats", "--idle-days", "-1"], f"--idle-days: {NOT_DAYS} '-1'"),
        (["seats", "--idle-days", "ten"], f"--idle-days: {NOT_DAYS} 'ten'"),
        (
            ["seats", "--person", "ada"],
            "--person: expected an email or a Slack user id (U…), got 'ada'",
        ),
        (["spend", "--idle-days", "30"], f"--idle-days {NOT_FOR} spend report (it takes --app)"),
        (["spend", "--since", "2026-01-01"], f"--since {NOT_FOR} spend report (it takes --app)"),
        (
            ["renewals", "--person", "ada@acme.test"],
            f"--person {NOT_FOR} renewals report (it takes --app, --since)",
        ),
        (
            ["audit", "--idle-days", "3"],
            f"--idle-days {NOT_FOR} audit report (it takes --app, --person, --since)",
        ),
    ],
)
def test_bad_input_is_one_clear_line_on_stderr_and_exit_code_2(
    cli: Cli, argv: list[str], message: str
) -> None:
    cli.write_config(CONFIG)
    assert cli("db", "upgrade").code == 0

    outcome = cli("report", *argv)

    assert (outcome.code, outcome.out, outcome.err) == (2, "", f"seatkeeper: {message}\n")


def test_a_report_never_writes_to_the_database(cli: Cli) -> None:
    prepare(cli)
    before = snapshot(cli.database_url)

    for kind in ("seats", "spend", "renewals", "requests", "reclaims", "audit"):
        report(cli, kind, "--format", "json")

    assert snapshot(cli.database_url) == before


def test_a_database_whose_schema_is_behind_is_refused_and_left_alone(cli: Cli) -> None:
    database = cli.folder / "never-upgraded.db"
    cli.setenv("SEATKEEPER_DATABASE_URL", f"sqlite:///{database}")

    outcome = cli("report", "seats")

    assert outcome.code == 1
    assert "run `seatkeeper db upgrade` first" in outcome.err
    engine = make_engine(f"sqlite:///{database}")
    try:
        assert not is_current(engine)
        assert inspect(engine).get_table_names() == []
    finally:
        engine.dispose()


# --- output ----------------------------------------------------------------------------


def test_output_writes_the_report_to_a_file_and_says_so(cli: Cli) -> None:
    prepare(cli)

    outcome = cli("report", "seats", "--format", "csv", "--output", "seats-report.csv")

    assert (outcome.code, outcome.err) == (0, "")
    assert outcome.out == "seats report: 3 rows written to seats-report.csv\n"
    written = (cli.folder / "seats-report.csv").read_text(encoding="utf-8-sig")
    assert rows_of_csv(written) == rows_of_csv(report(cli, "seats", "--format", "csv"))


def test_a_csv_file_starts_with_a_byte_order_mark_so_excel_reads_it_as_utf8(cli: Cli) -> None:
    prepare(cli)

    cli("report", "seats", "--format", "csv", "--output", "seats.csv")

    assert (cli.folder / "seats.csv").read_bytes().startswith(b"\xef\xbb\xbfapp,tier,")


def test_a_table_or_json_file_is_the_same_text_as_stdout(cli: Cli) -> None:
    prepare(cli)

    for format in ("table", "json"):
        cli("report", "renewals", "--format", format, "--output", f"renewals.{format}")
        written = (cli.folder / f"renewals.{format}").read_text(encoding="utf-8")
        printed = report(cli, "renewals", "--format", format)

        assert re.sub(r'"generated_at": "[^"]+"', "", written) == re.sub(
            r'"generated_at": "[^"]+"', "", printed
        )


def test_an_output_file_that_cannot_be_written_is_a_clear_error(cli: Cli) -> None:
    prepare(cli)
    target = Path("no-such-folder") / "seats.csv"

    outcome = cli("report", "seats", "--output", str(target))

    assert outcome.code == 1
    assert outcome.out == ""
    assert outcome.err == f"seatkeeper: cannot write {target}: No such file or directory\n"
