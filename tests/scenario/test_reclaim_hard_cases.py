"""Reclamation's harder cases through signed Slack requests: timezones and weekends, end dates
with Extend, the seat broker, releasing from `/license mine` and the App Home."""

from __future__ import annotations

import datetime as dt
import json

from messages import ids
from tests.fakes.response_url import ResponseUrlListener
from tests.scenario.holders import (
    EMAIL,
    buttons,
    current,
    give_seat,
    later,
    question,
    reclaim,
    replies,
    roots,
    scim_user,
    seat_rows,
)
from tests.scenario.world import ADMIN, ALICE, DANA, FIONA, IT_CHANNEL, World


def test_questions_wait_for_each_holders_working_hours_and_deadlines_skip_the_weekend(
    short_grace_world: World,
) -> None:
    world = short_grace_world
    world.slack.add_user(ALICE, EMAIL[ALICE], "Alice Archer", tz="Asia/Tokyo")
    world.slack.add_user(DANA, EMAIL[DANA], "Dana Diaz", tz="America/Los_Angeles")
    give_seat(world, ALICE)
    give_seat(world, DANA)

    reclaim(world)  # Monday 09:00 UTC: 18:00 in Tokyo, 01:00 in Los Angeles
    assert roots(world, ALICE) == roots(world, DANA) == []
    later(world, hours=8)  # 09:00 in Los Angeles, 02:00 on Tuesday in Tokyo
    assert len(roots(world, DANA)) == 1 and roots(world, ALICE) == []
    later(world, hours=7)  # Tuesday 09:00 in Tokyo
    assert len(roots(world, ALICE)) == 1

    # Monday + 5 days is a Saturday in Los Angeles, Tuesday + 5 a Sunday in Tokyo: both move
    # to the end of Monday 30 November in the holder's own time.
    assert "|2026-12-01T01:00Z>" in question(world, DANA)["blocks"][1]["text"]["text"]
    assert "|2026-11-30T08:00Z>" in question(world, ALICE)["blocks"][1]["text"]["text"]


def test_a_reminder_waits_for_the_morning_when_it_falls_due_at_night(world: World) -> None:
    give_seat(world, ALICE)
    reclaim(world)
    asked = question(world, ALICE)
    world.clock.advance(days=4, hours=13)  # Friday 22:00 in London

    reclaim(world)
    assert replies(world, asked) == []
    later(world, days=2, hours=11)  # Monday 09:00

    assert replies(world, asked)[0].startswith(":bell: Reminder")


def _request_with_end(world: World, end: dt.date) -> None:
    world.request(ALICE, "figma:professional", end_date=end.isoformat())
    world.drain()
    world.approve_latest(DANA)
    world.approve_latest(FIONA)


def test_a_seat_granted_until_a_date_is_extended_from_its_end_notice(world: World) -> None:
    today = world.clock.now().date()
    _request_with_end(world, today + dt.timedelta(days=10))
    assert seat_rows(world, EMAIL[ALICE]) == [("figma", "professional", "active")]

    later(world, days=7)  # Monday 30 November: three days before 3 December
    reclaim(world)
    notice = question(world, ALICE)
    assert "ends on" in notice["text"] and buttons(notice) == [ids.RECLAIM_EXTEND]
    world.click(ALICE, notice, ids.RECLAIM_EXTEND)
    opened = world.slack.calls_to("views.open")[-1]["view"]
    chosen = opened["blocks"][0]["element"]["initial_option"]["value"]
    assert chosen == "figma:professional"

    _request_with_end(world, today + dt.timedelta(days=60))
    reclaim(world)

    assert "was extended" in current(world, notice)["text"]
    assert buttons(current(world, notice)) == []
    later(world, days=4)
    reclaim(world)
    assert scim_user(world, ALICE)["active"] is True


def test_a_seat_granted_until_a_date_ends_on_that_date(world: World) -> None:
    today = world.clock.now().date()
    _request_with_end(world, today + dt.timedelta(days=10))
    later(world, days=7)
    reclaim(world)
    notice = question(world, ALICE)

    later(world, days=3)  # Thursday 3 December
    reclaim(world)

    assert scim_user(world, ALICE)["active"] is False
    assert "ended on" in current(world, notice)["text"]
    assert (
        replies(world, notice)[0] == "Your *Figma Professional* seat ended, so it is being removed."
    )


