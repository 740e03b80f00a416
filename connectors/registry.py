"""Build the connector for each app in the catalog from its `connector:` config.

Each vendor module offers `from_config(app, config, *, client, env)`; this table is the only
place that knows them all.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

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
from workflows.catalog import AppConfig
from workflows.ports import Connector, ConnectorError

Builder = Callable[..., Connector]
BUILDERS: dict[str, Builder] = {
    "manual": manual.from_config,
    "csv": manual.from_config,
    "scim": scim.from_config,
    "google_workspace": google_workspace.from_config,
    "github_copilot": github_copilot.from_config,
    "slack": slack_seats.from_config,
    "okta": okta.from_config,
    "microsoft365": microsoft365.from_config,
}


def build_connector(app: AppConfig, *, client: httpx.Client, env: Mapping[str, str]) -> Connector:
    """The connector an app's config asks for, with its secret read from `env`."""
    config: Any = app.connector
    builder = BUILDERS.get(config.type)
    if builder is None:
        raise ConnectorError(f"{app.name}: no connector of type {config.type!r} is available")
    return builder(app, config, client=client, env=env)


def build_registry(
    apps: Iterable[AppConfig], *, client: httpx.Client, env: Mapping[str, str]
) -> dict[str, Connector]:
    """Connectors for every app, keyed by app key; one error lists every missing secret."""
    registry: dict[str, Connector] = {}
    problems: list[str] = []
    for app in apps:
        try:
            registry[app.key] = build_connector(app, client=client, env=env)
        except ConnectorError as exc:
            problems.append(str(exc))
    if problems:
        raise ConnectorError("; ".join(problems))
    return registry
