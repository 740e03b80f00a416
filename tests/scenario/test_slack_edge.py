"""How the app answers Slack itself: signatures, retries, commands, modals and the App Home."""

from __future__ import annotations

import time

from messages import ids
from tests.fakes.slack_requests import app_home_opened, url_verification
from tests.scenario.world import ALICE, DANA, World


def test_a_forged_signature_is_refused_with_401_and_changes_nothing(world: World) -> None:
    response = world.sender.command("/license", "", secret="not-the-signing-secret")
    assert response.status_code == 401
    assert world.slack.calls_to("views.open") == []


def test_a_stale_timestamp_is_refused_with_401(world: World) -> None:
    response = world.sender.command("/license", "", timestamp=int(time.time()) - 301)
    assert response.status_code == 401
    assert world.slack.calls_to("views.open") == []


def test_a_timestamp_from_the_future_is_refused_with_401(world: World) -> None:
    # Well past the 300 s window, so a slow run (or the second int() drops) cannot bring it in.
    response = world.sender.command("/license", "", timestamp=int(time.time()) + 310)
    assert response.status_code == 401


def test_a_malformed_interaction_payload_is_answered_without_changing_anything(
    world: World,
) -> None:
    response = world.sender.send((b"payload=%7Bnot-json", "application/x-www-form-urlencoded"))
    assert response.status_code in (200, 400, 404)
    assert world.audit() == []


def test_url_verification_echoes_the_challenge(world: World) -> None:
    response = world.sender.send(url_verification("ch4ll3nge"))
    assert response.status_code == 200
    assert "ch4ll3nge" in response.text


def test_license_opens_the_request_modal_within_the_trigger_window(world: World) -> None:
    response = world.sender.command("/license", "")
    assert response.status_code == 200
    opened = world.slack.calls_to("views.open")
    assert len(opened) == 1
    view = opened[0]["view"]
    assert view["callback_id"] == ids.REQUEST_MODAL
    labels = str(view)
    assert "Figma" in labels and "Miro" in labels


def test_license_request_figma_opens_the_modal_with_only_figma_tiers(world: World) -> None:
    world.sender.command("/license", "request figma")
    view = world.slack.calls_to("views.open")[0]["view"]
    assert "Figma" in str(view) and "Miro" not in str(view)


def test_license_request_for_an_unknown_app_is_refused_privately(world: World) -> None:
    response = world.sender.command("/license", "request photoshop")
    assert response.status_code == 200
    assert world.slack.calls_to("views.open") == []
    answer = response.json()  # the acknowledgement itself: only the person who typed sees it
    assert answer["response_type"] == "ephemeral"
    assert "photoshop" in answer["text"] and "figma" in answer["text"]


def test_license_help_answers_only_the_person_who_asked(world: World) -> None:
    response = world.sender.command("/license", "help")
    assert response.status_code == 200
    body = response.json()
    assert body["response_type"] == "ephemeral"
    assert "/license request" in body["text"]


def test_an_expired_trigger_is_refused_by_slack_and_the_user_is_told(world: World) -> None:
    trigger = world.slack.new_trigger_id()
    world.let_slack_time_pass(3.5)
    response = world.sender.command("/license", "", trigger_id=trigger)
    assert response.status_code == 200
    assert world.slack.views == {}
    assert "try again" in world.slack.ephemerals[-1]["text"]


def test_a_request_without_a_reason_comes_back_inline(world: World) -> None:
    response = world.request(ALICE, "figma:professional", reason="   ")
    assert response.status_code == 200
    assert response.json()["response_action"] == "errors"
    assert ids.REASON in response.json()["errors"]
    assert world.audit() == []


def test_an_end_date_in_the_past_comes_back_inline(world: World) -> None:
    response = world.request(ALICE, "figma:professional", end_date="2020-01-01")
    assert response.json()["errors"] == {ids.END_DATE: "The end date must be in the future."}


def test_a_second_open_request_for_the_same_tier_comes_back_inline(world: World) -> None:
    world.request(ALICE, "figma:professional")
    response = world.request(ALICE, "figma:professional")
    assert "already have an open request" in response.json()["errors"][ids.APP_TIER]


def test_app_home_shows_the_catalog_requests_and_waiting_approvals(world: World) -> None:
    world.request(ALICE, "figma:professional", "Prototypes")
    world.drain()
    world.as_user(DANA).send(app_home_opened(DANA))
    home = world.slack.home_view(DANA)
    assert home is not None
    text = str(home)
    assert "Figma" in text and ids.REQUEST_OPEN in text and ids.STEP_APPROVE in text
    world.as_user(ALICE).send(app_home_opened(ALICE))
    assert ids.REQUEST_CANCEL in str(world.slack.home_view(ALICE))


def test_a_retried_event_is_handled_once(world: World) -> None:
    body = app_home_opened(ALICE, "Ev0RETRY01")
    first = world.sender.send(body)
    retry = world.sender.send(
        body, headers={"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
    )
    assert first.status_code == retry.status_code == 200
    assert len(world.slack.calls_to("views.publish")) == 1


def test_the_request_button_in_the_home_catalog_opens_the_modal_for_that_app(
    world: World,
) -> None:
    world.as_user(ALICE).click(ids.REQUEST_OPEN, "miro", container={"type": "view"})
    view = world.slack.calls_to("views.open")[0]["view"]
    assert "Miro" in str(view) and "Figma" not in str(view)
