"""Properties of `POST /slack/events` over generated bodies, signed, forged and stale.

Whatever arrives: never a 5xx, never a traceback in the answer, and no change to requests,
approval steps, seats, tasks, the audit trail or jobs (recording a delivery id is fine).
A request that is not freshly signed by Slack is always a 401 and reaches nothing.
"""

from __future__ import annotations

import copy
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from messages import ids
from store import tables
from tests.database import fresh_database_url
from tests.fakes.slack_requests import (
    FORM,
    JSON,
    app_home_opened,
    block_action,
    sign,
    slash_command,
    static_select,
    text_input,
    view_submission,
)
from tests.scenario.world import ALICE, DANA, SIGNING_SECRET, World, running_world

STRANGER = "U0STRANGR"  # unknown to Slack and the directory: may decide and store nothing
WATCHED = (
    tables.requests,
    tables.approval_steps,
    tables.seats,
    tables.tasks,
    tables.audit_events,
    tables.jobs,
)
PROPERTY = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])

SLACK_KEYS = [
    *("type", "user", "channel", "team", "enterprise", "event", "actions", "view", "message"),
    *("authorizations", "item", "command", "text", "trigger_id", "response_url", "container"),
    *("response_urls", "state", "values", "callback_id", "action_id", "value", "id", "tab"),
    *("event_id", "private_metadata", "selected_option", "workflow_step", "function"),
]
keys = st.sampled_from(SLACK_KEYS) | st.text(max_size=8)
leaves = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
)
json_values = st.recursive(
    leaves,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=4),
    max_leaves=12,
)
DELETE = "<delete>"


def _payload(body: tuple[bytes, str]) -> dict[str, Any]:
    """The JSON object inside a builder's body (interactions carry it in `payload`)."""
    content, content_type = body
    if content_type == JSON:
        return json.loads(content)
    return json.loads(dict(parse_qsl(content.decode()))["payload"])


STEP = ids.StepRef(request_id=1, step_id=1).dumps()  # the step the module's world has waiting
INTERACTIONS = [
    *(
        _payload(block_action(STRANGER, action_id, value, container=where))
        for action_id, value in [
            (ids.REQUEST_OPEN, "figma"),
            (ids.REQUEST_CANCEL, ids.RequestRef(request_id=1).dumps()),
            (ids.STEP_APPROVE, STEP),
            (ids.STEP_DENY, STEP),
            (ids.TASK_DONE, ids.TaskRef(task_id=1).dumps()),
        ]
        for where in ("message", "view")
    ),
    _payload(
        view_submission(
            STRANGER,
            ids.REQUEST_MODAL,
            {
                ids.APP_TIER: {ids.APP_TIER: static_select("figma:viewer")},
                ids.REASON: {ids.REASON: text_input("Design work")},
                ids.END_DATE: {ids.END_DATE: {"type": "datepicker", "selected_date": None}},
            },
        )
    ),
    _payload(
        view_submission(
            STRANGER, ids.DENY_MODAL, {ids.DENY_REASON: {ids.DENY_REASON: text_input("no")}}, STEP
        )
    ),
    _payload(app_home_opened(STRANGER)),
]
COMMAND = dict(parse_qsl(slash_command("/license", "help", user_id=STRANGER)[0].decode()))
command_texts = st.sampled_from(["", "help", "request", "request figma", "request nosuch"])


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    children = value.items() if isinstance(value, dict) else enumerate(value)
    for key, child in children:
        yield (*prefix, key)
        if isinstance(child, dict | list):
            yield from _paths(child, (*prefix, key))


def _apply(payload: Any, path: tuple[Any, ...], edit: Any) -> None:
    """Set or delete the value at `path`, unless an earlier edit removed its parent."""
    parent = payload
    for key in path[:-1]:
        if not _holds(parent, key):
            return
        parent = parent[key]
    if not _holds(parent, path[-1]):
        return
    if edit == DELETE:
        del parent[path[-1]]
    else:
        parent[path[-1]] = edit


def _holds(node: Any, key: Any) -> bool:
    if isinstance(node, dict):
        return key in node
    return isinstance(node, list) and isinstance(key, int) and key < len(node)


@st.composite
def mangled(draw: st.DrawFn, bases: list[dict[str, Any]], edits: st.SearchStrategy[Any]) -> Any:
    """One of `bases` with up to three fields deleted or replaced."""
    payload = copy.deepcopy(draw(st.sampled_from(bases)))
    for path in draw(st.lists(st.sampled_from(list(_paths(payload))), max_size=3)):
        _apply(payload, path, draw(st.just(DELETE) | edits))
    return payload


