"""The Block Kit validator accepts real messages and views and catches each Slack cap."""

from __future__ import annotations

from typing import Any

import pytest

from bot.sandbox.blockkit import validate_blocks, validate_message, validate_view


def plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text}


def mrkdwn(text: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": text}


def button(action_id: str = "approve", text: str = "Approve", value: str = "1") -> dict[str, Any]:
    return {"type": "button", "action_id": action_id, "text": plain(text), "value": value}


def option(n: int) -> dict[str, Any]:
    return {"text": plain(f"Option {n}"), "value": str(n)}


def section(text: str = "hello", **extra: Any) -> dict[str, Any]:
    return {"type": "section", "text": mrkdwn(text), **extra}


def good_message() -> dict[str, Any]:
    return {
        "text": "Alice asks for a Figma seat",
        "blocks": [
            {"type": "header", "text": plain("Seat request")},
            section("*Alice* asks for *Figma* (editor)", block_id="summary"),
            {"type": "section", "fields": [mrkdwn("*App*\nFigma"), mrkdwn("*Tier*\nEditor")]},
            {
                "type": "actions",
                "block_id": "decide",
                "elements": [
                    button("approve", "Approve") | {"style": "primary"},
                    button("deny", "Deny") | {"style": "danger"},
                    {"type": "static_select", "action_id": "tier", "options": [option(1)]},
                ],
            },
            {"type": "context", "elements": [mrkdwn("Requested 2 minutes ago")]},
            {"type": "divider"},
        ],
    }


def good_modal() -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": "request_seat",
        "title": plain("Request a seat"),
        "submit": plain("Request"),
        "close": plain("Cancel"),
        "private_metadata": '{"app": "figma"}',
        "blocks": [
            {
                "type": "input",
                "block_id": "reason",
                "label": plain("Why?"),
                "element": {"type": "plain_text_input", "action_id": "reason"},
            }
        ],
    }


def only_error(errors: list[str], fragment: str) -> str:
    assert len(errors) == 1, errors
    assert fragment in errors[0], errors
    return errors[0]


def test_a_well_formed_message_is_valid() -> None:
    assert validate_message(good_message()) == []


def test_a_plain_text_message_without_blocks_is_valid() -> None:
    assert validate_message({"text": "Your Figma seat is ready"}) == []


def test_a_well_formed_modal_and_home_tab_are_valid() -> None:
    assert validate_view(good_modal()) == []
    assert validate_view({"type": "home", "blocks": [section("Your seats")]}) == []


@pytest.mark.parametrize("text", [None, "", "   "])
def test_a_message_without_a_text_fallback_is_refused(text: str | None) -> None:
    message = good_message() | {"text": text}
    only_error(validate_message(message), "text: a message needs a non-empty plain-text fallback")


def test_message_text_over_40000_characters_is_refused() -> None:
    only_error(validate_message({"text": "x" * 40_001}), "text: is 40001 characters")


def test_more_than_50_blocks_in_a_message_is_refused_but_100_in_a_modal_is_fine() -> None:
    assert validate_blocks([{"type": "divider"}] * 100, surface="modal") == []
    only_error(validate_blocks([{"type": "divider"}] * 51), "blocks: has 51 blocks")
    only_error(validate_blocks([{"type": "divider"}] * 101, surface="home"), "blocks: has 101")


def test_section_text_over_3000_characters_is_refused() -> None:
    error = only_error(validate_blocks([section("x" * 3001)]), "limit of 3000")
    assert error.startswith("blocks[0].text.text:")


def test_more_than_10_section_fields_is_refused() -> None:
    block = {"type": "section", "fields": [mrkdwn("f")] * 11}
    only_error(
        validate_blocks([block]), "blocks[0].fields: has 11 items, more than the limit of 10"
    )


def test_a_section_field_over_2000_characters_is_refused() -> None:
    block = {"type": "section", "fields": [mrkdwn("ok"), mrkdwn("x" * 2001)]}
    only_error(validate_blocks([block]), "blocks[0].fields[1].text: is 2001 characters")


def test_a_header_over_150_characters_is_refused() -> None:
    only_error(validate_blocks([{"type": "header", "text": plain("h" * 151)}]), "limit of 150")


def test_a_header_must_be_plain_text() -> None:
    errors = validate_blocks([{"type": "header", "text": mrkdwn("*bold*")}])
    only_error(errors, "blocks[0].text.type: 'plain_text' was expected")


