"""Block Kit as Slack quotes it back to an app: the block ids it gives blocks sent without one,
a view's `state.values`, the `actions[0]` of a click or a choice, and the checks and pieces
of messages sent to a response_url."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import httpx

from bot.sandbox.blockkit import validate_blocks


class Refusal(Exception):
    """What the person did cannot be sent to the app; the message says why."""


def with_block_ids(blocks: list[dict[str, Any]], where: str) -> list[dict[str, Any]]:
    """The blocks as Slack keeps them: one the app sent without a `block_id` gets one (the
    same each time for the same place), which clicks on it then carry."""
    return [
        block if block.get("block_id") else block | {"block_id": _block_id(where, index)}
        for index, block in enumerate(blocks)
    ]


def _block_id(where: str, index: int) -> str:
    return hashlib.sha256(f"{where}#{index}".encode()).hexdigest()[:5]


def state_values(
    blocks: list[dict[str, Any]], given: dict[str, dict[str, str | None]]
) -> dict[str, dict[str, dict[str, Any]]]:
    """The `state.values` Slack sends for a view: for every input (and every stateful element
    in actions and sections), what the person entered, shaped by the element's type."""
    values: dict[str, dict[str, dict[str, Any]]] = {}
    for block in blocks:
        block_id = str(block.get("block_id") or "")
        for element in _stateful(block):
            action_id = str(element.get("action_id") or "")
            entered = (given.get(block_id) or {}).get(action_id)
            value = _state_value(element, entered)
            if value is not None:
                values.setdefault(block_id, {})[action_id] = value
    return values


def _stateful(block: dict[str, Any]) -> list[dict[str, Any]]:
    if block.get("type") == "input":
        return [block.get("element") or {}]
    if block.get("type") == "actions":
        return [e for e in block.get("elements") or [] if e.get("type") != "button"]
    accessory = block.get("accessory") or {}
    return (
        [accessory]
        if block.get("type") == "section"
        and accessory.get("type")
        not in (
            None,
            "button",
            "image",
        )
        else []
    )


def _state_value(element: dict[str, Any], entered: str | None) -> dict[str, Any] | None:
    kind = element.get("type")
    entered = entered if entered not in ("", None) else None
    if kind == "plain_text_input":
        return {"type": kind, "value": entered}
    if kind == "datepicker":
        return {"type": kind, "selected_date": entered}
    if kind == "static_select":
        option = _option(element, entered) if entered is not None else None
        return {"type": kind, "selected_option": option}
    return None


def _option(element: dict[str, Any], value: str) -> dict[str, Any]:
    """The option of a select with this value, as Slack quotes it back."""
    options = list(element.get("options") or [])
    for group in element.get("option_groups") or []:
        options += group.get("options") or []
    found = next((o for o in options if o.get("value") == value), None)
    if found is None:
        raise Refusal(f"{value!r} is not one of the options")
    return {"text": found["text"], "value": found["value"]}


def element(blocks: list[dict[str, Any]], block_id: str, action_id: str) -> dict[str, Any] | None:
    """The interactive element `action_id` in the block `block_id`."""
    for block in blocks:
        if str(block.get("block_id") or "") != block_id:
            continue
        for element in [*(block.get("elements") or []), block.get("accessory") or {}]:
            if element.get("action_id") == action_id:
                return dict(element)
    return None


def action(element: dict[str, Any], block_id: str, value: str | None) -> dict[str, Any]:
    """The `actions[0]` Slack sends for a click on a button or a choice in a select."""
    action = {"type": element["type"], "action_id": element["action_id"], "block_id": block_id}
    if element["type"] == "button":
        action |= {"text": element["text"]}
        action |= {"value": element["value"]} if "value" in element else {}
        return action | ({"style": element["style"]} if "style" in element else {})
    if element["type"] == "static_select":
        if value is None:
            raise Refusal("choose an option")
        return action | {"selected_option": _option(element, value)}
    if element["type"] == "datepicker":
        return action | {"selected_date": value}
    raise Refusal(f"the sandbox cannot use a {element['type']} element")


def message_problems(message: dict[str, Any]) -> list[str]:
    problems = []
    text = message.get("text")
    if text is not None and (not isinstance(text, str) or len(text) > 40_000):
        problems.append("text: must be a string of at most 40000 characters")
    if message.get("blocks") is not None:
        problems += validate_blocks(message["blocks"], surface="message")
    if text is None and not message.get("blocks") and not message.get("delete_original"):
        problems.append("text: a message needs text or blocks")
    return problems


def content(message: dict[str, Any]) -> dict[str, Any]:
    content = {"text": message.get("text") or "", "blocks": message.get("blocks") or []}
    return content | ({"thread_ts": message["thread_ts"]} if message.get("thread_ts") else {})


def answer_body(answer: httpx.Response) -> dict[str, Any] | None:
    """What the app said in its acknowledgement (JSON, or plain text as a message)."""
    text = answer.text.strip()
    if not text:
        return None
    try:
        body = json.loads(text)
    except ValueError:
        return {"text": text}
    return body if isinstance(body, dict) and body else None
