"""The sandbox's parts on their own: the clock it moves, when passes come due in a jump, who
it answers, and the requests it signs as Slack."""

from __future__ import annotations

import datetime as dt
import json
import socket
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from slack_sdk.signature import SignatureVerifier

from bot.cli.main import main
from bot.runtime.clock import OffsetClock
from bot.sandbox import deliveries
from bot.sandbox.elements import state_values, with_block_ids
from bot.sandbox.server import LoopbackOnly, is_loopback
from bot.sandbox.timeline import fire_times
from tests.contracts import load_json

TEAM = deliveries.Team("T0SANDBOX", "sandbox", "A0APP0001", "U0BOT0001", "B0BOT0001")
ALICE = {"id": "U0ALICE01", "name": "alice"}
SECRET = "made-up-signing-secret"


def shape(name: str) -> Any:
    return load_json(f"payload-shapes/{name}.json")


def interaction(delivery: deliveries.Delivery) -> dict[str, Any]:
    fields = parse_qs(delivery.body.decode())
    assert list(fields) == ["payload"] and delivery.content_type == deliveries.FORM
    return dict(json.loads(fields["payload"][0]))


def unknown(actual: dict[str, Any], sample: dict[str, Any]) -> set[str]:
    return set(actual) - set(sample) - {"blocks", "response_urls"}


def test_the_offset_clock_runs_with_system_time_and_only_moves_ahead() -> None:
    clock = OffsetClock()
    before = clock.now()

    moved = clock.advance(dt.timedelta(days=2))

    assert dt.timedelta(days=2) <= moved - before < dt.timedelta(days=2, seconds=5)
    assert clock.advance_to(before) >= moved  # a moment already past changes nothing
    with pytest.raises(ValueError):
        clock.advance(dt.timedelta(hours=-1))


def test_a_jump_finds_every_time_a_pass_came_due_in_it_and_no_other() -> None:
    start = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC)

    daily = fire_times("0 9 * * *", start, start + dt.timedelta(days=3))

    assert [(t.day, t.hour) for t in daily] == [(24, 9), (25, 9), (26, 9)]
    assert fire_times("0 9 * * *", start, start + dt.timedelta(hours=22)) == []
    assert len(fire_times("*/5 * * * *", start, start + dt.timedelta(hours=1))) == 12


def test_a_jump_reads_the_day_of_week_as_cron_and_the_scheduler_do() -> None:
    monday = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC)

    weekdays = fire_times("0 9 * * 1-5", monday, monday + dt.timedelta(days=7))

    assert [t.strftime("%a") for t in weekdays] == ["Tue", "Wed", "Thu", "Fri", "Mon"]


@pytest.mark.parametrize(
    ("host", "local"),
    [
        ("127.0.0.1", True),
        ("127.0.0.1:8000", True),
        ("localhost:8000", True),
        ("[::1]:8000", True),
        ("::1", True),
        ("0.0.0.0", False),
        ("192.168.1.20:8000", False),
        ("evil.example:8000", False),
        ("", False),
    ],
)
def test_only_loopback_hosts_count_as_this_machine(host: str, local: bool) -> None:
    assert is_loopback(host) is local


def asgi_app() -> FastAPI:
    app = FastAPI()

    @app.get("/ping")
    async def ping() -> dict[str, bool]:
        return {"ok": True}

    return app


def test_the_sandbox_answers_no_client_beyond_this_machine_unless_allowed() -> None:
    # TestClient's requests come from the client address "testclient", not from loopback.
    refused = TestClient(LoopbackOnly(asgi_app())).get("/ping")
    allowed = TestClient(LoopbackOnly(asgi_app(), allow_remote=True)).get("/ping")

    assert refused.status_code == 403
    assert allowed.json() == {"ok": True}


def test_a_loopback_client_naming_another_host_is_refused() -> None:
    local = TestClient(LoopbackOnly(asgi_app()), client=("127.0.0.1", 50000))

    assert local.get("/ping", headers={"Host": "127.0.0.1:8000"}).status_code == 200
    assert local.get("/ping", headers={"Host": "rebound.example:8000"}).status_code == 403


