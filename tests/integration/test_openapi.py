"""The OpenAPI document: valid, every API endpoint with its parameters, answers and bearer auth."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from openapi_spec_validator import validate

from tests.integration.rest_api import Served, serve
from workflows.reports import FILTERS, KINDS, Filters, report

PAGE = {"seats": "SeatPage", "spend": "SpendPage", "renewals": "RenewalPage"}
PAGE |= {"requests": "RequestPage", "reclaims": "ReclaimPage", "audit": "AuditPage"}


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    # The document depends on no data: one app on an empty SQLite file serves every test here.
    with serve(f"sqlite:///{tmp_path_factory.mktemp('openapi') / 'api.db'}") as running:
        yield running


@pytest.fixture(scope="module")
def document(served: Served) -> dict[str, Any]:
    answer = served.http.get("/openapi.json")
    assert answer.status_code == 200
    return answer.json()


def schema(document: dict[str, Any], ref: str) -> dict[str, Any]:
    return document["components"]["schemas"][ref.rsplit("/", 1)[-1]]


def test_the_document_is_valid_openapi(document: dict[str, Any]) -> None:
    validate(document)

    assert document["openapi"].startswith("3.")


def test_it_lists_every_api_endpoint_and_nothing_for_slack_or_health_checks(
    document: dict[str, Any],
) -> None:
    assert set(document["paths"]) == {f"/api/v1/{kind}" for kind in KINDS}
    assert all(list(operations) == ["get"] for operations in document["paths"].values())


def test_every_endpoint_needs_the_bearer_scheme(document: dict[str, Any]) -> None:
    scheme = document["components"]["securitySchemes"]["bearerAuth"]

    assert (scheme["type"], scheme["scheme"]) == ("http", "bearer")
    for operations in document["paths"].values():
        assert operations["get"]["security"] == [{"bearerAuth": []}]


@pytest.mark.parametrize("kind", KINDS)
def test_each_endpoint_takes_its_reports_filters_and_paging_and_nothing_else(
    document: dict[str, Any], kind: str
) -> None:
    operation = document["paths"][f"/api/v1/{kind}"]["get"]

    names = {parameter["name"] for parameter in operation["parameters"]}
    assert names == {*FILTERS[kind], "limit", "cursor"}
    assert all(parameter["in"] == "query" for parameter in operation["parameters"])
    assert operation["operationId"] == kind


@pytest.mark.parametrize("kind", KINDS)
def test_each_endpoint_answers_200_with_its_page_or_400_or_401_with_an_error(
    document: dict[str, Any], kind: str
) -> None:
    responses = document["paths"][f"/api/v1/{kind}"]["get"]["responses"]

    assert set(responses) == {"200", "400", "401"}
    assert responses["200"]["content"]["application/json"]["schema"]["$ref"].endswith(PAGE[kind])
    for status in ("400", "401"):
        ref = responses[status]["content"]["application/json"]["schema"]["$ref"]
        assert schema(document, ref)["required"] == ["error"]
    assert "WWW-Authenticate" in responses["401"]["headers"]


@pytest.mark.parametrize("kind", KINDS)
def test_each_item_has_its_reports_columns_in_order_with_amounts_as_strings(
    served: Served, document: dict[str, Any], kind: str
) -> None:
    with served.app.runner.uow() as uow:
        empty = report(kind, Filters(), uow=uow, config=served.app.config, now=served.clock.now())
    page = schema(document, PAGE[kind])
    item = schema(document, page["properties"]["items"]["items"]["$ref"])

    assert list(item["properties"]) == list(empty.columns)
    assert set(page["required"]) == {"items", "next", "total"}
    for column in empty.money:
        texts = item["properties"][column].get("anyOf", [item["properties"][column]])
        assert texts[0]["type"] == "string" and texts[0]["pattern"]


def test_the_interactive_docs_are_served_from_the_document(served: Served) -> None:
    answer = served.http.get("/docs")

    assert answer.status_code == 200
    assert "/openapi.json" in answer.text
