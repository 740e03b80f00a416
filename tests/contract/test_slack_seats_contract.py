"""The Slack seats connector keeps to Slack's published Web API contract.

It is driven against Slack's own documented examples (the OpenAPI spec's response examples,
re-keyed so the example members are also the billable ones), and the test checks that every
method it calls is a path of contracts/slack_web_openapi_v2.json, every argument it sends is a
documented parameter of that method, and every field it reads is in the method's response schema
or examples or in contracts/payload-shapes/web-api-responses/<method>.json.
"""

from __future__ import annotations

import copy
from collections import defaultdict
from functools import cache
from typing import Any

import httpx
import pytest

from connectors import slack_web
from connectors.slack_seats import SlackSeatsConnector
from tests.contracts import contracts_dir, load_json
from tests.tracing import traced, value_paths
from workflows.ports import ConnectorError

API = "https://slack.test/api/"
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


class DocumentedSlack:
    """Answers each method with the spec's own example; `failing` answers ok: false instead."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, str]]] = []
        self.failing = False

    def handle(self, request: httpx.Request) -> httpx.Response:
        method = request.url.path.rsplit("/", 1)[-1]
        params = dict(request.url.params)
        self.calls.append((method, params))
        if self.failing:
            error = {"ok": False, "error": "missing_scope", "needed": "admin", "provided": "x"}
            return httpx.Response(200, json=error)
        body = self.example(method)
        if "cursor" in params:
            body["response_metadata"] = {"next_cursor": ""}
        return httpx.Response(200, json=body)

    def example(self, method: str) -> dict[str, Any]:
        body = copy.deepcopy(operation(method)["responses"]["200"]["examples"]["application/json"])
        members = [m["id"] for m in self.example_members()]
        if method == "team.billableInfo":
            infos = list(body["billable_info"].values())
            body["billable_info"] = dict(zip(members, infos, strict=False))
            body["response_metadata"] = {"next_cursor": "dXNlcjpVMEc5V0ZYTlo="}
        if method == "team.accessLogs":
            for login, user_id in zip(body["logins"], members, strict=False):
                login["user_id"] = user_id
        return body

    def example_members(self) -> list[dict[str, Any]]:
        return operation("users.list")["responses"]["200"]["examples"]["application/json"][
            "members"
        ]


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


def run(slack: DocumentedSlack) -> None:
    """List, count and check against the examples, then meet an error from every method."""
    with httpx.Client(transport=httpx.MockTransport(slack.handle)) as client:
        seats = SlackSeatsConnector("slack", "Slack", "xoxp-token", client, api_url=API)
        assert [seat.email for seat in seats.list_seats()]
        seats.contract()
        seats.check()
        slack.failing = True
        for call in (seats.list_seats, seats.check):
            with pytest.raises(ConnectorError):
                call()


def test_every_method_called_is_in_the_spec_with_only_documented_arguments() -> None:
    slack = DocumentedSlack()
    run(slack)

    called = {method for method, _ in slack.calls}
    assert called == {"auth.test", "users.list", "team.billableInfo", "team.accessLogs"}
    for method, params in slack.calls:
        documented = {p["name"] for p in operation(method).get("parameters", [])}
        assert set(params) <= documented | NEWER_ARGUMENTS.get(method, set()), method
        assert "token" not in params  # the token travels in the Authorization header


def test_every_field_read_is_in_the_spec_or_the_recorded_responses(
    reads: dict[str, set[str]],
) -> None:
    run(DocumentedSlack())

    for method, fields in reads.items():
        documented = documented_fields(method)
        assert [f for f in sorted(fields) if not is_documented(f, documented)] == [], method
    assert "members[].profile.email" in reads["users.list"]
    assert "billable_info.*.billing_active" in reads["team.billableInfo"]
    assert "logins[].date_last" in reads["team.accessLogs"]
    assert "needed" in reads["team.billableInfo"]


def test_the_error_envelope_is_common_to_every_recorded_response() -> None:
    assert {"ok", "error", "needed", "provided"} <= envelope()