def _as_body(payload: Any) -> tuple[bytes, str]:
    """Interactions as Slack sends them (a form's `payload`), everything else as JSON."""
    if isinstance(payload, dict) and payload.get("type") in ("block_actions", "view_submission"):
        return urlencode({"payload": json.dumps(payload)}).encode(), FORM
    return json.dumps(payload).encode(), JSON


interactions = mangled(INTERACTIONS, json_values).map(_as_body)
commands = st.builds(
    lambda fields, text: (urlencode(fields | {"text": text}).encode(), FORM),
    mangled([COMMAND], st.text(max_size=20)),
    command_texts | st.text(max_size=30),
)
json_bodies = json_values.map(lambda value: (json.dumps(value).encode(), JSON))
form_bodies = st.dictionaries(keys, st.text(max_size=20), max_size=6).map(
    lambda fields: (urlencode(fields).encode(), FORM)
)
payload_fields = json_values.map(
    lambda value: (urlencode({"payload": json.dumps(value)}).encode(), FORM)
)
any_body = interactions | commands | json_bodies | form_bodies | payload_fields


@pytest.fixture(scope="module")
def shared_world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """One running app for all the examples of this module, with request 1 waiting on step 1."""
    database = fresh_database_url(Path(tmp_path_factory.mktemp("properties")))
    with running_world(database) as world:
        world.request(ALICE, "figma:professional")
        world.drain()
        assert world.approvals_for(DANA)[0] and watched_rows(world)["approval_steps"]
        yield world


def watched_rows(world: World) -> dict[str, list[tuple[Any, ...]]]:
    with world.app.engine.connect() as connection:
        return {
            table.name: sorted(tuple(map(repr, row)) for row in connection.execute(table.select()))
            for table in WATCHED
        }


def deliver(world: World, body: tuple[bytes, str], headers: dict[str, str] | None = None) -> Any:
    """Post `body` signed by Slack (or with `headers` instead) and check the answer is safe."""
    content, content_type = body
    sent = headers if headers is not None else sign(content, SIGNING_SECRET)
    before = watched_rows(world)
    response = world.http.post(
        "/slack/events", content=content, headers={"Content-Type": content_type} | sent
    )
    assert response.status_code < 500, response.text[:200]
    event(f"answered {response.status_code}")
    assert "Traceback" not in response.text
    assert watched_rows(world) == before
    return response


SIGNED = {
    "any JSON value": json_bodies | payload_fields,
    "forms and slash commands": form_bodies | commands,
    "interactions with wrong or missing fields": interactions,
}


@pytest.mark.parametrize("kind", SIGNED)
@PROPERTY
@given(data=st.data())
def test_a_signed_body_is_answered_without_a_5xx_a_traceback_or_a_changed_row(
    shared_world: World, kind: str, data: st.DataObject
) -> None:
    deliver(shared_world, data.draw(SIGNED[kind], label="body"))


def _unverified(content: bytes, how: str, detail: str, skew: int) -> dict[str, str]:
    now = int(time.time())
    if how == "forged":
        return sign(content, detail or "x", now)
    if how == "stale":
        return sign(content, SIGNING_SECRET, now + skew)
    good = sign(content, SIGNING_SECRET, now)
    if how == "odd timestamp":
        return good | {"X-Slack-Request-Timestamp": detail}
    if how == "odd signature":
        return good | {"X-Slack-Signature": detail}
    missing = {"no timestamp": ["X-Slack-Request-Timestamp"], "no signature": ["X-Slack-Signature"]}
    dropped = missing.get(how, ["X-Slack-Request-Timestamp", "X-Slack-Signature"])
    return {name: value for name, value in good.items() if name not in dropped}


UNVERIFIED = (
    *("forged", "stale", "odd timestamp", "odd signature"),
    *("no timestamp", "no signature", "no signature headers"),
)
header_text = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=30)


@PROPERTY
@given(
    body=any_body,
    how=st.sampled_from(UNVERIFIED),
    detail=header_text.filter(lambda text: text != SIGNING_SECRET and not text.strip().isdigit()),
    # Ten seconds past the window: a whole-second timestamp read a moment later is not racy.
    skew=st.integers(310, 10**9) | st.integers(-(10**9), -310),
)
def test_a_forged_or_stale_request_is_always_refused_with_401_and_reaches_nothing(
    shared_world: World, body: tuple[bytes, str], how: str, detail: str, skew: int
) -> None:
    shared_world.slack.reset_calls()
    response = deliver(shared_world, body, _unverified(body[0], how, detail, skew))
    assert response.status_code == 401
    assert shared_world.slack.calls == []
