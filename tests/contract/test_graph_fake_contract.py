"""The fake Graph and the connector use only names Microsoft Graph v1.0's CSDL declares.

`contracts/msgraph_v1.0_cleanMetadata.xml` is Graph's OData metadata. Every entity set, bound
action and parameter, property (with its type, inherited ones included) and `$filter` path the
fake serves or the connector sends or reads must be there, so neither can drift into fiction.
"""

from __future__ import annotations

import functools
import json
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest

from connectors.microsoft365 import (
    SIGN_IN,
    SIGN_IN_DATES,
    SKU_FIELDS,
    USER_FIELDS,
    Microsoft365Config,
    from_config,
)
from connectors.registry import REGISTRY
from tests.contracts import contract_path
from tests.fakes import graph
from tests.fakes.graph import ACTIONS, ENTITY_SETS, FILTERS, SERVED, FakeGraph
from workflows.ports import Assignee

EDM = "{http://docs.oasis-open.org/odata/ns/edm}"
NAMESPACE = "microsoft.graph"
TIERS = [{"key": "e3", "name": "E3"}, {"key": "e5", "name": "E5"}]


@dataclass(frozen=True)
class Csdl:
    """The parts of the `microsoft.graph` schema these tests look things up in."""

    types: dict[str, ET.Element]  # entity and complex types by name
    entity_sets: dict[str, str]  # entity set → entity type name
    actions: list[ET.Element]

    def properties(self, type_name: str) -> dict[str, str]:
        """Property → type of `type_name`, including those of its base types."""
        found: dict[str, str] = {}
        element: ET.Element | None = self.types[type_name]
        while element is not None:
            for prop in element.iter(f"{EDM}Property"):
                found.setdefault(prop.attrib["Name"], _short(prop.attrib["Type"]))
            base = element.attrib.get("BaseType")
            element = self.types[_short(base).removeprefix("graph.")] if base else None
        return found

    def action(self, name: str, binding: str) -> dict[str, str]:
        """Parameter → type of the action `name` bound to `binding`."""
        for action in self.actions:
            params = {
                p.attrib["Name"]: _short(p.attrib["Type"]) for p in action.iter(f"{EDM}Parameter")
            }
            if action.attrib["Name"] == name and params.get("bindingParameter") == binding:
                return {k: v for k, v in params.items() if k != "bindingParameter"}
        raise AssertionError(f"Graph has no action {name} bound to {binding}")


def _short(type_name: str) -> str:
    """`microsoft.graph.user` and `graph.user` are the same type; use the alias form."""
    return type_name.replace(f"{NAMESPACE}.", "graph.")


@functools.cache
def _load() -> Csdl:
    root = ET.parse(contract_path("msgraph_v1.0_cleanMetadata.xml")).getroot()
    schema = next(s for s in root.iter(f"{EDM}Schema") if s.attrib["Namespace"] == NAMESPACE)
    kinds = (f"{EDM}EntityType", f"{EDM}ComplexType")
    types = {e.attrib["Name"]: e for e in schema if e.tag in kinds}
    sets = {
        s.attrib["Name"]: _short(s.attrib["EntityType"]).removeprefix("graph.")
        for s in schema.iter(f"{EDM}EntitySet")
    }
    return Csdl(types, sets, [a for a in schema if a.tag == f"{EDM}Action"])


@pytest.fixture(scope="module")
def csdl() -> Csdl:
    return _load()


def _element_type(type_name: str) -> str:
    """`graph.assignedLicense` from `Collection(graph.assignedLicense)`."""
    return type_name.removeprefix("Collection(").removesuffix(")")


def test_every_entity_set_the_fake_serves_exists_with_that_entity_type(csdl: Csdl) -> None:
    for entity_set, entity_type in ENTITY_SETS.items():
        assert csdl.entity_sets.get(entity_set) == entity_type, entity_set


@pytest.mark.parametrize("type_name", sorted(SERVED))
def test_every_property_the_fake_serves_exists_with_the_declared_type(
    csdl: Csdl, type_name: str
) -> None:
    declared = csdl.properties(type_name)
    for name, kind in SERVED[type_name].items():
        assert name in declared, f"Graph's {type_name} has no property {name}"
        assert declared[name] == kind, f"{type_name}.{name} is {declared[name]}, not {kind}"


