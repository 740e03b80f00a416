"""Signed request builders produce what Slack sends, and Slack's own verifier agrees."""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest
from jsonschema import Draft7Validator
from slack_bolt.request import BoltRequest
from slack_sdk.signature import SignatureVerifier

from tests.contracts import load_json
from tests.fakes.slack_requests import (
    FORM,
    JSON,
    SlackSender,
    app_home_opened,
    block_action,
    event_callback,
    sign,
    slash_command,
    static_select,
    text_input,
    url_verification,
    view_submission,
)

SECRET = "test-signing-secret"


def shape(name: str) -> Any:
    return load_json(f"payload-shapes/{name}.json")


# Slack sends these, but the java-slack-sdk samples leave them out.
DOCUMENTED_BUT_NOT_SAMPLED = {"blocks", "response_urls"}


def unknown_keys(actual: dict[str, Any], sample: dict[str, Any]) -> set[str]:
    return set(actual) - set(sample) - DOCUMENTED_BUT_NOT_SAMPLED


def interaction(body: bytes) -> dict[str, Any]:
    fields = parse_qs(body.decode())
    assert list(fields) == ["payload"]
    return json.loads(fields["payload"][0])


def test_slacks_verifier_accepts_our_signature() -> None:
    body, content_type = slash_command(text="figma")
    headers = sign(body, SECRET, content_type=content_type)
    assert SignatureVerifier(SECRET).is_valid_request(body, headers)
    assert headers["Content-Type"] == FORM
    assert headers["X-Slack-Signature"].startswith("v0=")


def test_slacks_verifier_rejects_a_tampered_body() -> None:
    body, _ = slash_command(text="figma")
    headers = sign(body, SECRET)
    assert not SignatureVerifier(SECRET).is_valid_request(body.replace(b"figma", b"adobe"), headers)


def test_slacks_verifier_rejects_a_stale_timestamp_and_a_wrong_secret() -> None:
    body, _ = slash_command()
    stale = sign(body, SECRET, timestamp=int(time.time()) - 301)
    assert not SignatureVerifier(SECRET).is_valid_request(body, stale)
    assert not SignatureVerifier(SECRET).is_valid_request(body, sign(body, "not-the-secret"))


def test_the_signature_matches_slacks_documented_example() -> None:
    # https://docs.slack.dev/authentication/verifying-requests-from-slack/
    body = (
        b"token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V"
        b"&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect"
        b"&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554"
        b"%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c"
    )
    headers = sign(body, "8f742231b10e8888abcd99yyyzzz85a5", timestamp=1531420618)
    assert headers["X-Slack-Signature"] == (
        "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"
    )


def test_a_slash_command_is_plain_form_fields_named_like_slacks() -> None:
    body, content_type = slash_command("/license", "request figma", user_id="U0BOB0001")
    fields = {k: v[0] for k, v in parse_qs(body.decode(), keep_blank_values=True).items()}
    assert content_type == FORM
    assert unknown_keys(fields, shape("interactions/SlashCommandPayload")) == set()
    assert (fields["command"], fields["text"], fields["user_id"]) == (
        "/license",
        "request figma",
        "U0BOB0001",
    )
    assert fields["trigger_id"] and fields["response_url"].startswith("https://hooks.slack.com/")


def test_a_button_click_on_a_message_is_one_payload_field_shaped_like_slacks() -> None:
    body, content_type = block_action(
        "U0DANA001", "approve", '{"request": 7}', block_id="decide", channel_id="C0ADMINS1"
    )
    payload = interaction(body)
    sample = shape("interactions/BlockActionPayload")
    assert content_type == FORM
    assert unknown_keys(payload, sample) == set()
    assert unknown_keys(payload["container"], sample["container"]) == set()
    assert unknown_keys(payload["actions"][0], sample["actions"][0]) == set()
    action = payload["actions"][0]
    assert (action["action_id"], action["block_id"], action["value"], action["type"]) == (
        "approve",
        "decide",
        '{"request": 7}',
        "button",
    )
    assert payload["container"]["channel_id"] == payload["channel"]["id"] == "C0ADMINS1"


def test_a_button_click_in_a_view_carries_the_view_not_a_channel() -> None:
    view = {"id": "V0HOME001", "type": "home", "private_metadata": "{}"}
    payload = interaction(block_action("U0DANA001", "refresh", "1", container="view", view=view)[0])
    assert payload["container"] == {"type": "view", "view_id": "V0HOME001"}
    assert payload["view"]["type"] == "home" and "channel" not in payload
    assert unknown_keys(payload["view"], shape("interactions/BlockActionPayload")["view"]) == set()


