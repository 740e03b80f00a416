"""What identifies one Slack delivery, so repeats are recognised and nothing else is."""

from __future__ import annotations

from bot.slack.parse import delivery_key


def test_an_event_is_identified_by_its_event_id() -> None:
    assert delivery_key({"type": "event_callback", "event_id": "Ev1"}) == "event:Ev1"


def test_an_event_without_an_event_id_is_never_taken_for_a_repeat() -> None:
    assert delivery_key({"type": "event_callback"}) is None


def test_a_click_is_identified_by_where_it_was_when_and_who_clicked() -> None:
    body = {
        "type": "block_actions",
        "container": {"message_ts": "1.2"},
        "actions": [{"action_ts": "3.4"}],
        "user": {"id": "U1"},
    }
    assert delivery_key(body) == "action:1.2:3.4:U1"


def test_a_command_and_a_form_submission_are_identified_by_their_trigger() -> None:
    assert delivery_key({"command": "/license", "trigger_id": "t1"}) == "trigger:t1"
    assert delivery_key({"type": "view_submission", "trigger_id": "t2"}) == "trigger:t2"