def test_a_waitlisted_colleague_gets_the_seat_the_idlest_holder_releases(
    one_seat_world: World,
) -> None:
    world = one_seat_world
    give_seat(world, FIONA, app="miro", tier="standard")
    world.request(ALICE, "miro:standard", reason="Workshops")
    world.drain()
    world.approve_latest(DANA)

    asked = question(world, FIONA)
    assert "A colleague is waiting for a Miro seat" in str(asked["blocks"])
    world.click(FIONA, asked, ids.RECLAIM_RELEASE)
    world.drain()
    removal = world.it_tasks()[-1]
    assert removal["text"].startswith("IT task #1: Remove <@U0FIGOWN1>'s Miro Standard seat")
    world.click(ADMIN, removal, ids.TASK_DONE)
    world.drain()

    assert replies(world, asked)[-1].endswith(
        "It went straight to a colleague who was waiting for one."
    )
    setup = world.it_tasks()[-1]
    assert setup["text"].startswith("IT task #2: Give <@U0ALICE01> a Miro Standard seat")
    world.click(ADMIN, setup, ids.TASK_DONE)
    world.drain()
    assert any("Miro Standard seat is live" in m["text"] for m in world.thread(ALICE))
    [waiting] = [m for m in world.slack.messages(IT_CHANNEL) if "waitlist" in m["text"]]
    assert "1 waiting for Miro · 1 idle holder asked to free a seat" in str(waiting["blocks"])


def test_license_mine_lists_seats_with_release_and_replaces_the_list_after_a_release(
    world: World,
) -> None:
    give_seat(world, ALICE, idle_days=3)

    answer = world.as_user(ALICE).command("/license", "mine")
    listed = answer.json()
    assert listed["text"] == "You hold 1 seat."
    assert "USD 15.00/month" in str(listed["blocks"]) and "last used" in str(listed["blocks"])
    value = next(b["accessory"]["value"] for b in listed["blocks"] if b.get("accessory"))

    with ResponseUrlListener() as hook:
        world.as_user(ALICE).click(
            ids.SEAT_RELEASE,
            value,
            container={
                "type": "message",
                "message_ts": "1.2",
                "channel_id": "D0ALICE01",
                "is_ephemeral": True,
            },
            response_url=hook.url,
        )
        world.drain()
        [(_, _, sent)] = hook.received

    replaced = json.loads(sent)
    assert replaced["replace_original"] is True
    assert "being released" in str(replaced["blocks"])
    assert scim_user(world, ALICE)["active"] is False
    [told] = roots(world, ALICE)
    assert told["text"].startswith(":recycle: You released your *Figma Professional* seat")
    assert buttons(told) == [ids.RECLAIM_BACK]


def test_the_app_home_lists_seats_with_their_cost_last_use_and_release(world: World) -> None:
    give_seat(world, ALICE, idle_days=3)

    world.as_user(ALICE).event({"type": "app_home_opened", "user": ALICE, "tab": "home"})
    home = world.slack.home_view(ALICE)
    assert home is not None
    value = next(
        b["accessory"]["value"]
        for b in home["blocks"]
        if (b.get("accessory") or {}).get("action_id") == ids.SEAT_RELEASE
    )
    world.as_user(ALICE).click(ids.SEAT_RELEASE, value, container="view")
    world.drain()

    refreshed = world.slack.home_view(ALICE)
    assert refreshed is not None and "being released" not in str(refreshed["blocks"])
    assert "You hold no seats yet." in str(refreshed["blocks"])
    assert seat_rows(world, EMAIL[ALICE]) == [("figma", "professional", "revoked")]


def test_a_holder_slack_cannot_reach_is_not_asked_and_it_hears_once(world: World) -> None:
    world.slack.add_user(DANA, EMAIL[DANA], "Dana Diaz", deleted=True)
    give_seat(world, DANA)

    reclaim(world)
    later(world, days=1)
    reclaim(world)

    notices = [m["text"] for m in world.slack.messages(IT_CHANNEL) if "cannot deliver" in m["text"]]
    assert notices == [
        "Slack cannot deliver a DM to <@U0DANA001> (dana@acme.test), so they were not asked "
        "about their idle Figma Professional seat. If they have left, mark them inactive in the "
        "directory and their seats are taken back."
    ]
    assert roots(world, DANA) == []
    assert scim_user(world, DANA)["active"] is True
