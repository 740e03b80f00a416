"""LocalSlack answers slack_sdk's real WebClient the way the Slack Web API does."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.error import HTTPError

import pytest
from slack_bolt import App
from slack_bolt.request import BoltRequest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

from bot.sandbox.local import LocalSlack
from bot.sandbox.workspace import Call
from tests.contracts import load_json
from tests.fakes.slack_requests import sign, slash_command

TOKEN = "xoxb-test-token"
ADMIN = "xoxp-admin-user-token"  # an admin's user token, for the admin-only methods
SECTION = {"type": "section", "text": {"type": "mrkdwn", "text": "*Figma* seat approved"}}
MODAL = {
    "type": "modal",
    "callback_id": "request_seat",
    "title": {"type": "plain_text", "text": "Request a seat"},
    "close": {"type": "plain_text", "text": "Cancel"},
    "blocks": [SECTION],
}
HOME = {"type": "home", "blocks": [SECTION]}


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def fake(clock: Clock) -> Iterator[LocalSlack]:
    with LocalSlack(now=clock) as running:
        yield running


@pytest.fixture
def client(fake: LocalSlack) -> WebClient:
    return WebClient(token=TOKEN, base_url=fake.url)


def error_of(call: Any) -> str:
    with pytest.raises(SlackApiError) as refused:
        call()
    assert refused.value.response.status_code == 200
    return str(refused.value.response["error"])


def keys_outside(actual: Any, shape: Any, path: str = "") -> list[str]:
    """Keys of `actual` (recursively) that the sample `shape` does not have."""
    if isinstance(actual, dict) and isinstance(shape, dict):
        return [
            missing
            for key, value in actual.items()
            for missing in (
                keys_outside(value, shape[key], f"{path}.{key}") if key in shape else [path + key]
            )
        ]
    return []


def test_the_url_is_a_loopback_base_url_ending_in_api(fake: LocalSlack) -> None:
    assert fake.url.startswith("http://127.0.0.1:")
    assert fake.url.endswith("/api/")


def test_auth_test_answers_with_the_bot_identity(client: WebClient) -> None:
    identity = client.auth_test()
    assert identity["user_id"] == "U0BOT0001"
    assert identity["team_id"] == "T0TEAM001"
    assert identity["bot_id"] == "B0BOT0001"


def test_a_missing_token_is_not_authed_and_a_wrong_one_is_invalid_auth(fake: LocalSlack) -> None:
    assert error_of(WebClient(base_url=fake.url).auth_test) == "not_authed"
    assert error_of(WebClient(token="xoxb-wrong", base_url=fake.url).auth_test) == "invalid_auth"


def test_an_unknown_method_is_refused(client: WebClient) -> None:
    assert error_of(lambda: client.api_call("chat.scheduleMessage")) == "unknown_method"


def test_conversations_open_gives_the_dm_channel_of_a_user(client: WebClient) -> None:
    assert client.conversations_open(users="U0ALICE01")["channel"]["id"] == "D0ALICE01"


def test_post_message_returns_increasing_timestamps_and_records_the_message(
    client: WebClient, fake: LocalSlack
) -> None:
    first = client.chat_postMessage(channel="D0ALICE01", text="Approved", blocks=[SECTION])
    second = client.chat_postMessage(channel="D0ALICE01", text="Done", thread_ts=first["ts"])
    assert first["channel"] == "D0ALICE01"
    assert first["ts"] < second["ts"]
    assert first["message"]["blocks"] == [SECTION]
    posted = fake.messages(channel="D0ALICE01")
    assert [(m["text"], m["thread_ts"]) for m in posted] == [
        ("Approved", None),
        ("Done", first["ts"]),
    ]
    assert fake.calls_to("chat.postMessage")[0] == {
        "channel": "D0ALICE01",
        "text": "Approved",
        "blocks": [SECTION],
    }


def test_posting_to_a_user_id_lands_in_the_bots_dm_with_that_user(
    client: WebClient, fake: LocalSlack
) -> None:
    assert client.chat_postMessage(channel="U0ALICE01", text="hi")["channel"] == "D0ALICE01"
    assert [m["channel"] for m in fake.messages()] == ["D0ALICE01"]


def test_post_message_needs_a_channel(client: WebClient) -> None:
    assert error_of(lambda: client.chat_postMessage(channel="", text="hi")) == "channel_not_found"


def test_form_encoded_calls_with_json_string_fields_are_decoded(
    client: WebClient, fake: LocalSlack
) -> None:
    params = {"channel": "C0ADMINS1", "text": "hi", "blocks": json.dumps([SECTION])}
    client.api_call("chat.postMessage", params=params)
    assert fake.calls_to("chat.postMessage") == [params | {"blocks": [SECTION]}]
    assert fake.messages()[0]["blocks"] == [SECTION]


def test_chat_update_replaces_a_message_the_fake_posted(
    client: WebClient, fake: LocalSlack
) -> None:
    posted = client.chat_postMessage(channel="C0ADMINS1", text="Pending", blocks=[SECTION])
    client.chat_update(channel="C0ADMINS1", ts=posted["ts"], text="Approved", blocks=[])
    [message] = fake.messages()
    assert (message["ts"], message["text"], message["blocks"]) == (posted["ts"], "Approved", [])


def test_chat_update_refuses_an_unknown_message_or_the_wrong_channel(client: WebClient) -> None:
    posted = client.chat_postMessage(channel="U0ALICE01", text="Pending")
    ts = posted["ts"]
    assert error_of(lambda: client.chat_update(channel="C0OTHER01", ts=ts, text="x")) == (
        "message_not_found"
    )
    assert error_of(lambda: client.chat_update(channel="U0ALICE01", ts=ts, text="x")) == (
        "message_not_found"
    )
    assert error_of(lambda: client.chat_update(channel="D0ALICE01", ts="1.2", text="x")) == (
        "message_not_found"
    )


def test_post_ephemeral_returns_a_message_ts(client: WebClient, fake: LocalSlack) -> None:
    answer = client.chat_postEphemeral(channel="C0ADMINS1", user="U0ALICE01", text="Only you")
    assert answer["message_ts"]
    assert fake.ephemerals[0]["user"] == "U0ALICE01"
    assert fake.messages() == []


def test_a_message_without_a_text_fallback_is_refused_and_recorded(
    client: WebClient, fake: LocalSlack
) -> None:
    with pytest.warns(UserWarning):  # slack_sdk warns too
        assert error_of(lambda: client.chat_postMessage(channel="C1", blocks=[SECTION])) == (
            "no_text"
        )
    assert fake.invalid and fake.invalid[0][0] == "chat.postMessage"
    assert fake.messages() == []


def test_blocks_breaking_a_limit_are_refused_with_the_reasons(
    client: WebClient, fake: LocalSlack
) -> None:
    header = {"type": "header", "text": {"type": "plain_text", "text": "h" * 151}}
    with pytest.raises(SlackApiError) as refused:
        client.chat_postMessage(channel="C1", text="hi", blocks=[header])
    assert refused.value.response["error"] == "invalid_blocks"
    assert "blocks[0].text.text" in refused.value.response["errors"][0]
    assert fake.invalid == [("chat.postMessage", refused.value.response["errors"])]


def test_views_open_accepts_a_fresh_trigger_id_once(client: WebClient, fake: LocalSlack) -> None:
    trigger = fake.new_trigger_id()
    view = client.views_open(trigger_id=trigger, view=MODAL)["view"]
    assert view["id"].startswith("V")
    assert view["callback_id"] == "request_seat"
    assert fake.views[view["id"]]["title"] == MODAL["title"]
    assert error_of(lambda: client.views_open(trigger_id=trigger, view=MODAL)) == (
        "invalid_trigger_id"
    )


def test_views_open_refuses_an_unknown_trigger_id(client: WebClient) -> None:
    assert error_of(lambda: client.views_open(trigger_id="1.2.3", view=MODAL)) == (
        "invalid_trigger_id"
    )


def test_views_open_refuses_an_expired_trigger_id(
    client: WebClient, fake: LocalSlack, clock: Clock
) -> None:
    trigger = fake.new_trigger_id()
    clock.now += 3.5
    assert error_of(lambda: client.views_open(trigger_id=trigger, view=MODAL)) == (
        "expired_trigger_id"
    )


def test_views_open_refuses_an_invalid_modal(client: WebClient, fake: LocalSlack) -> None:
    view = MODAL | {"title": {"type": "plain_text", "text": "t" * 25}}
    trigger = fake.new_trigger_id()
    assert error_of(lambda: client.views_open(trigger_id=trigger, view=view)) == "invalid_blocks"
    assert fake.invalid[0][0] == "views.open"


def test_views_publish_sets_the_home_tab_and_keeps_its_id(
    client: WebClient, fake: LocalSlack
) -> None:
    first = client.views_publish(user_id="U0ALICE01", view=HOME)["view"]
    second = client.views_publish(user_id="U0ALICE01", view=HOME | {"blocks": [SECTION] * 2})
    assert second["view"]["id"] == first["id"]
    home = fake.home_view("U0ALICE01")
    assert home is not None and len(home["blocks"]) == 2
    assert error_of(lambda: client.views_publish(user_id="U0ALICE01", view=MODAL)) == (
        "invalid_blocks"
    )


def test_views_update_replaces_a_view_by_id_or_external_id(
    client: WebClient, fake: LocalSlack
) -> None:
    trigger = fake.new_trigger_id()
    opened = client.views_open(trigger_id=trigger, view=MODAL | {"external_id": "req-1"})["view"]
    client.views_update(external_id="req-1", view=MODAL | {"callback_id": "step_two"})
    assert fake.views[opened["id"]]["callback_id"] == "step_two"
    client.views_update(view_id=opened["id"], view=MODAL | {"callback_id": "step_three"})
    assert fake.views[opened["id"]]["callback_id"] == "step_three"
    assert error_of(lambda: client.views_update(view_id="V404", view=MODAL)) == "not_found"
    assert error_of(
        lambda: client.views_update(view_id=opened["id"], view=MODAL, hash="stale")
    ) == ("hash_conflict")


def test_users_are_found_by_email_and_id(client: WebClient, fake: LocalSlack) -> None:
    fake.add_user("U0ALICE01", "Alice@Example.com", name="alice", tz="America/New_York")
    by_email = client.users_lookupByEmail(email="alice@example.com")["user"]
    assert (by_email["id"], by_email["tz"], by_email["profile"]["email"]) == (
        "U0ALICE01",
        "America/New_York",
        "Alice@Example.com",
    )
    assert by_email["tz_offset"] in (-5 * 3600, -4 * 3600)
    assert client.users_info(user="U0ALICE01")["user"]["name"] == "alice"


def test_unknown_and_deactivated_users_are_not_found_by_email(
    client: WebClient, fake: LocalSlack
) -> None:
    fake.add_user("U0GONE001", "gone@example.com", deleted=True)
    assert error_of(lambda: client.users_lookupByEmail(email="nobody@example.com")) == (
        "users_not_found"
    )
    assert error_of(lambda: client.users_lookupByEmail(email="gone@example.com")) == (
        "users_not_found"
    )
    assert client.users_info(user="U0GONE001")["user"]["deleted"] is True
    assert error_of(lambda: client.users_info(user="U0NOBODY1")) == "user_not_found"


def test_fail_next_answers_429_with_retry_after(fake: LocalSlack) -> None:
    fake.fail_next("chat.postMessage", retry_after=7)
    request = urllib.request.Request(
        fake.url + "chat.postMessage",
        data=json.dumps({"channel": "C1", "text": "hi"}).encode(),
        headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"},
    )
    with pytest.raises(HTTPError) as limited:
        urllib.request.urlopen(request, timeout=5)
    assert limited.value.code == 429
    assert limited.value.headers["Retry-After"] == "7"
    assert json.loads(limited.value.read()) == {"ok": False, "error": "ratelimited"}


def test_the_rate_limit_retry_handler_succeeds_after_a_429(fake: LocalSlack) -> None:
    fake.fail_next("chat.postMessage", retry_after=0)
    handler = RateLimitErrorRetryHandler(max_retry_count=1)
    client = WebClient(token=TOKEN, base_url=fake.url, retry_handlers=[handler])
    assert client.chat_postMessage(channel="C1", text="hi")["ok"] is True
    assert [call.error for call in fake.calls] == ["ratelimited", None]
    assert len(fake.messages()) == 1


def ratelimited(call: Any) -> str:
    """The Retry-After of a call the fake refused for its rate limit."""
    with pytest.raises(SlackApiError) as refused:
        call()
    response = refused.value.response
    assert (response.status_code, response.data) == (429, {"ok": False, "error": "ratelimited"})
    return str(response.headers["Retry-After"])


def test_a_call_over_the_limit_is_refused_with_429_and_not_carried_out(
    client: WebClient, fake: LocalSlack
) -> None:
    fake.limit("chat.postMessage", calls=2, per_seconds=1.0)
    for text in ("one", "two"):
        client.chat_postMessage(channel="C1", text=text)

    assert ratelimited(lambda: client.chat_postMessage(channel="C1", text="three")) == "1"
    assert [m["text"] for m in fake.messages()] == ["one", "two"]
    assert [call.error for call in fake.calls] == [None, None, "ratelimited"]


def test_retry_after_counts_the_whole_seconds_until_the_window_has_room(
    client: WebClient, fake: LocalSlack, clock: Clock
) -> None:
    fake.limit("chat.postMessage", calls=1, per_seconds=30)
    client.chat_postMessage(channel="C1", text="at 100 s")

    clock.now = 110.0
    assert ratelimited(lambda: client.chat_postMessage(channel="C1", text="x")) == "20"
    clock.now = 129.5
    assert ratelimited(lambda: client.chat_postMessage(channel="C1", text="x")) == "1"
    clock.now = 130.0
    assert client.chat_postMessage(channel="C1", text="at 130 s")["ok"] is True


def test_the_window_slides_and_refused_calls_take_no_place_in_it(
    client: WebClient, fake: LocalSlack, clock: Clock
) -> None:
    fake.limit("conversations.open", calls=2, per_seconds=10)
    for at, expected in [(100, None), (105, None), (109, "1"), (110, None), (112, "3")]:
        clock.now = float(at)
        if expected is None:
            assert client.conversations_open(users="U0ALICE01")["ok"] is True
        else:
            assert ratelimited(lambda: client.conversations_open(users="U0ALICE01")) == expected
    clock.now = 115.0
    assert client.conversations_open(users="U0ALICE01")["ok"] is True


def test_a_limit_holds_for_its_method_only(client: WebClient, fake: LocalSlack) -> None:
    fake.limit("chat.postMessage", calls=1, per_seconds=60)
    client.chat_postMessage(channel="C1", text="hi")

    assert client.conversations_open(users="U0ALICE01")["ok"] is True
    assert ratelimited(lambda: client.chat_postMessage(channel="C1", text="again")) == "60"


def test_a_limit_needs_at_least_one_call_in_a_stretch_of_time(fake: LocalSlack) -> None:
    with pytest.raises(ValueError, match="calls >= 1 and per_seconds > 0"):
        fake.limit("chat.postMessage", calls=0, per_seconds=1.0)
    with pytest.raises(ValueError, match="calls >= 1 and per_seconds > 0"):
        fake.limit("chat.postMessage", calls=1, per_seconds=0)


def test_the_sdks_rate_limit_handler_waits_out_the_limit_and_gets_through() -> None:
    with LocalSlack() as fake:  # on the real clock: the handler sleeps Retry-After seconds
        fake.limit("chat.postMessage", calls=1, per_seconds=1.0)
        handler = RateLimitErrorRetryHandler(max_retry_count=2)
        client = WebClient(token=TOKEN, base_url=fake.url, retry_handlers=[handler])
        client.chat_postMessage(channel="C1", text="first")

        assert client.chat_postMessage(channel="C1", text="second")["ok"] is True
        assert [call.error for call in fake.calls] == [None, "ratelimited", None]


def test_fail_next_with_an_error_answers_200_ok_false_once(
    client: WebClient, fake: LocalSlack
) -> None:
    fake.fail_next("conversations.open", error="user_not_found")
    assert error_of(lambda: client.conversations_open(users="U0ALICE01")) == "user_not_found"
    assert client.conversations_open(users="U0ALICE01")["ok"] is True


def test_a_call_the_fake_fails_on_is_answered_500_with_the_error_and_recorded(
    client: WebClient, fake: LocalSlack
) -> None:
    with pytest.raises(SlackApiError) as refused:
        client.conversations_history(channel="C0ADMINS1", cursor="not-a-number")
    assert refused.value.response.status_code == 500
    error = str(refused.value.response["error"])
    assert error.startswith("the local stand-in failed: ValueError: invalid literal for int()")
    assert "workspace.py" in error
    assert [(call.method, call.error) for call in fake.calls] == [("conversations.history", error)]


def test_a_before_reply_hook_that_raises_is_answered_500_with_its_error(
    client: WebClient, fake: LocalSlack
) -> None:
    def broken(call: Call) -> None:
        raise RuntimeError(f"no answer to {call.method}")

    fake.before_reply = broken
    with pytest.raises(SlackApiError) as refused:
        client.auth_test()
    assert refused.value.response.status_code == 500
    assert "RuntimeError: no answer to auth.test" in refused.value.response["error"]


def test_calls_exclude_the_token_and_can_be_reset(fake: LocalSlack) -> None:
    client = WebClient(base_url=fake.url)
    client.api_call("auth.test", params={"token": TOKEN})
    assert [(c.method, c.params, c.error) for c in fake.calls] == [("auth.test", {}, None)]
    fake.reset_calls()
    assert fake.calls == []


def test_every_served_method_is_in_the_openapi_spec(fake: LocalSlack) -> None:
    paths = load_json("slack_web_openapi_v2.json")["paths"]
    assert [m for m in fake.methods if f"/{m}" not in paths] == []


@pytest.mark.parametrize(
    ("method", "call"),
    [
        ("auth.test", lambda c: c.auth_test()),
        ("users.lookupByEmail", lambda c: c.users_lookupByEmail(email="alice@example.com")),
        ("users.info", lambda c: c.users_info(user="U0ALICE01")),
        (
            "chat.postEphemeral",
            lambda c: c.chat_postEphemeral(channel="C1", user="U0ALICE01", text="hi"),
        ),
        ("users.list", lambda c: c.users_list(limit=1)),
        ("team.accessLogs", lambda c: WebClient(ADMIN, base_url=c.base_url).team_accessLogs()),
    ],
)
def test_responses_use_only_field_names_slack_sends(
    fake: LocalSlack, client: WebClient, method: str, call: Any
) -> None:
    fake.user_token = ADMIN
    fake.add_user("U0ALICE01", "alice@example.com")
    fake.add_user("U0BOB0001", "bob@example.com")
    fake.log_access("U0ALICE01", 1_795_132_800)
    shape = load_json(f"payload-shapes/web-api-responses/{method}.json")
    assert keys_outside(call(client).data, shape) == []


def test_billable_info_is_keyed_by_user_id_with_the_fields_of_slacks_example(
    fake: LocalSlack,
) -> None:
    fake.user_token = ADMIN
    fake.add_user("U0ALICE01", "alice@example.com")
    fake.add_user("U0GUEST01", "guest@example.com", billable=False)
    spec = load_json("slack_web_openapi_v2.json")["paths"]["/team.billableInfo"]
    [example] = spec["get"]["responses"]["200"]["examples"].values()
    shape = next(iter(example["billable_info"].values()))

    answer = WebClient(ADMIN, base_url=fake.url).team_billableInfo().data

    assert set(answer) <= set(example) | {"response_metadata"}
    assert answer["billable_info"] == {
        "U0ALICE01": {"billing_active": True},
        "U0GUEST01": {"billing_active": False},
    }
    assert all(set(info) == set(shape) for info in answer["billable_info"].values())


def test_members_are_listed_a_page_at_a_time_from_slacks_opaque_cursors(
    fake: LocalSlack, client: WebClient
) -> None:
    for n in range(5):
        fake.add_user(f"U0PERSON{n}", f"p{n}@example.com")

    # The SDK follows next_cursor; each page it yields is the same response object, refilled.
    pages = [
        ([m["id"] for m in page["members"]], page["response_metadata"]["next_cursor"])
        for page in client.users_list(limit=2)
    ]

    assert [ids for ids, _ in pages] == [
        ["U0PERSON0", "U0PERSON1"],
        ["U0PERSON2", "U0PERSON3"],
        ["U0PERSON4"],
    ]
    assert pages[0][1] == "dXNlcjpVMFBFUlNPTjI="  # base64 of user:U0PERSON2, as Slack's are
    assert error_of(lambda: client.users_list(cursor="bm90LWEtdXNlcg==")) == "invalid_cursor"


def test_access_logs_are_newest_first_in_numbered_pages(fake: LocalSlack) -> None:
    fake.user_token = ADMIN
    fake.add_user("U0ALICE01", "alice@example.com")
    fake.log_access("U0ALICE01", 100, 300, 200)
    admin = WebClient(ADMIN, base_url=fake.url)

    first, last = admin.team_accessLogs(count=2, page=1), admin.team_accessLogs(count=2, page=2)

    assert [login["date_last"] for login in first["logins"] + last["logins"]] == [300, 200, 100]
    assert last["paging"] == {"count": 2, "total": 3, "page": 2, "pages": 2}
    assert error_of(lambda: admin.team_accessLogs(page=101)) == "over_pagination_limit"


def test_a_bot_token_cannot_call_the_admin_methods_and_a_user_token_can(
    fake: LocalSlack, client: WebClient
) -> None:
    with pytest.raises(SlackApiError) as refused:
        client.team_billableInfo()
    assert (refused.value.response["error"], refused.value.response["needed"]) == (
        "missing_scope",
        "admin",
    )
    assert error_of(client.team_accessLogs) == "not_allowed_token_type"
    fake.user_token = ADMIN
    assert WebClient(ADMIN, base_url=fake.url).team_billableInfo()["ok"] is True


def test_openapi_required_response_fields_are_present(fake: LocalSlack, client: WebClient) -> None:
    spec = load_json("slack_web_openapi_v2.json")["paths"]
    fake.user_token = ADMIN
    admin = WebClient(ADMIN, base_url=fake.url)
    fake.add_user("U0ALICE01", "alice@example.com")
    fake.log_access("U0ALICE01", 1_795_132_800)
    posted = client.chat_postMessage(channel="C1", text="hi")
    answers = {
        "auth.test": client.auth_test(),
        "conversations.open": client.conversations_open(users="U0ALICE01"),
        "chat.postMessage": posted,
        "chat.update": client.chat_update(channel="C1", ts=posted["ts"], text="bye"),
        "chat.postEphemeral": client.chat_postEphemeral(channel="C1", user="U0ALICE01", text="x"),
        "users.lookupByEmail": client.users_lookupByEmail(email="alice@example.com"),
        "users.info": client.users_info(user="U0ALICE01"),
        "users.list": client.users_list(),
        "team.billableInfo": admin.team_billableInfo(),
        "team.accessLogs": admin.team_accessLogs(),
    }
    for method, answer in answers.items():
        [operation] = spec[f"/{method}"].values()
        required = operation["responses"]["200"]["schema"].get("required", [])
        assert set(required) <= set(answer.data), method


def test_get_requests_with_query_params_are_served_like_posts(fake: LocalSlack) -> None:
    fake.add_user("U0ALICE01", "alice@example.com")
    request = urllib.request.Request(
        fake.url + "users.info?user=U0ALICE01", headers={"Authorization": f"Bearer {TOKEN}"}
    )
    with urllib.request.urlopen(request, timeout=5) as answer:
        assert json.loads(answer.read())["user"]["id"] == "U0ALICE01"


def test_concurrent_posts_get_distinct_timestamps(fake: LocalSlack, client: WebClient) -> None:
    def post(n: int) -> str:
        return str(client.chat_postMessage(channel="C1", text=f"message {n}")["ts"])

    with ThreadPoolExecutor(max_workers=8) as pool:
        stamps = list(pool.map(post, range(40)))
    assert len(set(stamps)) == 40
    assert len(fake.messages("C1")) == len(fake.calls) == 40


def test_a_bolt_app_opens_a_modal_from_a_signed_slash_command(fake: LocalSlack) -> None:
    secret = "test-signing-secret"
    app = App(
        signing_secret=secret,
        client=WebClient(token=TOKEN, base_url=fake.url),
        process_before_response=True,
    )

    @app.command("/license")
    def open_form(ack: Any, body: dict[str, Any], client: WebClient) -> None:
        ack()
        client.views_open(trigger_id=body["trigger_id"], view=MODAL)

    content, content_type = slash_command(trigger_id=fake.new_trigger_id())
    headers = sign(content, secret, content_type=content_type)
    response = app.dispatch(BoltRequest(body=content.decode(), headers=headers))
    assert response.status == 200
    assert [call.method for call in fake.calls] == ["auth.test", "views.open"]
    assert fake.invalid == [] and len(fake.views) == 1


@pytest.mark.parametrize(
    ("content_type", "body", "error"),
    [
        ("application/json", b"{not json", "invalid_json"),
        ("application/json", b"[1, 2]", "json_not_object"),
        ("multipart/form-data; boundary=x", b"--x--", "invalid_post_type"),
    ],
)
def test_unreadable_bodies_get_slacks_error_codes(
    fake: LocalSlack, content_type: str, body: bytes, error: str
) -> None:
    request = urllib.request.Request(
        fake.url + "chat.postMessage",
        data=body,
        headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": content_type},
    )
    with urllib.request.urlopen(request, timeout=5) as answer:
        assert json.loads(answer.read()) == {"ok": False, "error": error}


def test_a_per_channel_limit_refuses_a_second_message_in_the_same_channel_only(
    client: WebClient, fake: LocalSlack
) -> None:
    fake.limit("chat.postMessage", calls=1, per_seconds=1.0, per_channel=True)
    client.chat_postMessage(channel="C1", text="one")

    assert client.chat_postMessage(channel="C2", text="elsewhere")["ok"] is True
    assert ratelimited(lambda: client.chat_postMessage(channel="C1", text="two")) == "1"


def test_a_call_before_its_retry_after_passed_is_recorded_as_early(
    client: WebClient, fake: LocalSlack, clock: Clock
) -> None:
    fake.limit("chat.postMessage", calls=1, per_seconds=30)
    client.chat_postMessage(channel="C1", text="at 100 s")
    assert ratelimited(lambda: client.chat_postMessage(channel="C1", text="x")) == "30"

    clock.now = 120.0
    ratelimited(lambda: client.chat_postMessage(channel="C1", text="too soon"))
    assert [(e.limited, e.seconds_early) for e in fake.early] == [("chat.postMessage", 10.0)]
    clock.now = 130.0
    assert client.chat_postMessage(channel="C1", text="in time")["ok"] is True
    assert len(fake.early) == 1
