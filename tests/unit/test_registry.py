from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from connectors.manual import ManualConnector
from connectors.registry import REGISTRY, build_connector, build_registry
from connectors.scim import ScimConnector
from connectors.unavailable import unavailable
from workflows.catalog import AppConfig
from workflows.ports import Assignee, ConnectorError, NotSupported

SCIM = {
    "type": "scim",
    "base_url": "https://scim.figma.example/v2",
    "token_env": "FIGMA_SCIM_TOKEN",
    "tiers_as": "groups",
}


def app(key: str, connector: dict[str, Any] | None = None) -> AppConfig:
    config: dict[str, Any] = {
        "key": key,
        "name": key.title(),
        "tiers": [{"key": "viewer", "name": "Viewer"}, {"key": "editor", "name": "Editor"}],
    }
    if connector is not None:
        config["connector"] = connector
    return REGISTRY.app_model.model_validate(config)


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client() as client:
        yield client


def test_an_app_without_a_connector_gets_the_manual_one(client: httpx.Client) -> None:
    connector = build_connector(app("miro"), client=client, env={})

    assert isinstance(connector, ManualConnector)
    assert connector.manual is True
    assert connector.check() == "manual: IT fulfils by hand"
    assert connector.list_seats() == []
    assert connector.contract() is None


def test_manual_writes_are_not_supported_so_they_become_it_tasks(client: httpx.Client) -> None:
    connector = build_connector(app("miro", {"type": "manual"}), client=client, env={})
    ann = Assignee("ann@example.com")

    with pytest.raises(NotSupported) as error:
        connector.assign(ann, "editor")
    assert str(error.value) == (
        "Miro: giving ann@example.com a seat on editor is fulfilled by IT by hand"
    )
    with pytest.raises(NotSupported, match="fulfilled by IT by hand"):
        connector.revoke(ann)
    with pytest.raises(NotSupported, match="fulfilled by IT by hand"):
        connector.change_tier(ann, "viewer")


def test_a_csv_app_is_fulfilled_by_hand_like_a_manual_one(client: httpx.Client) -> None:
    connector = build_connector(app("adobe", {"type": "csv"}), client=client, env={})

    assert connector.manual is True
    assert connector.check() == "csv: IT fulfils by hand"


def test_a_scim_app_gets_a_scim_connector_with_its_tiers_and_token(client: httpx.Client) -> None:
    env = {"FIGMA_SCIM_TOKEN": "tok"}

    connector = build_connector(app("figma", SCIM), client=client, env=env)

    assert isinstance(connector, ScimConnector)
    assert connector.manual is False
    assert connector.tiers == ("viewer", "editor")
    assert connector.tiers_as == "groups"


def test_a_missing_token_variable_is_a_clear_error(client: httpx.Client) -> None:
    with pytest.raises(ConnectorError) as error:
        build_connector(app("figma", SCIM), client=client, env={"FIGMA_SCIM_TOKEN": " "})

    assert str(error.value) == (
        "Figma: the environment variable FIGMA_SCIM_TOKEN is not set; "
        "put the SCIM token for Figma (figma) in it"
    )


def test_the_registry_holds_a_connector_per_app_key(client: httpx.Client) -> None:
    apps = [app("figma", SCIM), app("miro")]

    registry = build_registry(apps, client=client, env={"FIGMA_SCIM_TOKEN": "tok"})

    assert sorted(registry) == ["figma", "miro"]
    assert isinstance(registry["figma"], ScimConnector)


def test_an_app_whose_secret_is_missing_gets_a_stand_in_that_fails_with_the_reason(
    client: httpx.Client,
) -> None:
    other = {**SCIM, "token_env": "LINEAR_SCIM_TOKEN"}
    apps = [app("figma", SCIM), app("linear", other), app("miro")]

    registry = build_registry(apps, client=client, env={})

    assert sorted(registry) == ["figma", "linear", "miro"]
    reasons = unavailable(registry)
    assert len(reasons) == 2
    assert "FIGMA_SCIM_TOKEN" in reasons[0] and "LINEAR_SCIM_TOKEN" in reasons[1]
    with pytest.raises(ConnectorError, match="FIGMA_SCIM_TOKEN is not set"):
        registry["figma"].list_seats()
    with pytest.raises(ConnectorError, match="LINEAR_SCIM_TOKEN is not set"):
        registry["linear"].check()
