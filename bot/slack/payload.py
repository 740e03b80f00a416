"""The shape of a signed Slack request body, checked once before Bolt or a listener reads it.

Bolt (building a request's context, its middleware and matchers) and our own middleware and
listeners index into the body as Slack sends it: `user` an object with an `id`, `actions` a
list of objects, `event` an object with a `type`, and so on. A body of another shape made them
raise deep inside dispatch. The models below name those fields with Slack's types, so any
other shape is refused here with the place it went wrong. Fields nobody reads are not checked.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    field_validator,
)
from slack_bolt.request.internals import parse_body

MAX_DEPTH = 64  # Slack nests a few levels; Bolt recurses through some of them

# Slack ids and timestamps are short printable ASCII. They become database keys (where NUL
# is refused) and Web API arguments, so nothing else is let through.
Id = Annotated[str, StringConstraints(pattern=r"^[!-~]*$", max_length=255)]


class MalformedPayload(ValueError):
    """A signed body Slack would never send; `where` says which part."""

    def __init__(self, where: str) -> None:
        super().__init__(f"malformed payload at {where}")
        self.where = where


class _Shape(BaseModel):
    model_config = ConfigDict(extra="allow", strict=True)


class Named(_Shape):
    """A user, channel, team or enterprise given as an object."""

    id: Id | None = None


class Actor(Named):
    """Who sent an interaction (always with an id)."""

    id: Id


class _Context(_Shape):
    """The fields Bolt reads to find the team, user and channel, here and in nested objects."""

    enterprise: Id | Named | None = None
    team: Id | Named | None = None
    user: Id | Named | None = None
    channel: Id | Named | None = None
    authorizations: list[_Context] | None = None
    event: Event | None = None
    message: _Context | None = None
    previous_message: _Context | None = None
    item: _Context | None = None
    assistant_thread: _Context | None = None
    function_data: _Shape | None = None


def _present(value: Any) -> Any:
    """Bolt reads some fields whenever their key is there: they may be absent, never null."""
    if value is None:
        raise ValueError("null where an object or list belongs")
    return value


class Event(_Context):
    """The `event` of an Events API delivery."""

    type: str
    function: _Shape | None = None

    _not_null = field_validator("function", mode="before")(_present)


class ResponseUrl(_Shape):
    response_url: str | None = None


class View(_Shape):
    id: Id | None = None
    type: str | None = None
    callback_id: str | None = None


class Envelope(_Context):
    """What every body must look like, whatever its type."""

    type: str | None = None
    user: Actor | None = None
    channel: Named | None = None
    view: View | None = None
    actions: list[_Shape] | None = None
    action_id: str | None = None
    callback_id: str | None = None
    response_url: str | None = None
    response_urls: list[ResponseUrl] | None = None

    _not_null = field_validator("view", "event", "response_urls", mode="before")(_present)


class Action(_Shape):
    action_id: str
    block_id: str | None = None
    value: str | None = None
    action_ts: Id | None = None


class Container(_Shape):
    type: str | None = None
    message_ts: Id | None = None
    view_id: Id | None = None
    channel_id: Id | None = None


class BlockActions(_Shape):
    user: Actor
    trigger_id: Id
    actions: list[Action] = Field(min_length=1)
    container: Container | None = None


class Option(_Shape):
    value: str


class InputValue(_Shape):
    """One input's state: the attributes the listeners read."""

    value: str | None = None
    selected_date: str | None = None
    selected_option: Option | None = None


class State(_Shape):
    values: dict[str, dict[str, InputValue]] = Field(default_factory=dict)


class SubmittedView(View):
    type: str
    callback_id: str
    private_metadata: str = ""
    state: State = Field(default_factory=State)


class ViewSubmission(_Shape):
    user: Actor
    trigger_id: Id
    view: SubmittedView


class AttachmentActions(_Shape):
    actions: list[_Shape] = Field(min_length=1)


class WorkflowStep(_Shape):
    workflow_step: _Shape


class SlashCommand(_Shape):
    command: str
    text: str | None = None
    user_id: Id
    channel_id: Id | None = None
    trigger_id: Id


class EventCallback(_Shape):
    event: Event
    event_id: Id | None = None


class HomeOpened(_Shape):
    user: Id
    tab: str | None = None


class HomeOpenedCallback(_Shape):
    event: HomeOpened


# Which further models a body must also fit, by what Bolt takes it for.
_KINDS: list[tuple[Callable[[dict[str, Any]], bool], type[_Shape]]] = [
    (lambda body: "command" in body, SlashCommand),
    (lambda body: body.get("type") == "block_actions", BlockActions),
    (lambda body: body.get("type") == "view_submission", ViewSubmission),
    (lambda body: body.get("type") == "interactive_message", AttachmentActions),
    (lambda body: body.get("type") == "workflow_step_edit", WorkflowStep),
    (lambda body: _view_type(body) == "workflow_step", WorkflowStep),
    (lambda body: body.get("type") == "event_callback", EventCallback),
    (lambda body: _event_type(body) == "app_home_opened", HomeOpenedCallback),
]


def check_payload(raw: bytes, content_type: str | None) -> str:
    """The body as text for Bolt once it is shaped like Slack's; else MalformedPayload."""
    try:
        text = raw.decode("utf-8")
        # Bolt's own parser, so that what is checked here is exactly what Bolt will see.
        body = parse_body(text, content_type.split(";")[0] if content_type else None)
    except UnicodeDecodeError:
        raise MalformedPayload("(the body: not UTF-8)") from None
    except (ValueError, RecursionError):
        raise MalformedPayload("(the body: not JSON)") from None
    if not isinstance(body, dict):
        raise MalformedPayload("(the body: not a JSON object)")
    if _depth(body) > MAX_DEPTH:
        raise MalformedPayload("(the body: nested too deeply)")
    models: list[type[_Shape]] = [Envelope, *(model for applies, model in _KINDS if applies(body))]
    for model in models:
        try:
            model.model_validate(body)
        except ValidationError as invalid:
            raise MalformedPayload(_where(body, invalid)) from None
    return text


def _event_type(body: dict[str, Any]) -> Any:
    return _inner_type(body, "event_callback", "event")


def _view_type(body: dict[str, Any]) -> Any:
    return _inner_type(body, "view_submission", "view")


def _inner_type(body: dict[str, Any], kind: str, field: str) -> Any:
    inner = body.get(field)
    return inner.get("type") if body.get("type") == kind and isinstance(inner, dict) else None


def _depth(value: Any) -> int:
    """How deeply `value` nests, counted without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        children = node.values() if isinstance(node, dict) else node
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return deepest


def _where(body: dict[str, Any], invalid: ValidationError) -> str:
    """The first error's place in the body, e.g. `actions.0.action_id` (at most 80 characters)."""
    error = invalid.errors()[0]
    loc, parts = error["loc"], []
    node: Any = body
    # Parts of `loc` that are not in the body name one alternative of a union; they are left
    # out, except the last one of a missing field.
    for index, key in enumerate(loc):
        if _is_place(node, key):
            parts.append(str(key))
            node = node[key]
        elif error["type"] == "missing" and index == len(loc) - 1:
            parts.append(str(key))
    return ".".join(parts)[:80] or "(the body)"


def _is_place(node: Any, key: Any) -> bool:
    if isinstance(node, dict):
        return key in node
    return isinstance(node, list) and isinstance(key, int) and 0 <= key < len(node)


for _model in (_Context, Event, Envelope):
    _model.model_rebuild()