def test_a_view_submission_carries_state_values_by_block_and_action() -> None:
    values = {
        "app": {"pick": static_select("figma", "Figma")},
        "why": {"text": text_input("design")},
    }
    body, _ = view_submission(
        "U0ALICE01", "request_seat", values, '{"step": 1}', view_id="V0MODAL01"
    )
    payload = interaction(body)
    sample = shape("interactions/ViewSubmissionPayload")
    assert unknown_keys(payload, sample) == set()
    assert unknown_keys(payload["view"], sample["view"]) == set()
    assert payload["view"]["state"]["values"]["app"]["pick"]["selected_option"]["value"] == "figma"
    assert (payload["view"]["callback_id"], payload["view"]["private_metadata"]) == (
        "request_seat",
        '{"step": 1}',
    )


def test_an_event_callback_matches_the_events_api_envelope_schema() -> None:
    body, content_type = event_callback({"type": "app_mention", "user": "U0ALICE01"}, "Ev0001")
    envelope = json.loads(body)
    Draft7Validator(load_json("slack_common_event_wrapper_schema.json")).validate(envelope)
    assert content_type == JSON
    assert envelope["event_id"] == "Ev0001" and envelope["event"]["event_ts"]


def test_app_home_opened_is_an_event_for_the_users_home_tab() -> None:
    envelope = json.loads(app_home_opened("U0ALICE01", "Ev0002")[0])
    event = envelope["event"]
    assert unknown_keys(event, shape("events/AppHomeOpenedPayload")["event"]) == set()
    assert (event["type"], event["user"], event["tab"]) == ("app_home_opened", "U0ALICE01", "home")


def test_url_verification_carries_the_challenge() -> None:
    body, content_type = url_verification("3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P")
    assert json.loads(body)["type"] == "url_verification" and content_type == JSON


@pytest.mark.parametrize(
    ("body", "user_id", "channel_id"),
    [
        (slash_command(user_id="U0BOB0001", channel_id="C0GENERAL"), "U0BOB0001", "C0GENERAL"),
        (block_action("U0BOB0001", "a", "v", channel_id="D0BOB0001"), "U0BOB0001", "D0BOB0001"),
        (view_submission("U0BOB0001", "cb", {}), "U0BOB0001", None),
        (app_home_opened("U0BOB0001"), "U0BOB0001", "D0BOB0001"),
    ],
)
def test_bolt_reads_who_and_where_from_our_requests(
    body: tuple[bytes, str], user_id: str, channel_id: str | None
) -> None:
    content, content_type = body
    request = BoltRequest(body=content.decode(), headers={"content-type": content_type})
    assert (request.context.user_id, request.context.team_id) == (user_id, "T0TEAM001")
    assert request.context.channel_id == channel_id


def recording_client(seen: list[httpx.Request]) -> httpx.Client:
    def app(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        verified = SignatureVerifier(SECRET).is_valid_request(request.content, request.headers)
        return httpx.Response(200 if verified else 401)

    return httpx.Client(transport=httpx.MockTransport(app), base_url="http://app.test")


def test_the_sender_signs_and_posts_each_kind_of_request_to_slack_events() -> None:
    seen: list[httpx.Request] = []
    sender = SlackSender(recording_client(seen), SECRET, trigger_ids=lambda: "1.2.trigger")
    responses = [
        sender.command("/license", "figma"),
        sender.click("approve", "7", user_id="U0DANA001"),
        sender.submit("request_seat", {"why": {"text": text_input("design")}}),
        sender.event({"type": "app_home_opened", "user": "U0ALICE01", "tab": "home"}),
    ]
    assert [r.status_code for r in responses] == [200] * 4
    assert {r.url.path for r in seen} == {"/slack/events"}
    assert [r.headers["content-type"] for r in seen] == [FORM, FORM, FORM, JSON]
    assert "trigger_id=1.2.trigger" in seen[0].content.decode()
    assert interaction(seen[1].content)["user"]["id"] == "U0DANA001"


def test_the_sender_can_forge_stale_or_wrongly_signed_requests() -> None:
    sender = SlackSender(recording_client([]), SECRET)
    assert sender.command(timestamp=int(time.time()) - 600).status_code == 401
    assert sender.command(secret="guessed").status_code == 401


def test_the_sender_marks_event_retries_like_slack() -> None:
    seen: list[httpx.Request] = []
    SlackSender(recording_client(seen), SECRET).event(
        {"type": "app_mention"}, "Ev0003", retry_num=1, retry_reason="http_timeout"
    )
    assert seen[0].headers["X-Slack-Retry-Num"] == "1"
    assert seen[0].headers["X-Slack-Retry-Reason"] == "http_timeout"
    assert json.loads(seen[0].content)["event_id"] == "Ev0003"


def test_a_container_object_can_be_given_as_slack_sends_it() -> None:
    container = {"type": "message", "message_ts": "1700000000.000900", "channel_id": "C0IT00001"}
    payload = interaction(block_action("U0DANA001", "done", "1", container=container)[0])
    assert payload["container"]["channel_id"] == payload["channel"]["id"] == "C0IT00001"
    assert payload["message"]["ts"] == "1700000000.000900"
