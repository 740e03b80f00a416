"""`seatkeeper run reclaim [--dry-run]` and what importing leavers does, on a real database."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from store import tables
from tests.integration.cli_harness import Cli

CONFIG = """\
slack: {it_channel: C0ITOPS01}
admins: [U0ADMIN01]
defaults:
  reclaim: {idle_days: 30, new_seat_days: 14, exempt: [boss@acme.test]}
apps:
  - key: miro
    name: Miro
    connector: {type: manual}
    tiers:
      - {key: standard, name: Standard, monthly_price: 10, approval: []}
"""
PEOPLE = [
    "ada@acme.test,Ada,U0ADA0001,,,true",
    "bo@acme.test,Bo,U0BO00001,,,true",
    "cy@acme.test,Cy,U0CY00001,,,true",
    "boss@acme.test,Boss,U0BOSS001,,,true",
    "dee@acme.test,Dee,U0DEE0001,,,true",
]


def _day(days_ago: int) -> str:
    return (dt.date.today() - dt.timedelta(days=days_ago)).isoformat()


def _prepare(cli: Cli) -> None:
    cli.write_config(CONFIG)
    assert cli("import", "people", cli.write_people(*PEOPLE)).code == 0
    seats = [
        "app,tier,email,assigned_on,last_active_on",
        f"miro,standard,ada@acme.test,{_day(200)},{_day(90)}",  # idle: asked
        f"miro,standard,bo@acme.test,{_day(200)},{_day(5)}",  # used recently
        f"miro,standard,cy@acme.test,{_day(200)},",  # no activity data: reported
        f"miro,standard,boss@acme.test,{_day(200)},{_day(90)}",  # exempt
        f"miro,standard,dee@acme.test,{_day(3)},{_day(90)}",  # a new seat
    ]
    (cli.folder / "seats.csv").write_text("\n".join(seats) + "\n", encoding="utf-8")
    assert cli("import", "seats", "seats.csv").code == 0


def _cases(cli: Cli) -> int:
    engine = cli.engine()
    try:
        with engine.connect() as connection:
            return connection.scalar(select(func.count()).select_from(tables.reclaim_cases)) or 0
    finally:
        engine.dispose()


def test_a_dry_run_says_who_would_be_asked_or_reported_and_why_and_changes_nothing(
    cli: Cli,
) -> None:
    _prepare(cli)

    outcome = cli("run", "reclaim", "--dry-run")

    assert outcome.code == 0, outcome.err
    lines = outcome.out.splitlines()
    asked = [line for line in lines if line.startswith("prompt")]
    assert len(asked) == 1 and "ada@acme.test" in asked[0]
    assert "idle 90 days (usage report)" in asked[0]
    assert "(USD 10.00/month)" in asked[0]
    reported = [line for line in lines if line.startswith("report")]
    assert len(reported) == 1 and "cy@acme.test" in reported[0]
    assert reported[0].endswith("no activity data")
    assert not any(who in outcome.out for who in ("bo@", "boss@", "dee@"))
    assert "seats that would be touched: 1 to ask keep or release, 1 to report only" in outcome.out
    assert _cases(cli) == 0


def test_a_real_run_opens_the_question_once_and_says_the_server_sends_it(cli: Cli) -> None:
    _prepare(cli)

    first = cli("run", "reclaim")
    again = cli("run", "reclaim")

    assert first.code == again.code == 0
    assert "seats that were touched: 1 asked keep or release, 1 reported only" in first.out
    assert "in its holder's working hours" in first.out
    assert "asked keep or release" not in again.out
    assert _cases(cli) == 1


def test_importing_a_leaver_takes_back_their_seats_at_once(cli: Cli) -> None:
    _prepare(cli)
    gone = [row.replace(",true", ",false") if row.startswith("ada@") else row for row in PEOPLE]

    outcome = cli("import", "people", cli.write_people(*gone))

    assert outcome.code == 0, outcome.err
    assert "leavers' seats being taken back: 1" in outcome.out
    engine = cli.engine()
    try:
        with engine.connect() as connection:
            status = connection.scalar(
                select(tables.seats.c.status).where(tables.seats.c.email == "ada@acme.test")
            )
    finally:
        engine.dispose()
    assert status == "releasing"
