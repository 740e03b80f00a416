"""Slack payloads → workflow commands. Ids in buttons are trusted for *what*, never for *who*."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import ValidationError

from messages import ids
from workflows.commands import Decide, SubmitRequest
from workflows.errors import Refused


def delivery_key(body: dict[str, Any]) -> str | None:
    """The id of one Slack delivery, the same on every retry or replay of it."""
    kind = body.get("type")
    if kind == "event_callback":
        return f"event:{body['event_id']}" if body.get("event_id") else None
    if kind == "block_actions":
        container = body.get("container") or {}
        where = container.get("message_ts") or container.get("view_id") or ""
        action_ts = (body.get("actions") or [{}])[0].get("action_ts", "")
        return f"action:{where}:{action_ts}:{(body.get('user') or {}).get('id')}"
    if body.get("command") or kind == "view_submission":
        return f"trigger:{body.get('trigger_id')}"
    return None


def submit_request(user: str, view: dict[str, Any]) -> SubmitRequest:
    """The request modal's state as a command; a bad field raises Refused naming it."""
    values = view.get("state", {}).get("values", {})
    picked = _value(values, ids.APP_TIER, "selected_option")
    choice = (picked or {}).get("value", "") if isinstance(picked, dict) else ""
    app_key, _, tier_key = choice.partition(":")
    if not app_key or not tier_key:
        raise Refused("Choose an app and tier.", field=ids.APP_TIER)
    end_date = _value(values, ids.END_DATE, "selected_date")
    try:
        return SubmitRequest(
            requester=user,
            app_key=app_key,
            tier_key=tier_key,
            reason=_value(values, ids.REASON, "value") or "",
            end_date=dt.date.fromisoformat(end_date) if end_date else None,
        )
    except (ValidationError, ValueError) as exc:
        raise Refused(_first_message(exc), field=_field(exc)) from exc


def deny(user: str, step: ids.StepRef, view: dict[str, Any]) -> Decide:
    """The deny modal's state as a command; a reason that cannot be one raises Refused."""
    values = view.get("state", {}).get("values", {})
    try:
        return Decide(
            request_id=step.request_id,
            step_id=step.step_id,
            actor=user,
            approve=False,
            reason=_value(values, ids.DENY_REASON, "value") or "",
        )
    except ValidationError as exc:
        raise Refused(_first_message(exc), field=ids.DENY_REASON) from exc


def _value(values: dict[str, Any], block_id: str, attribute: str) -> Any:
    action = values.get(block_id, {}).get(block_id, {})
    return action.get(attribute)


def _first_message(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        message = exc.errors()[0]["msg"]
        return message.removeprefix("Value error, ")
    return "Please pick a valid date."


def _field(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        loc = exc.errors()[0]["loc"]
        if loc and loc[0] == "end_date":
            return ids.END_DATE
        if loc and loc[0] in ("app_key", "tier_key"):
            return ids.APP_TIER
        return ids.REASON
    return ids.END_DATE
