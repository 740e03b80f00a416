"""People who write to the bot in its Messages tab get an answer, as with `/license`."""

from __future__ import annotations

from typing import Any

from messages import ids
from tests.scenario.holders import give_seat
from tests.scenario.world import ALICE, World


def write(world: World, text: str, **extra: Any) -> list[dict[str, Any]]:
    """Alice writes `text` to the bot; the bot's answers in her DM."""
    before = len(world.thread(ALICE))
    event = {"type": "message", "channel_type": "im", "channel": "D0ALICE01", "user": ALICE}
    world.as_user(ALICE).event(event | {"text": text} | extra)
    return world.thread(ALICE)[before:]


def test_mine_lists_the_writers_seats_with_release(world: World) -> None:
    give_seat(world, ALICE, idle_days=3)

    [answer] = write(world, "mine")

    assert answer["text"] == "You hold 1 seat."
    assert ids.SEAT_RELEASE in str(answer["blocks"])


def test_request_an_app_answers_with_a_button_that_opens_its_form(world: World) -> None:
    [answer] = write(world, "request Figma")

    assert answer["text"] == "Request *Figma*: press the button to fill in the form."
    world.click(ALICE, answer, ids.REQUEST_OPEN)
    [opened] = world.slack.calls_to("views.open")
    assert opened["view"]["blocks"][0]["element"]["initial_option"]["value"].startswith("figma:")


def test_an_unknown_app_is_named_and_anything_else_gets_the_help(world: World) -> None:
    [unknown] = write(world, "request photoshop")
    [helped] = write(world, "hello there")

    assert "There is no app called 'photoshop' in the catalog (apps: figma, miro)." in str(unknown)
    assert helped["text"].startswith("Seatkeeper gets you software")


def test_the_bots_own_messages_and_edits_get_no_answer(world: World) -> None:
    assert write(world, "mine", bot_id="B0BOT0001") == []
    assert write(world, "mine", subtype="message_changed") == []
