"""The fake Google and the connector speak only what Google's discovery documents describe.

Three checks against `google_licensing-v1.json`, `google_admin-directory_v1.json` and
`google_admin-reports_v1.json`: every route the fake serves is a method with that HTTP method,
flat path and a scope the fake demands; every field the fake serves or the connector reads is in
the named schema (nested fields too, as "parent.child"); and every request the connector makes
(recorded while it runs against the fake) is a documented method, on a documented host, with
documented path, query and body fields, required query parameters present, enum, range and
pattern limits kept, and `fields` selectors naming real fields. Usage parameter names are not in
the discovery document: the connector's must be ones the fake knows from Google's reference.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from connectors.google_workspace import READS, from_config
from connectors.registry import REGISTRY
from tests.contracts import load_json
from tests.fakes.google import (
    NEEDS,
    ROUTES,
    SHAPES,
    USAGE_PARAMETERS,
    FakeGoogle,
    Route,
    service_account,
)
from workflows.catalog import AppConfig
from workflows.ports import Assignee

DOCUMENTS = (
    "google_licensing-v1.json",
    "google_admin-directory_v1.json",
    "google_admin-reports_v1.json",
)
# Google's older guides (and the config's default api_url) serve the Admin SDK from here too.
SHARED_HOST = "www.googleapis.com"
Doc = dict[str, Any]


@functools.cache
def documents() -> dict[str, Doc]:
    """Each discovery document by "name:version", e.g. "licensing:v1"."""
    loaded = [load_json(name) for name in DOCUMENTS]
    return {f"{doc['name']}:{doc['version']}": doc for doc in loaded}


def methods(resources: dict[str, Any]) -> Iterator[Doc]:
    """Every method of a discovery document, nested resources included."""
    for resource in resources.values():
        yield from resource.get("methods", {}).values()
        yield from methods(resource.get("resources", {}))


def method_by_id(api: str, method_id: str) -> Doc:
    return next(m for m in methods(documents()[api]["resources"]) if m["id"] == method_id)


def schema(name: str) -> tuple[Doc, Doc]:
    """The document that defines schema `name`, and the schema."""
    found = [(doc, doc["schemas"][name]) for doc in documents().values() if name in doc["schemas"]]
    assert len(found) == 1, f"schema {name} is defined in {len(found)} discovery documents"
    return found[0]


def item_schema(doc: Doc, prop: Doc) -> Doc | None:
    """The schema a property refers to, directly or as the items of an array."""
    ref = prop.get("$ref") or prop.get("items", {}).get("$ref")
    return doc["schemas"][ref] if ref else None


def missing(doc: Doc, found: Doc, fields: tuple[str, ...]) -> set[str]:
    """The fields ("a" or nested "a.b") that schema `found` does not have."""
    return {name for name in fields if not has_field(doc, found, name)}


def has_field(doc: Doc, found: Doc, path: str) -> bool:
    name, _, rest = path.partition(".")
    prop = found.get("properties", {}).get(name)
    if prop is None or not rest:
        return prop is not None
    inner = item_schema(doc, prop) or prop.get("items") or prop  # a $ref, or inline
    return has_field(doc, inner, rest)


@pytest.mark.parametrize("route", ROUTES, ids=lambda route: route.method_id)
def test_every_route_the_fake_serves_is_a_documented_method_and_path(route: Route) -> None:
    method = method_by_id(route.api, route.method_id)

    assert method["httpMethod"] == route.http_method
    assert method.get("flatPath", method["path"]) == route.path
    assert NEEDS[route.api] in method["scopes"]


def test_every_field_the_fake_serves_is_in_the_documented_schema() -> None:
    for api, shapes in SHAPES.items():
        doc = documents()[api]
        for name, fields in shapes.items():
            assert not missing(doc, doc["schemas"][name], fields), f"{api} {name}"


def test_every_field_the_connector_reads_is_in_the_documented_schema() -> None:
    for name, fields in READS.items():
        doc, found = schema(name)
        assert not missing(doc, found, fields), f"{name}: {missing(doc, found, fields)}"


def test_the_usage_parameters_the_connector_asks_for_are_documented_ones() -> None:
    usage = [r for r in run_the_connector() if "/admin/reports/" in r.url.path]

    asked = {name for r in usage for name in r.url.params["parameters"].split(",")}

    assert usage and asked <= set(USAGE_PARAMETERS), asked - set(USAGE_PARAMETERS)


def test_every_request_the_connector_makes_is_documented_with_its_parameters_and_body() -> None:
    requests = [r for r in run_the_connector() if r.url.path != "/token"]

    seen = {check_request(request) for request in requests}

    assert seen == {
        "licensing.licenseAssignments.listForProductAndSku",
        "licensing.licenseAssignments.get",
        "licensing.licenseAssignments.insert",
        "licensing.licenseAssignments.patch",
        "licensing.licenseAssignments.delete",
        "directory.users.list",
        "reports.userUsageReport.get",
    }


def run_the_connector() -> list[httpx.Request]:
    """Drive every operation, with both kinds of customer id, and return what was sent."""
    clock = lambda: dt.datetime(2025, 3, 14, 12, 0, tzinfo=dt.UTC)  # noqa: E731
    google = FakeGoogle(now=clock, report_lag=3)  # so that the connector steps back a day
    for n in range(5):
        google.give(f"user{n}@example.com", "1010020027", "2025-03-01T09:00:00.000Z")
        google.use(
            f"user{n}@example.com", "drive:timestamp_last_active_usage", "2025-03-09T10:00:00Z"
        )
    google.add_user("ann@example.com")
    ann = Assignee("ann@example.com")
    env = {"GWS_KEY": service_account().json}
    with httpx.Client(transport=google.transport()) as client:
        for customer in ("my_customer", "example.com"):
            app = google_app(customer)
            gws = from_config(app, app.connector, client=client, env=env, now=clock)
            gws.check()
            gws.list_seats()
            gws.assign(ann, "starter")
            gws.assign(ann, "starter")
            gws.change_tier(ann, "standard")
            gws.revoke(ann)
    return google.requests


def google_app(customer_id: str) -> AppConfig:
    connector = {
        "type": "google_workspace",
        "customer_id": customer_id,
        "product_id": "Google-Apps",
        "skus": {"starter": "1010020027", "standard": "1010020028"},
        "credentials_env": "GWS_KEY",
        "subject": "admin@example.com",
    }
    tiers = [{"key": "starter", "name": "Starter"}, {"key": "standard", "name": "Standard"}]
    return REGISTRY.app_model.model_validate(
        {"key": "gws", "name": "Google Workspace", "tiers": tiers, "connector": connector}
    )


def check_request(request: httpx.Request) -> str:
    """Assert one request is a documented call; return the method id it matched."""
    matches = [
        (doc, method)
        for doc in documents().values()
        for method in methods(doc["resources"])
        if method["httpMethod"] == request.method and _matches(method, request.url.path)
    ]
    assert len(matches) == 1, f"{request.method} {request.url.path} matches {len(matches)}"
    doc, method = matches[0]
    hosts = (urlsplit(doc["rootUrl"]).hostname, SHARED_HOST)
    assert request.url.host in hosts, f"{method['id']} sent to {request.url.host}"
    check_query(doc, method, request.url.params)
    if request.content:
        body = json.loads(request.content)
        request_schema = doc["schemas"][method["request"]["$ref"]]
        assert set(body) <= set(request_schema["properties"]), f"{method['id']} body {body}"
    return str(method["id"])


def check_query(doc: Doc, method: Doc, query: httpx.QueryParams) -> None:
    parameters = {**doc["parameters"], **method.get("parameters", {})}
    for name, value in query.multi_items():
        spec = parameters.get(name)
        assert spec is not None and spec["location"] == "query", f"{method['id']}: {name}"
        assert value in spec.get("enum", [value]), f"{method['id']}: {name}={value}"
        assert re.fullmatch(spec.get("pattern", ".*"), value), f"{method['id']}: {name}={value}"
        if "minimum" in spec or "maximum" in spec:
            low, high = int(spec.get("minimum", value)), int(spec.get("maximum", value))
            assert low <= int(value) <= high, f"{method['id']}: {name}={value}"
        if name == "fields":
            check_selector(doc, doc["schemas"][method["response"]["$ref"]], value)
    for name, spec in method.get("parameters", {}).items():
        if spec["location"] == "query" and spec.get("required"):
            assert name in query, f"{method['id']} needs {name}"


def check_selector(doc: Doc, response: Doc, selector: str) -> None:
    """Each field a partial-response selector names exists, nested ones in their item schema."""
    for found in re.finditer(r"(\w+)(?:\(([^)]*)\))?", selector):
        name, nested = found.group(1), found.group(2)
        assert name in response["properties"], f"fields={selector}: {name}"
        if nested:
            inner = item_schema(doc, response["properties"][name])
            assert inner is not None, f"fields={selector}: {name} has no item schema"
            for field in nested.split(","):
                assert field in inner["properties"], f"fields={selector}: {field}"


def _matches(method: Doc, path: str) -> bool:
    """Whether `path` is the method's flat path, each path parameter within its pattern."""
    template = re.escape(method.get("flatPath", method["path"]))
    found = re.fullmatch("/" + re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", template), path)
    specs = method.get("parameters", {})
    return found is not None and all(
        re.fullmatch(specs[name].get("pattern", ".*"), value)
        for name, value in found.groupdict().items()
    )
