"""Slack wording for journey 1: every entry point renders valid, safe Block Kit."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from bot.sandbox.blockkit import validate_message, validate_view
from messages import render
from messages.filters import money, slackdate
from messages.ids import RequestRef, StepRef, TaskRef
from messages.views import Decision, HomeView, RequestCard, SeatLine, TaskCard, TierOption

GOLDEN = Path(__file__).parent / "golden" / "messages"
TEMPLATES = Path(render.__file__).parent / "templates"
HOSTILE = 'Need it "now" \\ for the\nlaunch <!channel> {{ secret }} {% raw %} }} & <@U0EVIL01|x>'
CREATED = datetime(2026, 3, 2, 14, 5, tzinfo=UTC)

CATALOG = [
    TierOption("figma", "Figma", "professional", "Professional", Decimal("15"), "USD"),
    TierOption("figma", "Figma", "viewer", "Viewer", Decimal("0"), "USD"),
    TierOption("miro", "Miro", "standard", "Standard", Decimal("10"), "USD"),
]
CARD = RequestCard(
    id=12,
    app_name="Figma",
    tier_name="Professional",
    monthly_price=Decimal("15"),
    currency="USD",
    requester="U0ALICE01",
    reason="Designing the new onboarding flow with the product team.",
    end_date=date(2026, 6, 30),
    status="pending",
    waiting_on=("U0DANA001",),
    seats_left=12,
    created_at=CREATED,
    can_cancel=True,
)
TASK = TaskCard(
    id=7,
    request=replace(CARD, app_name="Miro", tier_name="Standard", status="manual_task"),
    summary="Assign Miro Standard to <@U0ALICE01>",
    why="Miro has a manual connector",
)
DONE_TASK = replace(TASK, done_by="U0ITOPS01", done_at=datetime(2026, 3, 3, 9, 30, tzinfo=UTC))
APPROVED = Decision("approved", "U0DANA001", datetime(2026, 3, 2, 16, 0, tzinfo=UTC))
DENIED = Decision("denied", "U0DANA001", datetime(2026, 3, 2, 16, 0, tzinfo=UTC), "Use Viewer")
HOME = HomeView(
    user="U0ALICE01",
    catalog=CATALOG,
    requests=[CARD, replace(CARD, id=9, status="fulfilled", can_cancel=False)],
    seats=[SeatLine("Slack", "Pro", date(2025, 1, 6)), SeatLine("Zoom", "Basic", None)],
    approvals=[(replace(CARD, id=14, requester="U0BOB0001"), 31)],
)

MESSAGES: dict[str, Callable[[], dict[str, Any]]] = {
    "requester_root": lambda: render.requester_root(CARD),
    "requester_update_denied": lambda: render.requester_update(
        CARD, "denied", actor="U0DANA001", reason="Use the Viewer tier"
    ),
    "approval_request": lambda: render.approval_request(CARD, 31),
    "approval_closed_approved": lambda: render.approval_closed(CARD, decision=APPROVED),
    "approval_closed_denied": lambda: render.approval_closed(CARD, decision=DENIED),
    "approval_closed_note": lambda: render.approval_closed(CARD, note="Expired"),
    "approval_reminder": lambda: render.approval_reminder(CARD),
    "it_task": lambda: render.it_task(TASK),
    "it_task_done": lambda: render.it_task_done(DONE_TASK),
    "it_notice": lambda: render.it_notice("The Figma SCIM token expires in 5 days."),
    "it_waitlist": lambda: render.it_waitlist(replace(CARD, seats_left=0), 50),
    "help_message": render.help_message,
    "error_message": lambda: render.error_message("You can't approve your own request."),
}
VIEWS: dict[str, Callable[[], dict[str, Any]]] = {
    "request_modal": lambda: render.request_modal(CATALOG),
    "request_modal_one_app": lambda: render.request_modal(CATALOG, app_key="figma"),
    "request_modal_empty": lambda: render.request_modal([]),
    "deny_modal": lambda: render.deny_modal(CARD, StepRef(request_id=12, step_id=31)),
    "home": lambda: render.home(HOME),
}
NOT_GOLDEN = {"request_modal_empty", "it_notice", "error_message", "approval_closed_note"}


def texts(payload: object) -> list[str]:
    """Every string inside a payload."""
    if isinstance(payload, str):
        return [payload]
    if isinstance(payload, dict):
        return [text for value in payload.values() for text in texts(value)]
    if isinstance(payload, list):
        return [text for value in payload for text in texts(value)]
    return []


def mrkdwn_texts(payload: object) -> list[str]:
    """The strings Slack parses as mrkdwn: a message's `text` and every mrkdwn object."""
    found = []
    if isinstance(payload, dict):
        if payload.get("type") == "mrkdwn" or "blocks" in payload:
            found.append(payload.get("text", ""))
        payload = list(payload.values())
    if isinstance(payload, list):
        found += [text for value in payload for text in mrkdwn_texts(value)]
    return [text for text in found if isinstance(text, str)]


