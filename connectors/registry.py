"""The connector types a config may name: one entry per type, naming its config model and builder.

Adding a vendor is one connector module (its config model, a `ConnectorConfig` subclass whose
`type` is the entry's name, and its builder `from_config(app, config, *, client, env)`) and one
entry here. The config loader reads each app's `connector:` into the model its `type` names
(`Registry.config_model`), and `build_registry` builds each app's connector with its builder.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import get_args

import httpx

from connectors import (
    github_copilot,
    google_workspace,
    manual,
    microsoft365,
    okta,
    scim,
    slack_seats,
)
from connectors.directories import DirectoryConfig
from connectors.unavailable import UnavailableConnector
from workflows.catalog import AppConfig, ConnectorConfig, Directory, app_model, config_model
from workflows.ports import Connector, ConnectorError

Builder = Callable[..., Connector]  # (app, its connector config, *, client, env) -> Connector


@dataclass(frozen=True)
class ConnectorType:
    """One kind of connector: the model its settings are read into, and what builds it."""

    config: type[ConnectorConfig]
    build: Builder


class Registry:
    """Connector types by name, and the config model that reads apps with them."""

    def __init__(
        self, types: Mapping[str, ConnectorType], *, directory: type[Directory] = DirectoryConfig
    ) -> None:
        for name, kind in types.items():
            tags = get_args(kind.config.model_fields["type"].annotation)
            if tags != (name,):
                raise ValueError(f"connector type {name}: {kind.config.__name__} reads {tags}")
        self.types = dict(types)
        self.directory = directory
        self.app_model = app_model([kind.config for kind in self.types.values()])
        self.config_model = config_model(self.app_model, directory)

    def names(self) -> list[str]:
        """Every type a config may name, in alphabetical order."""
        return sorted(self.types)

    def with_type(self, name: str, kind: ConnectorType) -> Registry:
        """This registry with one more connector type."""
        return Registry({**self.types, name: kind}, directory=self.directory)


REGISTRY = Registry(
    {
        "manual": ConnectorType(manual.ManualConfig, manual.from_config),
        "csv": ConnectorType(manual.CsvConfig, manual.from_config),
        "scim": ConnectorType(scim.ScimConfig, scim.from_config),
        "google_workspace": ConnectorType(
            google_workspace.GoogleWorkspaceConfig, google_workspace.from_config
        ),
        "microsoft365": ConnectorType(microsoft365.Microsoft365Config, microsoft365.from_config),
        "github_copilot": ConnectorType(
            github_copilot.GitHubCopilotConfig, github_copilot.from_config
        ),
        "okta": ConnectorType(okta.OktaConfig, okta.from_config),
        "slack": ConnectorType(slack_seats.SlackSeatsConfig, slack_seats.from_config),
    }
)


def build_connector(
    app: AppConfig,
    *,
    client: httpx.Client,
    env: Mapping[str, str],
    registry: Registry = REGISTRY,
) -> Connector:
    """The connector an app's config asks for, with its secret read from `env`."""
    kind = registry.types.get(app.connector.type)
    if kind is None:
        raise ConnectorError(
            f"{app.name}: no connector of type {app.connector.type!r} is available"
        )
    return kind.build(app, app.connector, client=client, env=env)


def build_registry(
    apps: Iterable[AppConfig],
    *,
    client: httpx.Client,
    env: Mapping[str, str],
    registry: Registry = REGISTRY,
) -> dict[str, Connector]:
    """Connectors for every app, keyed by app key; an app whose connector cannot be built
    (a missing or malformed secret) gets an `UnavailableConnector` saying why."""
    connectors: dict[str, Connector] = {}
    for app in apps:
        try:
            connectors[app.key] = build_connector(app, client=client, env=env, registry=registry)
        except ConnectorError as exc:
            connectors[app.key] = UnavailableConnector(str(exc))
    return connectors