def test_every_nested_type_the_fake_serves_has_its_own_checked_field_list() -> None:
    for type_name, props in SERVED.items():
        for name, kind in props.items():
            inner = _element_type(kind)
            if inner.startswith("graph."):
                assert inner.removeprefix("graph.") in SERVED, f"{type_name}.{name}: {inner}"


@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_every_action_the_fake_accepts_has_exactly_those_parameters(
    csdl: Csdl, action: str
) -> None:
    binding, parameters = ACTIONS[action]
    assert csdl.action(action, f"graph.{binding}") == parameters


@pytest.mark.parametrize(("type_name", "path"), FILTERS)
def test_every_filter_path_the_fake_understands_walks_through_declared_properties(
    csdl: Csdl, type_name: str, path: str
) -> None:
    current = type_name
    for step in path.split("/"):
        declared = csdl.properties(current)
        assert step in declared, f"Graph's {current} has no property {step} (in {path})"
        current = _element_type(declared[step]).removeprefix("graph.")


def test_every_field_the_connector_selects_or_reads_is_served_by_the_fake() -> None:
    assert {*USER_FIELDS, SIGN_IN} <= set(SERVED["user"])
    assert set(SIGN_IN_DATES) <= set(SERVED["signInActivity"])
    assert set(SKU_FIELDS) <= set(SERVED["subscribedSku"])
    assert "enabled" in SERVED["licenseUnitsDetail"]
    assert {"skuId", "assignedByGroup", "lastUpdatedDateTime"} <= set(
        SERVED["licenseAssignmentState"]
    )


def test_the_fake_refuses_to_serve_a_name_it_has_not_declared() -> None:
    with pytest.raises(AssertionError, match="not in SERVED"):
        graph._typed("user", {"id": "1", "lastLoginDate": "2026-01-01"})


def test_everything_the_connector_sends_while_working_is_in_graphs_contract(
    csdl: Csdl, working_fake: FakeGraph
) -> None:
    user_props = csdl.properties("user")
    parameters = csdl.action("assignLicense", "graph.user")
    for request in working_fake.requests:
        if request.url.host == graph.LOGIN_HOST:
            continue
        segments = request.url.path.removeprefix("/v1.0/").split("/")
        assert segments[0] in csdl.entity_sets, request.url.path
        selected = request.url.params.get("$select")
        for name in selected.split(",") if selected else []:
            assert name in user_props or name in csdl.properties("subscribedSku"), name
        if request.method == "POST":
            assert segments[-1] == "assignLicense"
            body = json.loads(request.content)
            assert set(body) == set(parameters)
            for item in body["addLicenses"]:
                assert set(item) <= set(csdl.properties("assignedLicense"))


@pytest.fixture
def working_fake() -> Iterator[FakeGraph]:
    """A fake after the connector has listed, assigned, changed, revoked and checked."""
    fake = FakeGraph()
    fake.add_sku("ENTERPRISEPACK", 5)
    fake.add_sku("SPE_E5", 5)
    fake.add_user("ann@contoso.example", "ENTERPRISEPACK")
    fake.add_user("bob@contoso.example")
    config = {
        "type": "microsoft365",
        "tenant_id": graph.TENANT_ID,
        "client_id": graph.CLIENT_ID,
        "client_secret_env": "M365_CLIENT_SECRET",
        "skus": {"e3": "ENTERPRISEPACK", "e5": "SPE_E5"},
    }
    app = REGISTRY.app_model.model_validate(
        {"key": "m365", "name": "Microsoft 365", "connector": config, "tiers": TIERS}
    )
    assert isinstance(app.connector, Microsoft365Config)
    with httpx.Client(transport=fake.transport()) as client:
        env = {"M365_CLIENT_SECRET": graph.CLIENT_SECRET}
        connector = from_config(app, app.connector, client=client, env=env)
        bob = Assignee("bob@contoso.example")
        connector.check()
        connector.contract()
        connector.assign(bob, "e3")
        connector.change_tier(bob, "e5")
        connector.list_seats()
        connector.revoke(bob)
    yield fake
