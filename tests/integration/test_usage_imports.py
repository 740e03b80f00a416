"""What imported dates are: a usage file records them as a usage report, for any app."""

from __future__ import annotations

import datetime as dt

from store import tables
from tests.fakes.scim_server import RunningScimServer
from tests.integration.cli_harness import Cli
from tests.integration.test_cli import SEATS_HEADER, seat_rows, write

USAGE_HEADER = "app,email,last_active_on"


def activity(cli: Cli) -> dict[str, tuple[dt.date | None, str | None]]:
    """Each seat's (last_active_on, activity_source), by email."""
    return seat_rows(cli, ("last_active_on", "activity_source"))


def seated(cli: Cli, *emails: str, last_used: str = "2026-09-01") -> None:
    """Miro seats for `emails`, imported from a seats file, last used on `last_used`."""
    rows = [f"miro,standard,{email},,{last_used}" for email in emails]
    assert cli("import", "seats", write(cli, "seats.csv", SEATS_HEADER, *rows)).code == 0


def test_a_usage_file_records_a_newer_date_as_a_usage_report_and_ignores_an_older_one(
    cli: Cli,
) -> None:
    seated(cli, "ann@acme.com", "bo@acme.com")
    file = write(
        cli,
        "usage.csv",
        USAGE_HEADER,
        "miro,ann@acme.com,2026-10-20",
        "miro,bo@acme.com,2026-08-01",
    )

    assert cli("import", "usage", file).code == 0
    assert activity(cli) == {
        "ann@acme.com": (dt.date(2026, 10, 20), "usage report"),
        "bo@acme.com": (dt.date(2026, 9, 1), "usage report"),
    }


def test_usage_of_an_app_whose_vendor_lists_its_seats_is_recorded_as_a_usage_report(
    scim_cli: Cli, scim_server: RunningScimServer
) -> None:
    scim_server.add_user("ann@acme.com")
    assert scim_cli("run", "sync").code == 0  # SCIM lists the seat, with no activity
    file = write(scim_cli, "usage.csv", USAGE_HEADER, "figma,ann@acme.com,2026-10-20")

    outcome = scim_cli("import", "usage", file)

    assert outcome.code == 0 and "last activity updated on 1 seat," in outcome.out
    assert activity(scim_cli) == {"ann@acme.com": (dt.date(2026, 10, 20), "usage report")}


def test_an_unchanged_usage_file_imported_again_writes_no_seat(cli: Cli) -> None:
    seated(cli, "ann@acme.com", "bo@acme.com")
    file = write(
        cli,
        "usage.csv",
        USAGE_HEADER,
        "miro,ann@acme.com,2026-10-20",
        "miro,bo@acme.com,2026-10-21",
        "miro,zed@acme.com,2026-10-22",
    )
    first = cli("import", "usage", file)
    stored = activity(cli)

    again = cli("import", "usage", file)

    assert "last activity updated on 2 seats, 1 row for" in first.out
    assert "last activity updated on 0 seats, 1 row for" in again.out
    assert activity(cli) == stored


def test_a_usage_date_equal_to_one_stored_without_words_records_them(cli: Cli) -> None:
    seated(cli, "ann@acme.com", last_used="")
    engine = cli.engine()
    try:
        with engine.begin() as connection:
            connection.execute(tables.seats.update().values(last_active_on=dt.date(2026, 10, 20)))
    finally:
        engine.dispose()
    file = write(cli, "usage.csv", USAGE_HEADER, "miro,ann@acme.com,2026-10-20")

    outcome = cli("import", "usage", file)

    assert "last activity updated on 1 seat," in outcome.out
    assert activity(cli) == {"ann@acme.com": (dt.date(2026, 10, 20), "usage report")}


def test_usage_lines_with_spaces_or_capitals_record_the_same_as_plain_ones(cli: Cli) -> None:
    seated(cli, "ann@acme.com", "bo@acme.com")
    file = write(
        cli,
        "usage.csv",
        "Email ; App ; Last_Active_On",
        " Ann@Acme.COM ; miro ; 2026-10-20 ",
        "bo@acme.com;miro;2026-10-21",
        "BO@acme.com;miro;2026-10-01",
    )

    outcome = cli("import", "usage", file)

    assert outcome.code == 0, outcome.err
    assert activity(cli) == {
        "ann@acme.com": (dt.date(2026, 10, 20), "usage report"),
        "bo@acme.com": (dt.date(2026, 10, 21), "usage report"),
    }


def test_a_usage_file_with_one_bad_line_among_plain_ones_changes_nothing(cli: Cli) -> None:
    seated(cli, "ann@acme.com")
    before = activity(cli)
    lines = [f"miro,p{n}@acme.com,2026-10-20" for n in range(3000)]
    lines.insert(2500, "miro,ann@acme.com,2026-13-01")
    file = write(cli, "usage.csv", USAGE_HEADER, "miro,ann@acme.com,2026-10-20", *lines)

    outcome = cli("import", "usage", file)

    assert outcome.code == 1
    assert f"{file}:2503: last_active_on '2026-13-01' is not a date like 2026-10-02" in outcome.err
    assert activity(cli) == before
