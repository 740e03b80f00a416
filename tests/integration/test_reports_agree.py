"""The digest, `seatkeeper report` in each format and the REST API give the same figures.

One seeded database; the digest is built as the IT channel would get it, the CLI runs as an
operator would run it (against the same database and config file), and the API is asked with
a token. Each app's paid, assigned, active, idle, unassigned, waiting, seat price, spend and
overspend, and each renewal's advice, must be the same everywhere.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from collections.abc import Iterator
from typing import Any

import pytest

from tests.fakes.clock import FakeClock
from tests.integration.cli_harness import Cli
from tests.integration.rest_api import CONFIG, Served, seed, serve
from workflows.commands import BuildDigest
from workflows.digest import Digest, build_digest

FIGURES = ("paid", "assigned", "active", "idle", "unassigned", "waiting")
AMOUNTS = ("seat_price", "monthly_spend", "overspend")


@pytest.fixture
def served(database_url: str) -> Iterator[Served]:
    # The CLI reads the system clock, so the seeded data is dated from today as well.
    with serve(database_url, FakeClock(dt.datetime.now(dt.UTC))) as running:
        seed(running)
        yield running


@pytest.fixture
def reports(cli: Cli, served: Served) -> Cli:
    """The CLI on the served database and config."""
    cli.write_config(CONFIG)
    cli.setenv("SEATKEEPER_DATABASE_URL", served.app.settings.seatkeeper_database_url)
    return cli


def _digest(served: Served) -> Digest:
    return served.app.runner.rehearse(build_digest, BuildDigest())


def _expected(digest: Digest) -> dict[str, dict[str, str]]:
    return {
        app.app_key: {
            **{name: str(getattr(app, name)) for name in FIGURES},
            **{name: f"{getattr(app, name):.2f}" for name in AMOUNTS},
        }
        for app in digest.apps
    }


def test_spend_is_the_same_in_the_digest_each_report_format_and_the_api(
    served: Served, reports: Cli
) -> None:
    expected = _expected(_digest(served))

    as_csv = list(csv.DictReader(io.StringIO(reports("report", "spend", "--format", "csv").out)))
    as_json = json.loads(reports("report", "spend", "--format", "json").out)["rows"]
    table = reports("report", "spend", "--format", "table").out
    api = served.get("/api/v1/spend", served.new_token())["items"]

    for rows in (as_csv, as_json, api):
        got = {row["app"]: {name: str(row[name]) for name in (*FIGURES, *AMOUNTS)} for row in rows}
        assert got == expected
    for app, figures in expected.items():
        line = next(line for line in table.splitlines() if re.search(rf"\b{app}\b", line))
        numbers = re.findall(r"-?\d[\d,]*(?:\.\d+)?", line)
        assert [n.replace(",", "") for n in numbers] == [
            figures[name] for name in (*FIGURES, *AMOUNTS)
        ], line


def test_renewal_advice_is_the_same_in_the_digest_each_report_format_and_the_api(
    served: Served, reports: Cli
) -> None:
    digest = _digest(served)
    expected = {
        r.app_key: {
            "renews_on": r.renews_on.isoformat(),
            "notice_deadline": r.notice_deadline.isoformat(),
            "recommended": str(r.recommended),
            "yearly_saving": f"{r.yearly_saving:.2f}",
        }
        for r in digest.renewals
    }
    assert expected, "the seeded contracts renew within the digest's horizon"

    as_csv = list(csv.DictReader(io.StringIO(reports("report", "renewals", "--format", "csv").out)))
    as_json = json.loads(reports("report", "renewals", "--format", "json").out)["rows"]
    api = served.get("/api/v1/renewals", served.new_token())["items"]

    for rows in (as_csv, as_json, api):
        got: dict[str, Any] = {
            row["app"]: {name: str(row[name]) for name in expected[row["app"]]}
            for row in rows
            if row["app"] in expected
        }
        assert got == expected
