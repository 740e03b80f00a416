"""The fake Okta, and what the Okta connector and directory send and read, match Okta's spec.

The spec is Okta's Management OpenAPI (`contracts/okta_management-oneOfInheritance-…yaml`).
A scripted session drives the connector and the directory source against the fake; then every
recorded exchange is walked against the operation it hit:

- the route (method + path template) is an operation of the spec;
- every query parameter sent is a parameter of that operation;
- every field of every JSON request body is a property of the operation's request schema;
- every field of every answer is a property of the response schema for its status (error
  statuses the operation does not list are checked against `Error`), enum values included.

Schemas are resolved through `$ref`, `allOf`, `oneOf` and `anyOf`; a field is allowed only if
some branch names it or allows `additionalProperties` (absent counts as "no extra fields", so
an invented field fails). Not checkable here: the `X-Rate-Limit-*` headers, which the spec does
not describe (they are in Okta's rate-limit guide), and the `Link` header beyond the `after`
parameter's description.
"""

from __future__ import annotations

import functools
from typing import Any

import pytest
import yaml

from connectors.http import Vendor
from connectors.okta import OktaConnector
from connectors.okta_api import OktaApi
from connectors.okta_directory import OktaDirectory
from tests.contracts import contract_path
from tests.fakes.okta import APP_ID, BASE_URL, OKTA_TOKEN, ROUTES, FakeOkta, Recorded
from workflows.ports import Assignee, ConnectorError

SPEC_FILE = "okta_management-oneOfInheritance-noExamples.yaml"
Schema = dict[str, Any]
# What the connector and the directory read, by spec schema (dotted property paths).
READS = {
    "User": [
        "id",
        "status",
        "created",
        "lastLogin",
        "profile.email",
        "profile.login",
        "profile.firstName",
        "profile.lastName",
        "profile.displayName",
        "profile.department",
        "profile.managerId",
        "profile.manager",
    ],
    "AppUser": ["id", "scope", "created", "profile", "credentials.userName", "_embedded"],
    "Application": ["id", "label", "status"],
    "Error": ["errorCode", "errorSummary"],
}
SENT_PARAMS = {"limit", "after", "expand", "search", "filter"}
TYPES = {"string": str, "integer": int, "boolean": bool, "array": list, "object": dict}


@functools.cache
def spec() -> Schema:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with contract_path(SPEC_FILE).open(encoding="utf-8") as file:
        return yaml.load(file, Loader=loader)


def follow(node: Schema) -> Schema:
    """`node` with every `$ref` followed."""
    while isinstance(node, dict) and "$ref" in node:
        target: Any = spec()
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def choices(schema: Schema, value: Any, seen: frozenset[str]) -> list[Schema]:
    """The oneOf/anyOf alternatives of a schema; only the one a discriminator names, if any.

    A subtype is `allOf: [Base, …]` and Base carries the discriminator again, so an alternative
    already on the way here (`seen`) is not taken twice.
    """
    options = [*(schema.get("oneOf") or []), *(schema.get("anyOf") or [])]
    discriminator = schema.get("discriminator") or {}
    name, mapping = discriminator.get("propertyName"), discriminator.get("mapping") or {}
    if isinstance(value, dict) and name and value.get(name) in mapping:
        options = [{"$ref": mapping[value[name]]}]
    return [option for option in options if option.get("$ref") not in seen]


def refs(node: Schema, seen: frozenset[str]) -> frozenset[str]:
    return seen | {node["$ref"]} if "$ref" in node else seen


def branches(schema: Schema, value: Any = None, seen: frozenset[str] = frozenset()) -> list[Schema]:
    """The schema and, recursively, every allOf and (chosen) oneOf/anyOf branch of it."""
    seen, schema = refs(schema, seen), follow(schema)
    found = [schema]
    for branch in [*(schema.get("allOf") or []), *choices(schema, value, seen)]:
        found += branches(branch, value, seen)
    return found


def fits(schema: Schema, value: Any, seen: frozenset[str] = frozenset()) -> bool:
    """True when `value` has the schema's type and enum (allOf: all; oneOf/anyOf: one)."""
    seen, schema = refs(schema, seen), follow(schema)
    kind = TYPES.get(str(schema.get("type")))
    if kind is not None and not isinstance(value, kind):
        return False
    if "enum" in schema and value not in schema["enum"]:
        return False
    if not all(fits(branch, value, seen) for branch in schema.get("allOf") or []):
        return False
    options = choices(schema, value, seen)
    return not options or any(fits(option, value, seen) for option in options)


