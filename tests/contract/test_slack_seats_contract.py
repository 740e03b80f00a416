"""The Slack seats connector keeps to Slack's published Web API contract.

It is driven against the one fake of Slack's Web API (`LocalSlack`) holding the OpenAPI spec's
own example members and logins, and the test checks that every
method it calls is a path of contracts/slack_web_openapi_v2.json, every argument it sends is a
documented parameter of that method, and every field it reads is in the method's response schema
or examples or in contracts/payload-shapes/web-api-responses/<method>.json.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterator
from functools import cache
from typing import Any

import httpx
import pytest

from bot.sandbox.local import LocalSlack
from connectors import slack_web
from connectors.slack_seats import SlackSeatsConnector
from tests.contracts import contracts_dir, load_json
from tests.tracing import traced, value_paths
from workflows.ports import ConnectorError

ADMIN, BOT = "xoxp-admin-user-token", "xoxb-bot-token"
# The spec is from 2020-10. Slack has documented these since, for cursor paging of
# team.billableInfo: https://docs.slack.dev/reference/methods/team.billableInfo (arguments
# cursor, limit, team_id, user; the response carries response_metadata.next_cursor).
NEWER_ARGUMENTS = {"team.billableInfo": {"cursor", "limit"}}
NEWER_FIELDS = {"team.billableInfo": {"response_metadata", "response_metadata.next_cursor"}}


@cache
def spec() -> dict[str, Any]:
    return load_json("slack_web_openapi_v2.json")


def operation(method: str) -> dict[str, Any]:
    """The spec's operation for a Web API method (listed as GET or POST)."""
    path = spec()["paths"][f"/{method}"]
    return next(iter(path.values()))


def envelope() -> set[str]:
    """Fields every recorded Web API response carries: ok and the error envelope."""
    samples = sorted((contracts_dir() / "payload-shapes" / "web-api-responses").glob("*.json"))
    return set.intersection(*(set(load_json(str(s.relative_to(contracts_dir())))) for s in samples))


def documented_fields(method: str) -> set[str]:
    """Field paths the spec (schemas and examples) and the recorded sample give for `method`."""
    found: set[str] = set()
    for response in operation(method)["responses"].values():
        found |= schema_paths(response.get("schema") or {}, "")
        for example in (response.get("examples") or {}).values():
            found |= value_paths(example)
    sample = contracts_dir() / "payload-shapes" / "web-api-responses" / f"{method}.json"
    if sample.exists():
        found |= value_paths(load_json(str(sample.relative_to(contracts_dir()))))
    return found | envelope() | NEWER_FIELDS.get(method, set())


def schema_paths(schema: dict[str, Any], prefix: str, depth: int = 0) -> set[str]:
    """Field paths a (Swagger 2) schema describes; `[]` marks array items."""
    if "$ref" in schema:
        schema = spec()["definitions"][schema["$ref"].rsplit("/", 1)[-1]]
    if depth > 12:
        return set()
    found: set[str] = set()
    for key in ("allOf", "anyOf", "oneOf"):
        for sub in schema.get(key, []):
            found |= schema_paths(sub, prefix, depth + 1)
    items = schema.get("items")
    is_array = "array" in (schema.get("type") or [])
    inner = f"{prefix}[]" if is_array else prefix  # a list without type: array = alternatives
    for sub in items if isinstance(items, list) else [items] if items else []:
        found |= schema_paths(sub, inner, depth + 1)
    for name, sub in (schema.get("properties") or {}).items():
        path = f"{prefix}.{name}" if prefix else name
        found |= {path} | schema_paths(sub, path, depth + 1)
    return found


def is_documented(read: str, fields: set[str]) -> bool:
    """A read path matches a documented one; `*` (any key of a map) matches any segment."""
    parts = read.split(".")
    return any(
        len(doc := field.split(".")) == len(parts)
        and all(p in ("*", d) for p, d in zip(parts, doc, strict=True))
        for field in fields
    )


def example_members() -> list[dict[str, Any]]:
    """The members of the spec's own users.list example."""
    body = operation("users.list")["responses"]["200"]["examples"]["application/json"]
    return list(body["members"])


@pytest.fixture
def slack() -> Iterator[LocalSlack]:
    """The one fake of Slack's Web API, holding the spec's example members (all billed), each
    with a login from the spec's team.accessLogs example."""
    workspace = LocalSlack(BOT, user_token=ADMIN)
    logins = operation("team.accessLogs")["responses"]["200"]["examples"]["application/json"]
    for member, login in zip(example_members(), itertools.cycle(logins["logins"])):
        profile = member["profile"]
        workspace.add_user(member["id"], profile.get("email"), name=member["name"], billable=True)
        workspace.log_access(member["id"], login["date_last"])
    with workspace as running:
        yield running


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> dict[str, set[str]]:
    """The fields the connector reads from each method's answers."""
    seen: dict[str, set[str]] = defaultdict(set)
    real = slack_web.json_body

    def tracing(response: httpx.Response, vendor: Any, **options: Any) -> Any:
        method = response.request.url.path.rsplit("/", 1)[-1]
        return traced(real(response, vendor, **options), "", seen[method])

    monkeypatch.setattr(slack_web, "json_body", tracing)
    return seen


def run(slack: LocalSlack) -> None:
    """List, count and check with an admin's token, then meet the bot token's refusals."""
    with httpx.Client() as client:
        seats = SlackSeatsConnector("slack", "Slack", ADMIN, client, api_url=slack.url)
        assert [seat.email for seat in seats.list_seats()]
        seats.contract()
        seats.check()
        bots = SlackSeatsConnector("slack", "Slack", BOT, client, api_url=slack.url)
        for call in (bots.list_seats, bots.check):
            with pytest.raises(ConnectorError):
                call()


def test_every_method_called_is_in_the_spec_with_only_documented_arguments(
    slack: LocalSlack,
) -> None:
    run(slack)

    called = {call.method for call in slack.calls}
    assert called == {"auth.test", "users.list", "team.billableInfo", "team.accessLogs"}
    for call in slack.calls:
        documented = {p["name"] for p in operation(call.method).get("parameters", [])}
        assert set(call.params) <= documented | NEWER_ARGUMENTS.get(call.method, set()), call
        assert call.token_in == "header"  # the token travels in the Authorization header


def test_every_field_read_is_in_the_spec_or_the_recorded_responses(
    reads: dict[str, set[str]], slack: LocalSlack
) -> None:
    run(slack)

    for method, fields in reads.items():
        documented = documented_fields(method)
        assert [f for f in sorted(fields) if not is_documented(f, documented)] == [], method
    assert "members[].profile.email" in reads["users.list"]
    assert "billable_info.*.billing_active" in reads["team.billableInfo"]
    assert "logins[].date_last" in reads["team.accessLogs"]
    assert "needed" in reads["team.billableInfo"]


def test_the_error_envelope_is_common_to_every_recorded_response() -> None:
    assert {"ok", "error", "needed", "provided"} <= envelope()
