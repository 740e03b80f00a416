"""Idle seat → keep or release → reclaim, driven the way Slack drives the app: signed clicks on
the DMs the fake Slack recorded, a real SCIM server as Figma, and a clock moved by hand.

The clock starts on Monday 23 November 2026 at 09:00 UTC; the holders work in London
(UTC+0 in winter), Mon-Fri 09:00-17:00, so a question asked then goes out at once.
"""

from __future__ import annotations

from messages import ids
from tests.scenario.holders import (
    EMAIL,
    Leave,
    buttons,
    current,
    give_seat,
    later,
    leave,
    question,
    reclaim,
    replies,
    roots,
    scim_user,
    seat_rows,
)
from tests.scenario.world import (
    ADMIN,
    ALICE,
    DANA,
    FIONA,
    IT_CHANNEL,
    MALLORY,
    World,
)


def test_keep_then_silence_reminder_and_reclaim_once_the_snooze_ends(world: World) -> None:
    give_seat(world, ALICE)

    report = reclaim(world)
    first = question(world, ALICE)
    world.click(ALICE, first, ids.RECLAIM_KEEP)
    world.drain()

    assert [line.action for line in report.lines] == ["prompt"]
    assert "You have not used *Figma Professional* since" in first["blocks"][0]["text"]["text"]
    assert "60 days ago (last sign-in)" in first["blocks"][0]["text"]["text"]
    assert "USD 15.00/month" in first["text"]
    assert buttons(first) == [ids.RECLAIM_KEEP, ids.RECLAIM_DOWNGRADE, ids.RECLAIM_RELEASE]
    kept = current(world, first)
    assert buttons(kept) == [] and "you keep your *Figma Professional* seat" in kept["text"]

    later(world, days=29)
    assert reclaim(world).lines == []  # still snoozed
    later(world, days=2)  # Thursday 24 December
    reclaim(world)
    second = question(world, ALICE)
    later(world, days=5, hours=1)  # Tuesday 29th: past three days before the deadline
    reclaim(world)
    later(world, days=3)  # past Thursday 31st, 17:00
    reclaim(world)

    assert len(roots(world, ALICE)) == 2
    assert replies(world, second)[0].startswith(":bell: Reminder: please answer by")
    assert replies(world, second)[1:] == [
        "We did not hear from you, so your *Figma Professional* seat is being released.",
        ":white_check_mark: Done: your *Figma Professional* seat is removed. "
        "That saves USD 15.00/month.",
    ]
    assert buttons(current(world, second)) == [ids.RECLAIM_BACK]
    assert scim_user(world, ALICE)["active"] is False
    assert seat_rows(world, EMAIL[ALICE]) == [("figma", "professional", "revoked")]


def test_release_removes_the_seat_at_once_and_request_it_back_gives_it_back(world: World) -> None:
    give_seat(world, ALICE)
    reclaim(world)
    asked = question(world, ALICE)

    world.click(ALICE, asked, ids.RECLAIM_RELEASE)
    world.drain()
    released = current(world, asked)
    assert (
        "You released your *Figma Professional* seat. That saves USD 15.00/month"
        in (released["text"])
    )
    assert scim_user(world, ALICE)["active"] is False

    world.clock.advance(days=2)
    world.click(ALICE, released, ids.RECLAIM_BACK)
    world.drain()

    assert scim_user(world, ALICE) == {"active": True, "groups": ["professional"]}
    assert buttons(current(world, asked)) == []
    assert "You asked for it back: request #1" in str(current(world, asked)["blocks"])
    live = [m["text"] for m in world.thread(ALICE) if "is live" in m["text"]]
    assert live == ["Your Figma Professional seat is live (request #1)."]
    assert [row[2] for row in seat_rows(world, EMAIL[ALICE])] == ["revoked", "active"]


def test_move_to_the_cheaper_tier_changes_the_seat_at_the_vendor(world: World) -> None:
    give_seat(world, ALICE)
    reclaim(world)

    world.click(ALICE, question(world, ALICE), ids.RECLAIM_DOWNGRADE)
    world.drain()

    assert scim_user(world, ALICE) == {"active": True, "groups": ["viewer"]}
    assert seat_rows(world, EMAIL[ALICE]) == [
        ("figma", "professional", "downgraded"),
        ("figma", "viewer", "active"),
    ]
    root = roots(world, ALICE)[0]
    assert replies(world, root) == [
        ":white_check_mark: Done: your Figma seat is now Viewer. That saves USD 15.00/month."
    ]


