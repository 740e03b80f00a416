"""Directory sources: where people, their managers and departments, and leavers come from.

One class per ``directory.source`` of the config, each a `workflows.ports.DirectorySource`:

    okta   Okta users (``/api/v1/users``, deprovisioned ones too), managers from ``managerId``
           (`connectors.okta_directory`)
    scim   SCIM 2.0 ``/Users`` with the enterprise extension (department, manager)
           (`connectors.scim_directory`)
    slack  Slack ``users.list`` (no managers or departments; bots skipped)
           (`connectors.slack_directory`)
    csv    the people CSV (``email,name,slack_user_id,manager_email,department,active``), here

`DirectoryConfig` is what the config loader reads `directory:` into; `build_directory` picks
the source it names and reads its secret from the environment variable the config names.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Literal

import httpx
from pydantic import model_validator

from connectors.http import Vendor
from connectors.okta_api import OktaApi
from connectors.okta_directory import OktaDirectory
from connectors.scim_directory import ScimDirectory
from connectors.slack_directory import SlackDirectory
from workflows.catalog import ConfigValueError, Directory
from workflows.csvfile import decode
from workflows.people import parse_people
from workflows.ports import ConnectorError, DirectorySource, PersonRecord


class DirectoryConfig(Directory):
    """`directory:` with the sources there are; `scim` and `okta` need an API and its token."""

    source: Literal["csv", "scim", "okta", "slack", "push"] = "csv"

    @model_validator(mode="after")
    def _needs(self) -> DirectoryConfig:
        if self.source in ("scim", "okta") and not (self.base_url and self.token_env):
            raise ConfigValueError(
                "directory source {source} needs base_url and token_env", source=self.source
            )
        return self


class CsvDirectory:
    """People from the people CSV; any bad line refuses the whole file."""

    provides_org = True

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    def list_people(self) -> list[PersonRecord]:
        """Every row of the file, or a ConnectorError listing every problem (file:line)."""
        try:
            raw = self.path.read_bytes()
        except OSError as exc:
            raise ConnectorError(f"Directory (csv): cannot read {self.path}: {exc}") from exc
        text, problems = decode(raw, str(self.path))
        rows, more = ([], []) if problems else parse_people(text, str(self.path))
        problems += more
        if problems:
            listed = "; ".join(str(problem) for problem in problems)
            raise ConnectorError(f"Directory (csv): the people file has problems: {listed}")
        return [
            PersonRecord(
                email=row.email,
                name=row.name,
                slack_user_id=row.slack_user_id,
                manager_email=row.manager_email,
                department=row.department,
                active=row.active,
            )
            for row in rows
        ]

    def check(self) -> str:
        """Read and check the whole file."""
        return f"CSV directory {self.path}: {len(self.list_people())} people"


def build_directory(
    config: Directory,
    *,
    client: httpx.Client,
    env: Mapping[str, str],
    slack_token: str | None,
    slack_api_url: str,
) -> DirectorySource:
    """The directory source the config asks for, its secret read from `env`."""
    if config.source == "csv":
        if not config.path:
            raise ConnectorError("directory source csv needs path: the people CSV file")
        return CsvDirectory(config.path)
    if config.source == "slack":
        if not slack_token:
            raise ConnectorError("directory source slack needs the bot token in SLACK_BOT_TOKEN")
        return SlackDirectory(slack_token, client, api_url=slack_api_url)
    base_url, token_env = config.base_url or "", config.token_env or ""
    token = env.get(token_env, "").strip()
    if not (base_url and token):
        raise ConnectorError(
            f"directory source {config.source}: the environment variable {token_env or '?'} "
            f"is not set; put the {config.source} API token for the directory in it"
        )
    if config.source == "okta":
        vendor = Vendor("Directory (okta)", "Okta", f"the API token in {token_env}")
        return OktaDirectory(OktaApi(base_url, token, client, vendor))
    return ScimDirectory(base_url, token, client, token_env=token_env)
