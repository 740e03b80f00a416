"""Vendor secrets come only from environment variables that the config names."""

from __future__ import annotations

from collections.abc import Mapping

from workflows.catalog import AppConfig
from workflows.ports import ConnectorError


def read_secret(app: AppConfig, variable: str, env: Mapping[str, str], what: str) -> str:
    """The value of `variable`, or a clear error naming the app and what belongs there."""
    value = env.get(variable, "").strip()
    if not value:
        raise ConnectorError(
            f"{app.name}: the environment variable {variable} is not set; "
            f"put the {what} for {app.name} ({app.key}) in it"
        )
    return value