def test_only_the_holder_answers_and_double_clicks_or_replays_revoke_once(world: World) -> None:
    give_seat(world, ALICE)
    reclaim(world)
    asked = question(world, ALICE)

    world.click(MALLORY, asked, ids.RECLAIM_RELEASE)
    world.drain()
    assert world.slack.ephemerals[-1]["user"] == MALLORY
    assert "This question is for <@U0ALICE01>, not you." in world.slack.ephemerals[-1]["text"]
    assert scim_user(world, ALICE)["active"] is True

    value = world.button(asked, ids.RECLAIM_RELEASE) or ""
    where = {
        "container": {"type": "message", "message_ts": asked["ts"], "channel_id": asked["channel"]}
    }
    clicks = [
        world.as_user(ALICE).click(
            ids.RECLAIM_RELEASE, value, action_ts="1700000100.000001", **where
        ),
        world.as_user(ALICE).click(
            ids.RECLAIM_RELEASE, value, action_ts="1700000100.000001", **where
        ),
        world.as_user(ALICE).click(
            ids.RECLAIM_RELEASE, value, action_ts="1700000101.000001", **where
        ),
    ]
    world.drain()

    assert [c.status_code for c in clicks] == [200, 200, 200]
    deactivations = [
        call for call in world.scim.calls if call[0] == "PATCH" and call[1].startswith("/v2/Users")
    ]
    assert len(deactivations) == 1
    assert len(replies(world, asked)) == 1


def test_in_review_mode_an_admin_confirms_a_wave_with_one_holder_excluded(
    review_world: World,
) -> None:
    world = review_world
    for user in (ALICE, DANA, FIONA):
        give_seat(world, user)
    reclaim(world)
    later(world, days=8)

    reclaim(world)
    [wave] = [m for m in world.slack.messages(IT_CHANNEL) if ids.WAVE_CONFIRM in buttons(m)]
    assert wave["text"] == (
        "3 Figma seats idle past the deadline to answer (USD 45.00/month): reclaim them?"
    )
    assert "The deadline has passed and IT is reviewing this seat" in str(question(world, ALICE))
    world.click(MALLORY, wave, ids.WAVE_CONFIRM)
    world.drain()
    assert "Only Seatkeeper admins can review reclaims." in world.slack.ephemerals[-1]["text"]
    assert scim_user(world, ALICE)["active"] is True

    exclude_dana = next(
        block["accessory"]["value"]
        for block in wave["blocks"]
        if "<@U0DANA001>" in str(block.get("text")) and block.get("accessory")
    )
    world.as_user(ADMIN).click(
        ids.WAVE_EXCLUDE,
        exclude_dana,
        container={"type": "message", "message_ts": wave["ts"], "channel_id": IT_CHANNEL},
    )
    world.drain()
    trimmed = current(world, wave)
    assert trimmed["text"].startswith("2 Figma seats idle past the deadline to answer (USD 30.00")
    world.click(ADMIN, trimmed, ids.WAVE_CONFIRM)
    world.drain()

    decided = current(world, wave)
    assert decided["text"] == "Figma reclaim review: confirmed by <@U0ADMIN01>."
    assert ids.WAVE_CONFIRM not in buttons(decided) and ids.WAVE_EXCLUDE not in buttons(decided)
    assert [scim_user(world, u)["active"] for u in (ALICE, DANA, FIONA)] == [False, True, False]
    assert (
        "IT decided you keep your *Figma Professional* seat"
        in current(world, roots(world, DANA)[0])["text"]
    )


def test_a_leaver_loses_every_seat_without_a_dm_and_it_hears_once(world: World) -> None:
    give_seat(world, ALICE, idle_days=1)
    give_seat(world, ALICE, app="miro", tier="standard", idle_days=1)
    world.app.runner(leave, Leave(EMAIL[ALICE]))

    report = reclaim(world)

    assert [line.action for line in report.lines] == ["leaver", "leaver"]
    assert scim_user(world, ALICE)["active"] is False
    assert roots(world, ALICE) == []
    notices = [m["text"] for m in world.slack.messages(IT_CHANNEL) if " left: " in m["text"]]
    assert notices == [
        "Alice Archer (alice@acme.test) left: taking back 2 seats (USD 25.00/month)."
    ]
    tasks = [m["text"] for m in world.it_tasks()]
    assert tasks == ["IT task #1: Remove <@U0ALICE01>'s Miro Standard seat (alice@acme.test)"]
