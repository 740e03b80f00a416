"""Slack wording for reclamation: every state of a holder's DM, its thread news, IT's review
waves, leaver notices and `/license mine` render valid, safe Block Kit within Slack's limits."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from bot.sandbox.blockkit import validate_message
from messages import ids
from messages import seats as seat_messages
from messages.views import CaseCard, LeaverView, SeatLine, WaveLine, WaveView
from tests.unit.test_messages import mrkdwn_texts
from workflows.reclaim import WAVE_SIZE

GOLDEN = Path(__file__).parent / "golden" / "messages"
ASKED = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
DEADLINE = datetime(2026, 11, 30, 17, 0, tzinfo=UTC)
HOSTILE = "<!channel> & <@U0EVIL01|x> *bold*"

QUESTION = CaseCard(
    id=5,
    kind="idle",
    status="prompted",
    holder="U0ALICE01",
    app_name="Figma",
    tier_name="Professional",
    monthly_price=Decimal("15"),
    currency="USD",
    last_active_on=date(2026, 9, 24),
    days_idle=60,
    activity_source="last sign-in",
    deadline=DEADLINE,
    downgrade_to="Viewer",
    saving=Decimal("15"),
)
RELEASED = replace(
    QUESTION,
    status="released",
    answered_by="U0ALICE01",
    answered_at=ASKED,
    action="revoke",
    back_until=datetime(2026, 11, 30, 9, 0, tzinfo=UTC),
)
WAVE = WaveView(
    id=3,
    app_name="Figma",
    currency="USD",
    status="open",
    lines=[
        WaveLine(
            7,
            "U0ALICE01",
            "alice@acme.test",
            "Professional",
            60,
            "last sign-in",
            Decimal(15),
            "in_review",
        ),
        WaveLine(
            8,
            None,
            "bob@acme.test",
            "Professional",
            None,
            None,
            Decimal(15),
            "skipped",
            "U0ADMIN01",
        ),
        WaveLine(9, "U0CARA001", "cara@acme.test", "Professional", 45, None, Decimal(15), "kept"),
    ],
)
SEATS = [
    SeatLine(
        "Figma",
        "Professional",
        date(2025, 1, 6),
        seat_id=4,
        last_active_on=date(2026, 11, 1),
        activity_source="last sign-in",
        monthly_price=Decimal(15),
        currency="USD",
    ),
    SeatLine(
        "Miro",
        "Standard",
        None,
        seat_id=6,
        monthly_price=Decimal(10),
        currency="USD",
        releasing=True,
    ),
]

MESSAGES: dict[str, Callable[[], dict[str, Any]]] = {
    "reclaim_question": lambda: seat_messages.reclaim_root(QUESTION),
    "reclaim_question_waiting": lambda: seat_messages.reclaim_root(
        replace(QUESTION, waiting=True, downgrade_to=None, at_deadline="review")
    ),
    "reclaim_in_review": lambda: seat_messages.reclaim_root(replace(QUESTION, status="in_review")),
    "reclaim_kept": lambda: seat_messages.reclaim_root(
        replace(QUESTION, status="kept", answered_by="U0ALICE01", kept_until=DEADLINE)
    ),
    "reclaim_kept_by_admin": lambda: seat_messages.reclaim_root(
        replace(QUESTION, status="kept", answered_by="U0ADMIN01", kept_until=DEADLINE)
    ),
    "reclaim_released": lambda: seat_messages.reclaim_root(RELEASED),
    "reclaim_downgraded": lambda: seat_messages.reclaim_root(
        replace(RELEASED, action="downgrade", to_tier_name="Viewer")
    ),
    "reclaim_requested_back": lambda: seat_messages.reclaim_root(
        replace(RELEASED, back_until=None, requested_back=12)
    ),
    "reclaim_reclaimed": lambda: seat_messages.reclaim_root(
        replace(QUESTION, status="reclaimed", action="revoke")
    ),
    "reclaim_confirmed_by_it": lambda: seat_messages.reclaim_root(
        replace(QUESTION, status="reclaimed", action="revoke", answered_by="U0ADMIN01")
    ),
    "reclaim_used_again": lambda: seat_messages.reclaim_root(
        replace(QUESTION, status="skipped", note="used again")
    ),
    "reclaim_excluded": lambda: seat_messages.reclaim_root(
        replace(QUESTION, status="skipped", note="excluded by IT")
    ),
    "reclaim_ending": lambda: seat_messages.reclaim_root(
        replace(QUESTION, kind="ending", end_date=date(2026, 12, 3))
    ),
    "reclaim_ended": lambda: seat_messages.reclaim_root(
        replace(QUESTION, kind="ending", status="reclaimed", end_date=date(2026, 12, 3))
    ),
    "reclaim_extended": lambda: seat_messages.reclaim_root(
        replace(QUESTION, kind="ending", status="skipped", note="extended")
    ),
    "reclaim_released_unasked": lambda: seat_messages.reclaim_root(
        replace(RELEASED, kind="release")
    ),
    "reclaim_news_reminder": lambda: seat_messages.reclaim_news(QUESTION, "reminder"),
    "reclaim_news_reclaimed": lambda: seat_messages.reclaim_news(QUESTION, "reclaimed"),
    "reclaim_news_removed": lambda: seat_messages.reclaim_news(
        RELEASED, "removed", handed_over=True
    ),
    "reclaim_news_downgraded": lambda: seat_messages.reclaim_news(
        replace(RELEASED, action="downgrade", to_tier_name="Viewer"), "downgraded"
    ),
    "reclaim_news_by_it": lambda: seat_messages.reclaim_news(RELEASED, "by_it"),
    "reclaim_news_removed_billed_to_cycle_end": lambda: seat_messages.reclaim_news(
        replace(RELEASED, billed_to_cycle_end=True), "removed"
    ),
    "reclaim_wave": lambda: seat_messages.reclaim_wave(WAVE),
    "reclaim_wave_confirmed": lambda: seat_messages.reclaim_wave(
        replace(WAVE, status="confirmed", decided_by="U0ADMIN01", decided_at=ASKED)
    ),
    "it_leaver": lambda: seat_messages.it_leaver(
        LeaverView(
            "alice@acme.test", "Alice Archer", "USD", [("Figma", "Professional", Decimal(15))]
        )
    ),
    "my_seats": lambda: seat_messages.my_seats(SEATS),
    "my_seats_none": lambda: seat_messages.my_seats([]),
}
GOLDEN_NAMES = ("reclaim_question", "reclaim_released", "reclaim_wave", "it_leaver", "my_seats")


@pytest.mark.parametrize("name", sorted(MESSAGES))
def test_every_reclaim_message_is_valid_block_kit_with_a_fallback_text(name: str) -> None:
    payload = MESSAGES[name]()

    assert validate_message(payload) == []
    assert len(payload["text"].split()) >= 4
    assert "None" not in json.dumps(payload)


@pytest.mark.parametrize("name", GOLDEN_NAMES)
def test_the_main_reclaim_messages_match_their_golden_files(name: str) -> None:
    payload = MESSAGES[name]()
    path = GOLDEN / f"{name}.json"
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    assert path.exists(), f"{path.name} is missing: run the tests with UPDATE_GOLDEN=1"
    assert json.loads(path.read_text(encoding="utf-8")) == payload


def button_ids(payload: dict[str, Any]) -> list[str]:
    return [
        element["action_id"]
        for block in payload["blocks"]
        for element in [*block.get("elements", []), block.get("accessory") or {}]
        if element.get("type") == "button"
    ]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("reclaim_question", [ids.RECLAIM_KEEP, ids.RECLAIM_DOWNGRADE, ids.RECLAIM_RELEASE]),
        ("reclaim_question_waiting", [ids.RECLAIM_KEEP, ids.RECLAIM_RELEASE]),
        ("reclaim_in_review", [ids.RECLAIM_KEEP, ids.RECLAIM_DOWNGRADE, ids.RECLAIM_RELEASE]),
        ("reclaim_kept", []),
        ("reclaim_released", [ids.RECLAIM_BACK]),
        ("reclaim_requested_back", []),
        ("reclaim_reclaimed", []),
        ("reclaim_used_again", []),
        ("reclaim_ending", [ids.RECLAIM_EXTEND]),
        ("reclaim_ended", []),
        ("reclaim_wave", [ids.WAVE_EXCLUDE, ids.WAVE_CONFIRM, ids.WAVE_SKIP]),
        ("reclaim_wave_confirmed", []),
        ("my_seats", [ids.SEAT_RELEASE]),
    ],
)
def test_only_what_can_still_be_done_has_a_button(name: str, expected: list[str]) -> None:
    assert button_ids(MESSAGES[name]()) == expected


def test_the_question_says_the_evidence_the_cost_the_deadline_and_what_silence_does() -> None:
    question = MESSAGES["reclaim_question"]()
    said = " ".join(block["text"]["text"] for block in question["blocks"] if "text" in block)

    assert "*Figma Professional* since <!date^" in said and "|2026-09-24>" in said
    assert "60 days ago (last sign-in)" in said
    assert "USD 15.00/month" in said
    assert "answer by <!date^" in said and "|2026-11-30T17:00Z>" in said
    assert "it will be released" in said
    assert "IT will review" in json.dumps(MESSAGES["reclaim_question_waiting"]())


def test_words_from_outside_cannot_mention_anyone_or_break_the_message() -> None:
    card = replace(QUESTION, app_name=HOSTILE, tier_name=HOSTILE, activity_source=HOSTILE)
    line = WaveLine(1, None, HOSTILE, HOSTILE, 3, HOSTILE, Decimal(1), "in_review")
    rendered = [
        seat_messages.reclaim_root(card),
        seat_messages.reclaim_news(card, "reminder"),
        seat_messages.reclaim_wave(replace(WAVE, app_name=HOSTILE, lines=[line])),
        seat_messages.it_leaver(
            LeaverView(HOSTILE, HOSTILE, "USD", [(HOSTILE, HOSTILE, Decimal(1))])
        ),
        seat_messages.my_seats([replace(SEATS[0], app_name=HOSTILE, activity_source=HOSTILE)]),
    ]

    for payload in rendered:
        assert validate_message(payload) == []
        parsed = " ".join(mrkdwn_texts(payload))  # plain_text fields are never parsed
        assert "<!channel>" not in parsed and "<@U0EVIL01" not in parsed


def test_a_full_wave_of_long_addresses_stays_within_slacks_limits() -> None:
    lines = [
        WaveLine(
            i,
            None,
            f"{'x' * 60}{i}@example.test",
            "Professional " * 3,
            400,
            "last Gmail or Drive use",
            Decimal("99.99"),
            "in_review",
        )
        for i in range(1, WAVE_SIZE + 1)
    ]
    payload = seat_messages.reclaim_wave(replace(WAVE, lines=lines))

    assert validate_message(payload) == []
    assert len(payload["blocks"]) <= 50


def test_long_lists_of_seats_are_cut_with_a_count_of_the_rest() -> None:
    many = [replace(SEATS[0], seat_id=i + 1, app_name=f"App {i}") for i in range(120)]
    leaver = LeaverView(
        "a@acme.test", "A", "USD", [(f"App {i}", "Pro", Decimal(9)) for i in range(120)]
    )

    mine = seat_messages.my_seats(many)
    left = seat_messages.it_leaver(leaver)

    assert validate_message(mine) == [] and validate_message(left) == []
    assert mine["text"] == "You hold 120 seats."
    assert "…and 95 more" in json.dumps(mine, ensure_ascii=False)
    assert "…and 100 more" in json.dumps(left, ensure_ascii=False)


def test_a_seat_billed_to_the_end_of_its_cycle_says_when_the_saving_starts() -> None:
    said = MESSAGES["reclaim_news_removed_billed_to_cycle_end"]()["text"]

    assert said.endswith(
        "That saves USD 15.00/month from the next billing cycle: "
        "the vendor bills it until the current one ends."
    )
