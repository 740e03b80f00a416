"""The app as `serve` builds it, configured to talk to the sandbox instead of Slack: the
sandbox's Web API as `SLACK_API_URL`, a signing secret the sandbox made up, an injected clock
the sandbox can move, and connectors that call no vendor."""

from __future__ import annotations

import ipaddress
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from bot.bootstrap import Container, build
from bot.config.loader import load_config_or_default
from bot.config.settings import settings_from_env
from bot.runtime.clock import OffsetClock
from bot.sandbox.dry_run import VendorCalls, dry_run_connectors
from bot.sandbox.player import Channel, Member, Sandbox
from bot.sandbox.server import LoopbackOnly, create_sandbox_app
from bot.sandbox.timeline import Timeline
from bot.sandbox.workspace import SlackWorkspace
from workflows.catalog import Config
from workflows.model import Person

# Settings the sandbox decides; whatever the environment says about them is not used.
OWN_SETTINGS = ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "SLACK_API_URL")
# DMs per second: Slack's own pace (`slack.dm_rate`, 1 by default) would make a clock jump that
# asks forty people about their seats take forty seconds; the sandbox has no such limit.
SANDBOX_DM_RATE = 200.0


@dataclass
class SandboxApp:
    """The app and the sandbox playing Slack for it."""

    container: Container
    sandbox: Sandbox
    timeline: Timeline
    clock: OffsetClock
    vendor_calls: VendorCalls

    def asgi(self, *, background: bool, allow_remote: bool = False) -> LoopbackOnly:
        """The HTTP app to serve: the app's routes and the sandbox's."""
        return create_sandbox_app(
            self.container,
            self.sandbox,
            self.timeline,
            vendor_calls=self.vendor_calls,
            background=background,
            allow_remote=allow_remote,
        )

    def add_people(self) -> int:
        """Let everyone in the app's directory who has a Slack id use the sandbox."""
        with self.container.runner.uow() as uow:
            everyone = [p for p in uow.people.all() if p.slack_user_id and p.active]
        config = self.container.config
        for person in everyone:
            self.sandbox.add_member(_member(person, everyone, config))
        return len(everyone)

    def close(self) -> None:
        """Release the app's connections."""
        self.container.close()


def base_url(host: str, port: int) -> str:
    """Where the app reaches the server it runs in: `host` when it is a loopback address,
    else 127.0.0.1 (a server on every address answers there too)."""
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return f"http://127.0.0.1:{port}"
    if not address.is_loopback:
        return f"http://127.0.0.1:{port}"
    return f"http://[{address}]:{port}" if address.version == 6 else f"http://{address}:{port}"


def open_sandbox(
    config_path: Path, database_url: str, *, url: str, env: Mapping[str, str]
) -> SandboxApp:
    """Build the app over `config_path` and `database_url`, served at `url`, and the sandbox
    that plays Slack for it."""
    workspace = SlackWorkspace(
        token=f"xoxb-sandbox-{secrets.token_hex(12)}", team_name="Seatkeeper Sandbox"
    )
    signing_secret = secrets.token_hex(32)
    clock = OffsetClock()
    given = {k: v for k, v in env.items() if k.upper() not in OWN_SETTINGS}
    settings_env = given | {
        "SLACK_BOT_TOKEN": workspace.token,
        "SLACK_SIGNING_SECRET": signing_secret,
        "SEATKEEPER_DATABASE_URL": database_url,
        "SEATKEEPER_CONFIG": str(config_path),
        "SEATKEEPER_WORKER_INTERVAL": given.get("SEATKEEPER_WORKER_INTERVAL", "0.5"),
    }
    # Vendors are never called here: the secrets a config names need not be set.
    config = _unpaced(load_config_or_default(config_path, env=given, secrets=False))
    channels = _channels(config)
    sandbox = Sandbox(
        workspace, signing_secret=signing_secret, base_url=url, clock=clock, channels=channels
    )
    settings = settings_from_env(settings_env | {"SLACK_API_URL": sandbox.api_url})
    calls = VendorCalls()
    container = build(
        settings,
        config,
        clock=clock,
        env=given,
        connectors=dry_run_connectors(config, calls, clock),
    )
    return SandboxApp(container, sandbox, Timeline(container, clock), clock, calls)


def _unpaced(config: Config) -> Config:
    """`config` with its DMs sent as fast as the sandbox takes them."""
    slack = config.slack.model_copy(update={"dm_rate": SANDBOX_DM_RATE})
    return config.model_copy(update={"slack": slack})


def _channels(config: Config) -> list[Channel]:
    named = [(config.slack.it_channel, "it"), (config.slack.approvals_channel, "approvals")]
    return [Channel(channel_id, name) for channel_id, name in named if channel_id]


def _member(person: Person, everyone: list[Person], config: Config) -> Member:
    """A person as the sandbox shows them: name, and what they do in Seatkeeper."""
    roles = [person.department] if person.department else []
    if person.slack_user_id in config.admins:
        roles.append("IT admin")
    reports = sum(1 for p in everyone if p.manager_email == person.email)
    if reports:
        roles.append(f"manager of {reports}")
    owned = [app.name for app in config.apps if app.owner == person.slack_user_id]
    if owned:
        roles.append("owns " + ", ".join(owned))
    return Member(
        id=str(person.slack_user_id),
        name=person.name or person.email,
        email=person.email,
        title=" · ".join(roles),
    )