def component(name: str) -> Schema:
    return spec()["components"]["schemas"][name]


class Walker:
    """Collects every field of a value that its schema does not document, and bad values."""

    def __init__(self, embedded: dict[str, Schema] | None = None) -> None:
        self.embedded = embedded or {}
        self.problems: list[str] = []

    def walk(self, schema: Schema, value: Any, where: str) -> None:
        """Check `value` against `schema`, noting problems under the name `where`."""
        self._check([schema], value, where)

    def _check(self, alternatives: list[Schema], value: Any, where: str) -> None:
        if value is None:
            return
        if not any(fits(alternative, value) for alternative in alternatives):
            self.problems.append(f"{where}: {value!r} has the wrong type or is not in the enum")
        parts = [part for alternative in alternatives for part in branches(alternative, value)]
        if isinstance(value, dict):
            self._object(parts, value, where)
        elif isinstance(value, list):
            items = [part["items"] for part in parts if "items" in part]
            for n, item in enumerate(value):
                self._check(items or [{}], item, f"{where}[{n}]")

    def _object(self, parts: list[Schema], value: dict[str, Any], where: str) -> None:
        properties: dict[str, list[Schema]] = {}
        extra: list[Schema] = []
        for part in parts:
            for key, sub in (part.get("properties") or {}).items():
                properties.setdefault(key, []).append(sub)
            more = part.get("additionalProperties")
            if more is True:
                extra.append({})
            elif isinstance(more, dict):
                extra.append(more)
        for key, item in value.items():
            at = f"{where}.{key}"
            if where.endswith("._embedded") and key in self.embedded:
                self._check([self.embedded[key]], item, at)
            elif key in properties:
                self._check(properties[key], item, at)
            elif extra:
                # A map of named things: check the value only where every branch describes it.
                if all(follow(e).get("properties") for e in extra):
                    self._check(extra, item, at)
            else:
                self.problems.append(f"{at}: not in the spec")


def operation(method: str, template: str) -> Schema:
    return spec()["paths"][template][method.lower()]


def parameter_names(method: str, template: str) -> set[str]:
    shared = spec()["paths"][template].get("parameters") or []
    own = operation(method, template).get("parameters") or []
    return {follow(p)["name"] for p in [*shared, *own] if follow(p).get("in") == "query"}


def json_schema(holder: Schema) -> Schema | None:
    content = follow(holder).get("content") or {}
    return (content.get("application/json") or {}).get("schema")


# --- the session ------------------------------------------------------------------------


def drive() -> FakeOkta:
    """Use every connector and directory operation against the fake; return what it saw."""
    okta = FakeOkta()
    okta.max_page = 1
    boss = okta.add_user("boss@acme.example", "Bea", "Boss", department="Ops")
    okta.add_user("ann@acme.example", "Ann", "Archer", managerId=boss["id"], manager="Bea Boss")
    okta.add_user("bob@acme.example", "Bob", "Baker", login="bbaker")
    okta.add_user("gone@acme.example", "Gus", "Gone", status="DEPROVISIONED")
    okta.assign(boss, role="viewer")
    vendor = Vendor("Figma", "Okta", "the API token in OKTA_TOKEN")
    with okta.client() as client:
        api = OktaApi(BASE_URL, OKTA_TOKEN, client, vendor, page_size=1, sleep=lambda _: None)
        figma = OktaConnector("Figma", api, APP_ID, tier_attribute="role")
        ann, bob = Assignee("ann@acme.example"), Assignee("bob@acme.example")
        figma.check()
        figma.assign(ann, "editor")
        figma.assign(ann, "viewer")
        figma.change_tier(ann, "editor")
        figma.assign(bob, "viewer")
        figma.list_seats()
        okta.embed_users = False
        figma.list_seats()
        figma.revoke(ann)
        figma.revoke(ann)
        directory = OktaDirectory(api)
        directory.list_people()
        directory.check()
        with pytest.raises(ConnectorError):
            figma.assign(Assignee("nobody@acme.example"), "viewer")
        for status in (500, 429):  # after a 429 the connector holds back until the reset
            okta.fail_next(status)
            with pytest.raises(ConnectorError):
                figma.check()
        wrong = OktaApi(BASE_URL, "wrong", client, vendor)
        with pytest.raises(ConnectorError):
            OktaConnector("Figma", wrong, APP_ID).check()
    return okta