def blocks_of(payload: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [block for block in payload["blocks"] if block["type"] == kind]


@pytest.mark.parametrize("name", sorted(MESSAGES))
def test_every_message_is_valid_block_kit_with_a_fallback_text(name: str) -> None:
    payload = MESSAGES[name]()
    assert validate_message(payload) == []
    assert len(payload["text"].split()) >= 5
    assert not re.search(r"None|\{\{|\}\}|\[\]", payload["text"])


@pytest.mark.parametrize("name", sorted(VIEWS))
def test_every_view_is_valid_block_kit(name: str) -> None:
    assert validate_view(VIEWS[name]()) == []


@pytest.mark.parametrize("name", sorted((set(MESSAGES) | set(VIEWS)) - NOT_GOLDEN))
def test_the_main_messages_match_their_golden_files(name: str) -> None:
    payload = {**MESSAGES, **VIEWS}[name]()
    path = GOLDEN / f"{name}.json"
    rendered = json.dumps(payload, indent=2, ensure_ascii=False) + "\n"
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(rendered, encoding="utf-8")
    assert path.exists(), f"{path.name} is missing: run the tests with UPDATE_GOLDEN=1"
    assert json.loads(path.read_text(encoding="utf-8")) == payload


def test_a_step_approval_tells_the_requester_who_decides_next() -> None:
    payload = render.requester_update(CARD, "step_approved", actor="U0FIGOWN1")
    assert payload["text"] == (
        "<@U0FIGOWN1> approved your request #12 for Figma Professional. "
        "It is now waiting for <@U0DANA001>."
    )


@pytest.mark.parametrize(
    ("status", "phrase"),
    [
        ("pending", "waiting for <@U0DANA001>"),
        ("approved", "approved"),
        ("provisioning", "being set up"),
        ("manual_task", "waiting for IT"),
        ("waitlisted", "waitlisted"),
        ("fulfilled", "live"),
        ("denied", "denied"),
        ("cancelled", "cancelled"),
        ("expired", "expired"),
    ],
)
def test_the_requester_root_phrases_each_status(status: str, phrase: str) -> None:
    payload = render.requester_root(replace(CARD, status=status, can_cancel=status == "pending"))
    assert payload["text"] == f"Request #12: Figma Professional, {phrase}"
    assert len(blocks_of(payload, "actions")) == (status == "pending")


@pytest.mark.parametrize("event", sorted(render.UPDATE_EVENTS))
def test_every_requester_update_names_the_request(event: str) -> None:
    payload = render.requester_update(CARD, event, actor="U0DANA001", position=3)
    assert validate_message(payload) == []
    assert "#12" in payload["text"]


@pytest.mark.parametrize(
    ("build", "problem"),
    [
        (lambda: render.requester_root(replace(CARD, status="lost")), "unknown request status"),
        (lambda: render.requester_update(CARD, "exploded"), "unknown requester update"),
        (lambda: render.requester_update(CARD, "denied"), "needs the actor"),
        (lambda: render.approval_closed(CARD), "needs a decision or a note"),
        (lambda: render.it_task_done(TASK), "is not done"),
    ],
)
def test_impossible_inputs_are_refused_with_a_value_error(
    build: Callable[[], dict[str, Any]], problem: str
) -> None:
    with pytest.raises(ValueError, match=problem):
        build()


def test_the_approval_request_carries_the_step_in_both_buttons() -> None:
    (actions,) = blocks_of(render.approval_request(CARD, 31), "actions")
    approve, deny = actions["elements"]
    assert (approve["style"], deny["style"]) == ("primary", "danger")
    assert StepRef.loads(approve["value"]) == StepRef.loads(deny["value"])
    assert StepRef.loads(deny["value"]) == StepRef(request_id=12, step_id=31)


def test_a_closed_approval_has_no_buttons_and_says_who_decided() -> None:
    approved = render.approval_closed(CARD, decision=APPROVED)
    denied = render.approval_closed(CARD, decision=DENIED)
    assert blocks_of(approved, "actions") == blocks_of(denied, "actions") == []
    verdict = ":white_check_mark: Approved by <@U0DANA001> on <!date^"
    assert any(text.startswith(verdict) for text in texts(approved))
    assert any(text.endswith("— Use Viewer") for text in texts(denied))


def test_an_it_task_keeps_the_requester_reason_out_of_the_channel() -> None:
    task = replace(TASK, request=replace(CARD, reason="medical leave paperwork"))
    payload = render.it_task(task)
    assert not any("medical" in text for text in texts(payload))
    (actions,) = blocks_of(payload, "actions")
    assert TaskRef.loads(actions["elements"][0]["value"]) == TaskRef(task_id=7)
    assert blocks_of(render.it_task_done(DONE_TASK), "actions") == []


def test_the_request_modal_for_one_app_preselects_its_first_tier() -> None:
    element = render.request_modal(CATALOG, app_key="figma")["blocks"][0]["element"]
    assert [group["label"]["text"] for group in element["option_groups"]] == ["Figma"]
    assert element["initial_option"]["value"] == "figma:professional"
    assert element["option_groups"][0]["options"][1]["text"]["text"] == "Viewer · free"


def test_the_request_modal_for_an_unknown_app_says_so_and_offers_the_whole_catalog() -> None:
    view = render.request_modal(CATALOG, app_key="photoshop")
    assert "photoshop" in view["blocks"][0]["elements"][0]["text"]
    assert len(view["blocks"][1]["element"]["option_groups"]) == 2


def test_an_empty_catalog_gives_a_modal_without_a_submit_button() -> None:
    view = render.request_modal([])
    assert "submit" not in view
    assert "catalog is empty" in texts(view)[-1]


def test_the_request_modal_keeps_the_first_hundred_options_and_says_so() -> None:
    options = [replace(CATALOG[0], app_key=f"app{i}", app_name=f"App {i}") for i in range(150)]
    view = render.request_modal(options)
    groups = view["blocks"][0]["element"]["option_groups"]
    assert sum(len(group["options"]) for group in groups) == 100
    assert any("first 100 of 150" in text for text in texts(view))
    assert validate_view(view) == []


def test_the_deny_modal_carries_the_step_in_private_metadata() -> None:
    view = render.deny_modal(CARD, StepRef(request_id=12, step_id=31))
    assert StepRef.loads(view["private_metadata"]) == StepRef(request_id=12, step_id=31)
    assert view["blocks"][1]["block_id"] == "deny_reason"


def test_hostile_text_renders_as_inert_escaped_text() -> None:
    card = replace(CARD, reason=HOSTILE, app_name='Fig<!here>ma "X"', tier_name="{{ tier }}")
    payloads = [
        render.approval_request(card, 31),
        render.requester_root(card),
        render.approval_closed(card, decision=replace(DENIED, reason=HOSTILE)),
        render.requester_update(card, "denied", actor="U0DANA001", reason=HOSTILE),
        render.error_message(HOSTILE),
        render.it_notice(HOSTILE),
    ]
    for payload in payloads:
        assert validate_message(payload) == []
        joined = "\n".join(mrkdwn_texts(payload))
        assert "<!channel>" not in joined and "<!here>" not in joined
        assert "&lt;!channel&gt;" in joined
        assert "<@U0EVIL01|x>" not in joined
    reason = texts(payloads[0]["blocks"][2])[-1]
    assert '>Need it "now" \\ for the\n>launch &lt;!channel&gt; {{ secret }} {% raw %} }}' in reason


def test_hostile_names_in_the_catalog_and_home_stay_inert() -> None:
    evil = replace(CATALOG[0], app_name="<!channel> }}", tier_name='"{{ x }}\\')
    view = render.home(replace(HOME, catalog=[evil]))
    modal = render.request_modal([evil])
    assert validate_view(view) == [] and validate_view(modal) == []
    assert not any("<!channel>" in text for text in mrkdwn_texts(view))
    assert modal["blocks"][0]["element"]["option_groups"][0]["label"]["text"] == "<!channel> }}"


def test_huge_names_and_texts_still_fit_every_slack_limit() -> None:
    long = "x&<" * 2000
    card = replace(CARD, app_name=long, tier_name=long, reason=long, waiting_on=("U0A1",) * 500)
    option = replace(CATALOG[0], app_name=long, tier_name=long, currency="USD" * 50)
    task = replace(DONE_TASK, request=card, summary=long, why=long)
    decision = replace(DENIED, reason=long)
    messages = [
        render.requester_root(card),
        render.requester_update(card, "denied", actor="U0DANA001", reason=long),
        render.approval_request(card, 31),
        render.approval_closed(card, decision=decision, note=long),
        render.approval_reminder(card),
        render.it_task(task),
        render.it_task_done(task),
        render.it_notice(long * 10),
        render.it_waitlist(card, 50),
        render.error_message(long * 10),
    ]
    views = [
        render.request_modal([option]),
        render.deny_modal(card, StepRef(request_id=12, step_id=31)),
        render.home(HomeView("U0ALICE01", [option] * 12, [card] * 30, [], [(card, 1)] * 30)),
    ]
    assert [validate_message(payload) for payload in messages] == [[]] * len(messages)
    assert [validate_view(view) for view in views] == [[]] * len(views)
    assert "…" in texts(messages[2]["blocks"][2])[-1]


def test_a_home_tab_with_two_hundred_of_everything_stays_under_a_hundred_blocks() -> None:
    many = HomeView(
        user="U0ALICE01",
        catalog=[replace(CATALOG[0], app_key=f"a{i}", tier_key=f"t{i % 12}") for i in range(200)],
        requests=[replace(CARD, id=i + 1) for i in range(200)],
        seats=[SeatLine(f"App {i}", "Pro", None) for i in range(200)],
        approvals=[(replace(CARD, id=i + 1), i + 1) for i in range(200)],
    )
    view = render.home(many)
    assert len(view["blocks"]) <= 100
    assert validate_view(view) == []
    more = [text for text in texts(view) if text.startswith("…and")]
    assert len(more) == 4


def test_the_home_tab_offers_a_request_button_per_app_and_cancel_only_where_allowed() -> None:
    view = render.home(HOME)
    accessories = [block["accessory"] for block in view["blocks"] if "accessory" in block]
    assert [(a["action_id"], a["value"]) for a in accessories[:2]] == [
        ("request.open", "figma"),
        ("request.open", "miro"),
    ]
    assert [RequestRef.loads(a["value"]) for a in accessories[2:]] == [RequestRef(request_id=12)]


@pytest.mark.parametrize(
    "garbage", ["garbage", "", "{}", '{"request_id": "12"}', '{"request_id": -1}', "[12]"]
)
def test_a_garbled_reference_is_refused_with_a_value_error(garbage: str) -> None:
    with pytest.raises(ValueError, match="not a valid RequestRef"):
        RequestRef.loads(garbage)


def test_references_round_trip_through_json() -> None:
    for ref in (RequestRef(request_id=1), StepRef(request_id=1, step_id=2), TaskRef(task_id=3)):
        assert type(ref).loads(ref.dumps()) == ref


def test_money_and_dates_read_the_way_slack_shows_them() -> None:
    assert money(Decimal("15"), "USD") == "USD 15.00/month"
    assert money(Decimal("0"), "EUR") == "free"
    assert slackdate(CREATED) == (
        "<!date^1772460300^{date_short_pretty} at {time}|2026-03-02T14:05Z>"
    )
    assert slackdate(date(2026, 6, 30)) == "<!date^1782820800^{date_short_pretty}|2026-06-30>"


SAFE_LAST_FILTER = re.compile(
    r"\|\s*(tojson|esc|mrkdwn|quote|mention|people|slackdate|money|amount|int)\s*(\([^()]*\))?\s*$"
)
# Macro parameters in _blocks.j2 that receive blocks already built by other macros.
JSON_FRAGMENT_PARAMS = {"accessory", "buttons", "confirm"}


def test_every_template_interpolation_goes_through_tojson_or_an_escaping_filter() -> None:
    for path in TEMPLATES.glob("*.j2"):
        source = path.read_text(encoding="utf-8")
        macros = set(re.findall(r"{%-?\s*macro\s+(\w+)", source))
        set_blocks = set(re.findall(r"{%-?\s*set\s+(\w+)\s*-?%}", source))
        for expr in (m.strip() for m in re.findall(r"{{-?(.*?)-?}}", source, re.S)):
            call = re.match(r"(\w+)(\.\w+)?\(", expr)
            assert (
                SAFE_LAST_FILTER.search(expr)
                or (call and (call.group(1) in {"b", "r", "c", "s", "fail"} | macros))
                or expr in set_blocks | JSON_FRAGMENT_PARAMS
            ), f"{path.name}: {{{{ {expr} }}}} is neither tojson'd nor escaped"


def test_a_seat_removed_at_the_vendor_shows_until_when_it_is_paid() -> None:
    view = HomeView(
        user="U0ALICE01",
        seats=[SeatLine("GitHub Copilot", "Business", date(2026, 1, 5), date(2026, 12, 1))],
    )
    home = render.home(view)
    assert validate_view(home) == []
    assert "removed, paid until <!date^" in str(home)
