"""`seatkeeper run digest [--dry-run]` on a real database, posting to a fake Slack."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from store import tables
from tests.integration.cli_harness import Cli

RENEWS = (dt.date.today() + dt.timedelta(days=40)).isoformat()
CONFIG = f"""\
slack: {{it_channel: C0ITOPS01}}
admins: [U0ADMIN01]
apps:
  - key: miro
    name: Miro
    connector: {{type: manual}}
    tiers: [{{key: standard, name: Standard, monthly_price: 10, approval: []}}]
    contract: {{seats: 5, renews_on: {RENEWS}, notice_days: 30}}
"""


def _prepare(cli: Cli) -> None:
    cli.write_config(CONFIG)
    assert cli("import", "people", cli.write_people("ada@acme.test,Ada,U0ADA0001,,,true")).code == 0
    day = (dt.date.today() - dt.timedelta(days=100)).isoformat()
    (cli.folder / "seats.csv").write_text(
        f"app,tier,email,assigned_on,last_active_on\nmiro,standard,ada@acme.test,{day},{day}\n"
    )
    assert cli("import", "seats", "seats.csv").code == 0


def _digests(cli: Cli) -> int:
    engine = cli.engine()
    try:
        with engine.connect() as connection:
            return connection.scalar(select(func.count()).select_from(tables.digests)) or 0
    finally:
        engine.dispose()


def test_a_dry_run_prints_the_digest_and_stores_nothing(cli: Cli) -> None:
    _prepare(cli)

    outcome = cli("run", "digest", "--dry-run")

    assert outcome.code == 0, outcome.err
    assert "paid seats cost USD 50.00 a month; overspend USD 50.00 a month" in outcome.out
    assert "  miro: renews" in outcome.out and "renew at 0, saves USD 600.00 a year" in outcome.out
    assert _digests(cli) == 0
    assert cli.slack.calls_to("chat.postMessage") == []


def test_a_run_posts_the_digest_to_the_it_channel_and_stores_it(cli: Cli) -> None:
    _prepare(cli)

    outcome = cli("run", "digest")

    assert outcome.code == 0, outcome.err
    assert outcome.out.rstrip().endswith("posted to the IT channel")
    [posted] = cli.slack.calls_to("chat.postMessage")
    assert posted["channel"] == "C0ITOPS01"
    assert posted["text"] == "Seatkeeper digest: USD 50.00 a month of overspend"
    assert _digests(cli) == 1
