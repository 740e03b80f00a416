"""A connector type is one config model and builder plus one registry entry, and nothing else."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Literal

import httpx
import pytest

from bot.config.loader import ConfigError, parse_config
from connectors.credentials import read_secret
from connectors.registry import REGISTRY, ConnectorType, Registry, build_connector
from workflows.catalog import AppConfig, ConnectorConfig
from workflows.ports import Assignee, ContractFigures, NotSupported, SeatRecord

APP = """\
apps:
  - key: desk
    name: Service Desk
    tiers: [{key: agent, name: Agent}]
"""


class DeskConfig(ConnectorConfig):
    """A made-up vendor: seats are agents of one queue."""

    type: Literal["desk"]
    queue: str
    token_env: str


class DeskConnector:
    """Knows its queue and token; reads no seats and leaves writes to IT."""

    manual: bool = False

    def __init__(self, queue: str, token: str) -> None:
        self.queue = queue
        self.token = token

    def list_seats(self) -> list[SeatRecord]:
        return []

    def assign(self, who: Assignee, tier: str) -> None:
        raise NotSupported("by hand")

    def revoke(self, who: Assignee) -> None:
        raise NotSupported("by hand")

    def change_tier(self, who: Assignee, tier: str) -> None:
        raise NotSupported("by hand")

    def contract(self) -> ContractFigures | None:
        return None

    def check(self) -> str:
        return f"desk queue {self.queue}"


def desk_from_config(
    app: AppConfig, config: DeskConfig, *, client: httpx.Client, env: Mapping[str, str]
) -> DeskConnector:
    return DeskConnector(config.queue, read_secret(app, config.token_env, env, "desk token"))


DESK = REGISTRY.with_type("desk", ConnectorType(DeskConfig, desk_from_config))


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client() as client:
        yield client


def problems(text: str, registry: Registry = REGISTRY) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse_config(text, source="seatkeeper.yml", env={"DESK_TOKEN": "t"}, registry=registry)
    return [str(problem) for problem in caught.value.problems]


def test_a_type_added_to_a_registry_is_read_from_a_config_and_built(client: httpx.Client) -> None:
    text = APP + "    connector: {type: desk, queue: IT, token_env: DESK_TOKEN}\n"
    env = {"DESK_TOKEN": "desk-secret"}

    config = parse_config(text, source="seatkeeper.yml", env=env, registry=DESK)
    desk = config.app("desk")
    assert desk is not None and desk.connector == DeskConfig(
        type="desk", queue="IT", token_env="DESK_TOKEN"
    )
    connector = build_connector(desk, client=client, env=env, registry=DESK)

    assert isinstance(connector, DeskConnector)
    assert (connector.queue, connector.token) == ("IT", "desk-secret")
    assert connector.check() == "desk queue IT"


def test_an_added_type_is_refused_where_the_registry_does_not_have_it() -> None:
    text = APP + "    connector: {type: desk, queue: IT, token_env: DESK_TOKEN}\n"

    (found,) = problems(text)

    where = "seatkeeper.yml:5: apps[desk].connector"
    assert found.startswith(f"{where}: unknown type 'desk'; use one of")


def test_the_settings_of_an_added_type_are_checked_with_file_and_line() -> None:
    text = APP + "    connector:\n      type: desk\n      token_env: DESK_TOKEN\n"
    text += "      colour: red\n"

    assert problems(text, DESK) == [
        "seatkeeper.yml:5: apps[desk].connector: missing required key 'queue'",
        "seatkeeper.yml:8: apps[desk].connector: unknown key 'colour'; allowed keys: type, queue, "
        "token_env",
    ]


def test_a_connector_without_a_type_is_told_every_type_the_registry_knows() -> None:
    text = APP + "    connector: {queue: IT}\n"

    assert problems(text) == [
        "seatkeeper.yml:5: apps[desk].connector: needs a 'type' key (csv, github_copilot, "
        "google_workspace, manual, microsoft365, okta, scim, slack)"
    ]
    assert problems(text, DESK) == [
        "seatkeeper.yml:5: apps[desk].connector: needs a 'type' key (csv, desk, github_copilot, "
        "google_workspace, manual, microsoft365, okta, scim, slack)"
    ]


def test_a_registry_entry_must_be_named_as_its_model_reads_it() -> None:
    with pytest.raises(ValueError, match="connector type helpdesk: DeskConfig reads"):
        REGISTRY.with_type("helpdesk", ConnectorType(DeskConfig, desk_from_config))
