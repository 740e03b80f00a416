"""A notice alert is posted exactly once, whichever replica runs the pass, and after a restart.

Two Seatkeeper containers (two replicas: separate engines and workers) share one database
(PostgreSQL when SEATKEEPER_TEST_DATABASE_URL is set) and one fake Slack; both run the
reminders pass, which queues due alerts, and both drain their job queue, at the same time and
again and again. Then one is replaced by a fresh one (a restart) that does the same.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator

import pytest

from bot.bootstrap import Container, build
from bot.config.loader import parse_config
from bot.config.settings import settings_from_env
from bot.sandbox.local import LocalSlack
from tests.fakes.clock import FakeClock

IT_CHANNEL = "C0ITOPS01"
CONFIG = """
slack: {it_channel: C0ITOPS01}
admins: [U0ADMIN01]
apps:
  - key: figma
    name: Figma
    tiers: [{key: pro, name: Pro, monthly_price: 15}]
    contract: {seats: 50, renews_on: 2027-03-31, notice_days: 60, auto_renew: true}
"""
# 13 days before the notice deadline of 30 January 2027: the 14-day alert is due.
NOW = dt.datetime(2027, 1, 17, 10, 0, tzinfo=dt.UTC)


@pytest.fixture
def slack() -> Iterator[LocalSlack]:
    with LocalSlack() as fake:
        yield fake


def replica(database_url: str, slack: LocalSlack) -> Container:
    env = {
        "SLACK_BOT_TOKEN": slack.token,
        "SLACK_SIGNING_SECRET": "alerts-test-secret",
        "SLACK_API_URL": slack.url,
        "SEATKEEPER_DATABASE_URL": database_url,
    }
    config = parse_config(CONFIG, source="alerts.yml", env=env)
    return build(settings_from_env(env), config, clock=FakeClock(NOW), env=env)


def together(*containers: Container, rounds: int = 5) -> None:
    """Each container runs the pass and drains its jobs, all at once, `rounds` times."""

    def work(container: Container) -> None:
        for _ in range(rounds):
            container.passes.reminders()
            container.worker.drain()

    threads = [threading.Thread(target=work, args=(c,)) for c in containers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)


def alerts(slack: LocalSlack) -> list[str]:
    return [m["text"] for m in slack.messages(IT_CHANNEL) if "notice deadline" in m["text"]]


def test_two_replicas_and_a_restart_post_each_notice_alert_once(
    database_url: str, slack: LocalSlack
) -> None:
    first, second = replica(database_url, slack), replica(database_url, slack)
    try:
        together(first, second)
    finally:
        first.close()
    restarted = replica(database_url, slack)
    try:
        together(second, restarted)
    finally:
        second.close()
        restarted.close()

    assert alerts(slack) == [
        ":alarm_clock: *Figma*: the notice deadline is in 13 days "
        "(<!date^1801310400^{date_short_pretty}|2027-01-30>). The contract renews "
        "<!date^1806494400^{date_short_pretty}|2027-03-31> at 50 seats by itself."
    ]