@pytest.fixture(scope="module")
def exchanges() -> list[Recorded]:
    return drive().requests


# --- the checks -------------------------------------------------------------------------


@pytest.mark.parametrize(("method", "template"), ROUTES)
def test_every_route_the_fake_serves_is_an_operation_of_the_spec(
    method: str, template: str
) -> None:
    assert method.lower() in spec()["paths"].get(template, {}), f"{method} {template}"


def test_the_session_went_only_to_routes_the_fake_serves(exchanges: list[Recorded]) -> None:
    assert [f"{r.method} {r.path}" for r in exchanges if r.route is None] == []
    assert {(r.method, r.route) for r in exchanges} == set(ROUTES)
    assert {r.status for r in exchanges} == {200, 204, 401, 404, 429, 500}


def test_every_query_parameter_sent_is_a_parameter_of_its_operation(
    exchanges: list[Recorded],
) -> None:
    unknown = {
        f"{r.method} {r.route}?{name}"
        for r in exchanges
        for name in r.params
        if name not in parameter_names(r.method, str(r.route))
    }
    assert unknown == set()
    assert {name for r in exchanges for name in r.params} == SENT_PARAMS


def test_every_request_body_field_is_in_the_operations_request_schema(
    exchanges: list[Recorded],
) -> None:
    walker = Walker()
    for r in (r for r in exchanges if r.body is not None):
        schema = json_schema(operation(r.method, str(r.route))["requestBody"])
        assert schema is not None, f"{r.method} {r.route} takes no JSON body"
        walker.walk(schema, r.body, f"{r.method} {r.route} body")
    assert walker.problems == []


def test_every_answer_of_the_fake_is_in_the_response_schema_for_its_status(
    exchanges: list[Recorded],
) -> None:
    walker = Walker(embedded={"user": component("User")})
    for r in exchanges:
        responses = operation(r.method, str(r.route))["responses"]
        declared = responses.get(str(r.status))
        if declared is None:
            assert r.status >= 400, f"{r.method} {r.route} does not answer {r.status}"
            schema: Schema | None = component("Error")
        else:
            schema = json_schema(declared)
        if r.answer is None:
            assert schema is None or r.status == 204, f"{r.method} {r.route} sent no body"
            continue
        assert schema is not None, f"{r.method} {r.route} {r.status} has no JSON body"
        walker.walk(schema, r.answer, f"{r.method} {r.route} {r.status}")
    assert walker.problems == []


@pytest.mark.parametrize(("name", "field"), [(n, f) for n, fs in READS.items() for f in fs])
def test_every_field_the_connector_reads_is_in_the_spec(name: str, field: str) -> None:
    schema: Schema = component(name)
    for part in field.split("."):
        merged = {k: v for b in branches(schema) for k, v in (b.get("properties") or {}).items()}
        assert part in merged, f"{name}.{field}"
        schema = merged[part]


def test_embedding_the_user_in_app_users_is_what_expand_user_documents() -> None:
    expand = follow(spec()["components"]["parameters"]["queryAppUserExpand"])
    assert "`_embedded`" in expand["description"] and "`user`" in expand["description"]
    assert "User" in expand["description"]


def test_api_tokens_go_in_the_authorization_header_as_ssws() -> None:
    scheme = spec()["components"]["securitySchemes"]["apiToken"]
    assert (scheme["in"], scheme["name"]) == ("header", "Authorization")
    assert "SSWS" in scheme["description"]


@pytest.mark.parametrize(("method", "template"), ROUTES)
def test_every_operation_used_declares_its_rate_limit_answer(method: str, template: str) -> None:
    assert "429" in operation(method, template)["responses"]


@pytest.mark.parametrize("template", ["/api/v1/users", "/api/v1/apps/{appId}/users"])
def test_list_cursors_come_from_the_next_link(template: str) -> None:
    params = [follow(p) for p in operation("GET", template)["parameters"]]
    after = next(p for p in params if p["name"] == "after")
    assert "next" in after["description"] or "Link" in after["description"]
