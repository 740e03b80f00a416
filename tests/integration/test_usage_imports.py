"""What imported dates are: a usage file records them as a usage report, for any app."""

from __future__ import annotations

import datetime as dt

from tests.fakes.scim_server import RunningScimServer
from tests.integration.cli_harness import Cli
from tests.integration.test_cli import SEATS_HEADER, seat_rows, write

USAGE_HEADER = "app,email,last_active_on"


def activity(cli: Cli) -> dict[str, tuple[dt.date | None, str | None]]:
    """Each seat's (last_active_on, activity_source), by email."""
    return seat_rows(cli, ("last_active_on", "activity_source"))


def test_a_usage_file_records_a_newer_date_as_a_usage_report_and_ignores_an_older_one(
    cli: Cli,
) -> None:
    seats = write(
        cli,
        "seats.csv",
        SEATS_HEADER,
        "miro,standard,ann@acme.com,,2026-09-01",
        "miro,standard,bo@acme.com,,2026-09-01",
    )
    cli("import", "seats", seats)
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
