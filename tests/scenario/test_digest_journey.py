"""The digest and notice alerts in the IT channel, driven through signed Slack requests.

The scenario's Miro contract renews on 31 December 2026 with 30 days' notice, so on Monday 23
November its notice deadline (1 December) is 8 days away.
"""

from __future__ import annotations

from messages import ids
from tests.scenario.holders import give_seat
from tests.scenario.world import ADMIN, ALICE, DANA, IT_CHANNEL, MALLORY, World


def test_an_admin_posts_the_digest_with_license_digest_and_others_are_refused(world: World) -> None:
    give_seat(world, ALICE, app="miro", tier="standard", idle_days=90)
    give_seat(world, DANA, app="miro", tier="standard", idle_days=2)

    refused = world.as_user(MALLORY).command("/license", "digest")
    asked = world.as_user(ADMIN).command("/license", "digest")
    world.drain()

    assert "Only Seatkeeper admins can post the digest." in refused.json()["text"]
    assert asked.json() == {
        "text": f"The digest is on its way to <#{IT_CHANNEL}>.",
        "response_type": "ephemeral",
    }
    [digest] = [
        m for m in world.slack.messages(IT_CHANNEL) if m["text"].startswith("Seatkeeper digest")
    ]
    said = str(digest["blocks"])
    # Miro: 20 paid, 2 assigned, 1 active -> 19 unused paid seats at USD 10.00 a month.
    figures = "paid 20 · assigned 2 · active 1 · idle 1 · unassigned 18"
    assert f"*Miro*: USD 190.00/month overspend · {figures}" in said
    assert (
        "*Miro* renews <!date^" in said and "Renew at *2* seats: saves USD 2,160.00 a year" in said
    )


def test_a_notice_alert_is_posted_once_and_its_report_opens_for_admins_only(world: World) -> None:
    give_seat(world, ALICE, app="miro", tier="standard", idle_days=90)

    for _ in range(3):
        world.app.passes.reminders()
        world.drain()
    [alert] = [m for m in world.slack.messages(IT_CHANNEL) if "notice deadline" in m["text"]]
    assert alert["text"].startswith(":alarm_clock: *Miro*: the notice deadline is in 8 days")

    world.click(MALLORY, alert, ids.REPORT_OPEN)
    world.drain()
    assert "Only Seatkeeper admins can open app reports." in world.slack.ephemerals[-1]["text"]
    assert world.slack.calls_to("views.open") == []

    world.click(ADMIN, alert, ids.REPORT_OPEN)
    [opened] = world.slack.calls_to("views.open")
    assert opened["view"]["title"]["text"] == "Miro"
    assert "alice@acme.test · Standard · 90 days" in str(opened["view"]["blocks"])