@pytest.mark.parametrize("command", ["demo", "sandbox"])
def test_the_cli_will_not_listen_beyond_loopback_unless_asked(
    command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([command, "--host", "0.0.0.0", "--port", "1"]) == 2

    assert "--allow-remote" in capsys.readouterr().err


def test_the_sandbox_refuses_a_named_config_file_that_does_not_exist(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "nowhere.yml"

    assert main(["--config", str(missing), "sandbox"]) == 2

    [line] = capsys.readouterr().err.splitlines()
    assert line.startswith(f"seatkeeper: the config file {missing} does not exist")


def test_the_sandbox_says_what_is_wrong_with_its_config_and_stops(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "seatkeeper.yml"
    config.write_text("admins: [not-a-slack-id]\n")

    assert main(["--config", str(config), "sandbox"]) == 2

    err = capsys.readouterr().err
    assert err.startswith("seatkeeper: the configuration is not valid:") and "admins" in err


def test_the_sandbox_says_in_one_line_when_its_database_is_unreachable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)  # no seatkeeper.yml: the starter config
    monkeypatch.setenv("SEATKEEPER_DATABASE_URL", "postgresql+psycopg://nobody@127.0.0.1:1/x")
    with socket.socket() as probe:  # the port is taken first: one nobody else holds
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]

    assert main(["sandbox", "--port", str(port)]) == 3

    last = capsys.readouterr().err.splitlines()[-1]
    assert last.startswith("seatkeeper: cannot use the database:")


def test_slacks_verifier_accepts_the_sandboxs_signature_and_no_other() -> None:
    delivery = deliveries.app_home_opened(TEAM, "U0ALICE01", None)
    headers = delivery.headers(SECRET)

    assert SignatureVerifier(SECRET).is_valid_request(delivery.body, headers)
    assert not SignatureVerifier("another-secret").is_valid_request(delivery.body, headers)


def test_a_slash_command_has_slacks_form_fields() -> None:
    channel = {"id": "D0ALICE01", "name": "directmessage"}
    delivery = deliveries.slash_command(
        TEAM, ALICE, channel, "/license", "mine", trigger_id="1.2.3", response_url="http://x/r"
    )
    fields = {k: v[0] for k, v in parse_qs(delivery.body.decode()).items()}

    assert unknown(fields, shape("interactions/SlashCommandPayload")) == set()
    assert (fields["command"], fields["text"], fields["user_id"]) == (
        "/license",
        "mine",
        "U0ALICE01",
    )


def test_a_click_carries_slacks_fields_for_a_message_and_for_a_view() -> None:
    sample = shape("interactions/BlockActionPayload")
    button = {"type": "button", "action_id": "step.approve", "block_id": "b1", "value": "{}"}
    on_message = interaction(
        deliveries.block_actions(
            TEAM,
            ALICE,
            button,
            trigger_id="1.2.3",
            where={
                "container": {"type": "message", "message_ts": "1.2", "channel_id": "D0A"},
                "channel": {"id": "D0A", "name": "directmessage"},
                "message": {"type": "message", "ts": "1.2", "text": "hi", "blocks": []},
                "response_url": "http://x/r",
            },
        )
    )
    view = {"id": "V1", "type": "modal", "blocks": [], "state": {"values": {}}}
    in_view = interaction(
        deliveries.block_actions(
            TEAM,
            ALICE,
            button,
            trigger_id="1.2.3",
            where={"container": {"type": "view", "view_id": "V1"}, "view": view},
        )
    )

    assert unknown(on_message, sample) == set()
    assert unknown(on_message["container"], sample["container"]) == set()
    assert unknown(on_message["actions"][0], sample["actions"][0]) == set()
    assert unknown(in_view["view"], sample["view"]) == set()
    assert "response_url" not in in_view and in_view["view"]["id"] == "V1"


def test_a_submit_carries_the_views_state_by_block_and_action() -> None:
    blocks = [
        {
            "type": "input",
            "block_id": "app_tier",
            "element": {
                "type": "static_select",
                "action_id": "app_tier",
                "option_groups": [
                    {
                        "label": {"type": "plain_text", "text": "Figma"},
                        "options": [
                            {"text": {"type": "plain_text", "text": "Pro"}, "value": "figma:pro"}
                        ],
                    }
                ],
            },
        },
        {
            "type": "input",
            "block_id": "reason",
            "element": {"type": "plain_text_input", "action_id": "reason"},
        },
        {
            "type": "input",
            "block_id": "end_date",
            "element": {"type": "datepicker", "action_id": "end_date"},
        },
    ]
    entered = {"app_tier": {"app_tier": "figma:pro"}, "reason": {"reason": "work"}}

    values = state_values(blocks, entered)
    view = {"id": "V1", "type": "modal", "blocks": blocks, "state": {"values": values}}
    payload = interaction(deliveries.view_submission(TEAM, ALICE, view, trigger_id="1.2.3"))

    assert unknown(payload, shape("interactions/ViewSubmissionPayload")) == set()
    assert payload["view"]["state"]["values"] == {
        "app_tier": {
            "app_tier": {
                "type": "static_select",
                "selected_option": {
                    "text": {"type": "plain_text", "text": "Pro"},
                    "value": "figma:pro",
                },
            }
        },
        "reason": {"reason": {"type": "plain_text_input", "value": "work"}},
        "end_date": {"end_date": {"type": "datepicker", "selected_date": None}},
    }


def test_app_home_opened_is_an_event_shaped_like_slacks() -> None:
    delivery = deliveries.app_home_opened(TEAM, "U0ALICE01", None)
    envelope = json.loads(delivery.body)

    assert delivery.content_type == deliveries.JSON
    assert unknown(envelope, shape("events/AppHomeOpenedPayload")) == set()
    assert envelope["event"] | {"event_ts": ""} == {
        "type": "app_home_opened",
        "user": "U0ALICE01",
        "channel": "D0ALICE01",
        "tab": "home",
        "event_ts": "",
    }


def test_blocks_sent_without_an_id_get_the_same_one_each_time() -> None:
    blocks = [{"type": "divider"}, {"type": "actions", "block_id": "mine", "elements": []}]

    first, again = with_block_ids(blocks, "D1/1.2"), with_block_ids(blocks, "D1/1.2")

    assert first == again and first[0]["block_id"] and first[1]["block_id"] == "mine"
    assert with_block_ids(blocks, "D1/1.3")[0]["block_id"] != first[0]["block_id"]
