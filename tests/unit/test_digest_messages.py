"""The digest, notice alerts and app reports render valid Block Kit within Slack's limits for
any catalog: 1, 50 and 500 apps, biggest first, the rest counted with the command to list it."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest

from bot.sandbox.blockkit import validate_message, validate_view
from messages import digest as digest_messages
from messages.views import AppReport
from workflows.digest import (
    Digest,
    DigestApp,
    DigestApproval,
    DigestChange,
    DigestReclaims,
    DigestRenewal,
    DigestTask,
)

AT = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)
LONG = "An app with a long name " * 2


def make_digest(apps: int, *, first: bool = False) -> Digest:
    figures = [
        DigestApp(
            app_key=f"app{n}",
            app_name=f"{LONG}{n}",
            paid=50,
            assigned=40,
            active=20 + n % 7,
            idle=20 - n % 7,
            unassigned=10,
            waiting=n % 3,
            seat_price=Decimal("15.00"),
            overspend=Decimal(15 * (30 - n % 7)),
            monthly_spend=Decimal(750),
        )
        for n in range(apps)
    ]
    renewals = [
        DigestRenewal(
            app_key=f"app{n}",
            app_name=f"{LONG}{n}",
            renews_on=dt.date(2027, 1, 1),
            notice_deadline=dt.date(2026, 12, 2),
            days_to_notice=9,
            auto_renew=n % 2 == 0,
            paid=50,
            assigned=40,
            active=21,
            waiting=2,
            recommended=26,
            yearly_saving=Decimal(4320 - n),
        )
        for n in range(apps)
    ]
    return Digest(
        at=AT,
        period_start=AT - dt.timedelta(days=7),
        currency="USD",
        horizon_days=90,
        headroom_percent=10,
        apps=tuple(figures),
        renewals=tuple(renewals),
        reclaims=DigestReclaims(
            removed=3, downgraded=1, saved=Decimal(60), saved_to_date=Decimal(240)
        ),
        approvals=tuple(
            DigestApproval(
                request_id=n,
                requester="U0ALICE01",
                app_name=f"{LONG}{n}",
                tier_name="Pro",
                since=AT,
                approvers=("U0DANA001", "U0FIGOWN1"),
            )
            for n in range(1, apps + 1)
        ),
        tasks=tuple(
            DigestTask(task_id=n, summary=f"Give <@U0ALICE01> a seat {n}", since=AT)
            for n in range(apps)
        ),
        waitlists={f"{LONG}{n}": n + 1 for n in range(apps)},
        changes=tuple(
            DigestChange(
                app_key=f"app{n}",
                app_name=f"{LONG}{n}",
                moved={"active": (20, 21), "waiting": (0, 2)},
            )
            for n in range(apps)
        ),
        first=first,
    )


@pytest.mark.parametrize("apps", [1, 50, 500])
def test_the_digest_is_valid_block_kit_in_as_many_messages_as_slack_needs(apps: int) -> None:
    messages = digest_messages.digest(make_digest(apps))

    for message in messages:
        assert validate_message(message) == []
        assert len(message["blocks"]) <= 50
    assert 1 <= len(messages) <= 4
    if len(messages) > 1:
        assert messages[0]["text"].endswith(f"(1 of {len(messages)})")


def test_a_large_catalog_shows_the_biggest_items_and_the_command_for_the_rest() -> None:
    text = json.dumps(digest_messages.digest(make_digest(500)), ensure_ascii=False)

    assert "…and 490 more renewals: `seatkeeper report renewals` lists them all." in text
    assert "…and 485 more apps: `seatkeeper report spend` lists them all." in text
    assert "…and 490 more requests waiting" in text
    assert "and 490 more apps" in text  # waitlists
    assert "…and 485 more apps that changed" in text


def test_the_first_digest_says_nothing_about_changes_and_totals_the_money() -> None:
    messages = digest_messages.digest(make_digest(1, first=True))
    text = json.dumps(messages, ensure_ascii=False)

    assert "Changes since the last digest" not in text
    assert messages[0]["text"] == "Seatkeeper digest: USD 450.00 a month of overspend"
    assert "Renew at *26* seats: saves USD 4,320.00 a year" in text
    assert (
        "3 seats removed and 1 downgraded, saving USD 60.00/month (USD 240.00/month to date)"
        in text
    )


def test_names_from_the_catalog_and_tasks_cannot_mention_anyone() -> None:
    digest = make_digest(2).model_copy(
        update={
            "tasks": (DigestTask(task_id=1, summary="Fix <!channel> & <@U0EVIL01|x>", since=AT),)
        }
    )
    text = json.dumps(digest_messages.digest(digest))

    assert "<!channel>" not in text


REPORT = AppReport(
    app_key="figma",
    app_name="Figma",
    currency="USD",
    paid=50,
    assigned=40,
    active=21,
    idle=19,
    unassigned=10,
    waiting=2,
    seat_price=Decimal(15),
    overspend=Decimal(435),
    monthly_spend=Decimal(750),
    renews_on=dt.date(2027, 3, 31),
    notice_deadline=dt.date(2027, 1, 30),
    auto_renew=True,
    recommended=26,
    yearly_saving=Decimal(4320),
    idlest=[("ann@acme.test", "Professional", 80), ("bo@acme.test", "Professional", None)],
    days_to_notice=14,
)


def test_a_notice_alert_gives_the_deadline_the_figures_the_advice_and_a_report_button() -> None:
    alert = digest_messages.notice_alert(REPORT)

    assert validate_message(alert) == []
    assert alert["text"].startswith(":alarm_clock: *Figma*: the notice deadline is in 14 days")
    assert "renews <!date^" in alert["text"] and "at 50 seats by itself" in alert["text"]
    assert "Renew at *26* seats: saves USD 4,320.00 a year" in json.dumps(alert)
    assert alert["blocks"][-1]["elements"][0]["action_id"] == "report.open"


def test_an_app_report_is_a_valid_modal_with_its_idlest_seats() -> None:
    modal = digest_messages.app_report(REPORT)

    assert validate_view(modal) == []
    shown = json.dumps(modal, ensure_ascii=False)
    assert "ann@acme.test · Professional · 80 days" in shown
    assert "bo@acme.test · Professional · no activity data" in shown
