"""Build the connector for each app in the catalog: the one place that reads vendor secrets."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import httpx

from connectors.manual import ManualConnector
from connectors.scim import ScimConnector
from workflows.catalog import AppConfig, CsvConnector
from workflows.catalog import ScimConnector as ScimConfig
from workflows.ports import Connector, ConnectorError


def build_connector(app: AppConfig, *, client: httpx.Client, env: Mapping[str, str]) -> Connector:
    """The connector an app's config asks for, with its secret read from `env`."""
    config = app.connector
    if isinstance(config, ScimConfig):
        return ScimConnector(
            app.key,
            app.name,
            config.base_url,
            _secret(app, config.token_env, env),
            client,
            config.tiers_as,
            token_env=config.token_env,
            tiers=[tier.key for tier in app.tiers],
            timeout=config.timeout_seconds,
        )
    kind = "csv" if isinstance(config, CsvConnector) else "manual"
    return ManualConnector(app.key, app.name, kind=kind)


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


def _secret(app: AppConfig, name: str, env: Mapping[str, str]) -> str:
    value = env.get(name, "").strip()
    if not value:
        raise ConnectorError(
            f"{app.name}: the environment variable {name} is not set; "
            f"put the SCIM token for {app.name} ({app.key}) in it"
        )
    return value