def test_button_text_over_75_characters_is_refused() -> None:
    block = {"type": "actions", "elements": [button(text="b" * 76)]}
    only_error(validate_blocks([block]), "blocks[0].elements[0].text.text: is 76 characters")


def test_a_button_value_over_2000_characters_is_refused() -> None:
    block = section(accessory=button(value="v" * 2001))
    only_error(validate_blocks([block]), "blocks[0].accessory.value: is 2001 characters")


def test_an_action_id_over_255_characters_is_refused() -> None:
    block = {"type": "actions", "elements": [button(action_id="a" * 256)]}
    only_error(validate_blocks([block]), "blocks[0].elements[0].action_id: is 256 characters")


def test_a_block_id_over_255_characters_is_refused() -> None:
    only_error(validate_blocks([{"type": "divider", "block_id": "b" * 256}]), "blocks[0].block_id")


def test_a_select_with_more_than_100_options_is_refused() -> None:
    select = {
        "type": "static_select",
        "action_id": "app",
        "options": [option(n) for n in range(101)],
    }
    errors = validate_blocks([{"type": "actions", "elements": [select]}])
    only_error(errors, "blocks[0].elements[0].options: has 101 items, more than the limit of 100")


def test_a_context_block_with_more_than_10_elements_is_refused() -> None:
    block = {"type": "context", "elements": [mrkdwn("c")] * 11}
    only_error(
        validate_blocks([block]), "blocks[0].elements: has 11 items, more than the limit of 10"
    )


def test_an_actions_block_with_more_than_25_elements_is_refused() -> None:
    block = {"type": "actions", "elements": [button(f"b{n}") for n in range(26)]}
    only_error(
        validate_blocks([block]), "blocks[0].elements: has 26 items, more than the limit of 25"
    )


def test_a_message_holding_more_than_12000_characters_of_text_is_refused() -> None:
    blocks = [section("x" * 2500) for _ in range(5)]
    only_error(validate_message({"text": "digest", "blocks": blocks}), "12000")
    assert validate_blocks(blocks, surface="home") == []


def test_duplicate_block_ids_are_refused() -> None:
    blocks = [section("a", block_id="same"), section("b", block_id="same")]
    only_error(validate_blocks(blocks), "block_id 'same' is used by 2 blocks")


def test_duplicate_action_ids_inside_one_block_are_refused() -> None:
    block = {"type": "actions", "elements": [button("go"), button("go")]}
    only_error(validate_blocks([block]), "blocks[0]: action_id 'go' is used 2 times")


def test_the_same_action_id_in_two_blocks_is_allowed() -> None:
    blocks = [{"type": "actions", "elements": [button("go")]} for _ in range(2)]
    assert validate_blocks(blocks) == []


def test_an_unknown_block_type_is_refused() -> None:
    only_error(validate_blocks([{"type": "sectoin"}]), "unknown block type 'sectoin'")


def test_schema_errors_name_the_field_inside_the_element_that_was_meant() -> None:
    block = {"type": "actions", "elements": [{"type": "button", "action_id": "x"}]}
    only_error(validate_blocks([block]), "blocks[0].elements[0]: 'text' is a required property")


@pytest.mark.parametrize("field", ["title", "submit", "close"])
def test_modal_title_submit_and_close_over_24_characters_are_refused(field: str) -> None:
    view = good_modal() | {field: plain("x" * 25)}
    only_error(validate_view(view), f"{field}.text: is 25 characters, more than the limit of 24")


def test_private_metadata_over_3000_characters_is_refused() -> None:
    view = good_modal() | {"private_metadata": "m" * 3001}
    only_error(validate_view(view), "private_metadata: is 3001 characters")


def test_a_callback_id_over_255_characters_is_refused() -> None:
    only_error(validate_view(good_modal() | {"callback_id": "c" * 256}), "callback_id: is 256")


def test_a_modal_with_inputs_but_no_submit_button_is_refused() -> None:
    view = {k: v for k, v in good_modal().items() if k != "submit"}
    only_error(validate_view(view), "'submit' is a required property")


def test_a_view_must_be_a_modal_or_a_home_tab() -> None:
    only_error(validate_view({"type": "workflow_step", "blocks": []}), "must be 'modal' or 'home'")


def test_block_errors_inside_a_view_are_reported_once_with_their_path() -> None:
    view = good_modal() | {"blocks": [section("x" * 3001)]}
    only_error(validate_view(view), "blocks[0].text.text: is 3001 characters")
