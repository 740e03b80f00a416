"""The composition root: builds every long-lived object once and wires them together.

Only the entry points (the CLI, the HTTP app) and the benchmarks import it (an import-linter
contract). Each part gets only what it uses; the container itself is frozen.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
from collections.abc import Mapping
from dataclasses import dataclass

import httpx
from slack_bolt import App
from slack_sdk import WebClient
from sqlalchemy import Engine

from bot.config.settings import Settings
from bot.jobs.effects import Effects
from bot.jobs.worker import Worker
from bot.passes.background import Background, Passes
from bot.passes.digest import DigestPass
from bot.passes.housekeeping import Housekeeping
from bot.passes.reclaim import Reclaim
from bot.passes.reminders import Reminders
from bot.passes.sync import SeatSync
from bot.runtime import deadline
from bot.runtime.clock import SystemClock
from bot.runtime.metrics import Metrics
from bot.runtime.pace import Pacer
from bot.runtime.runner import Runner
from bot.runtime.vendor_calls import counted
from bot.runtime.wake import JobWake
from bot.slack.app import build_bolt_app
from bot.slack.client import slack_client
from bot.slack.home import HomeTab
from bot.slack.listeners import Listeners
from bot.slack.signature import SlackSignature
from connectors.directories import build_directory
from connectors.registry import build_registry
from connectors.unavailable import UnavailableConnector, UnavailableDirectory, unavailable
from store.catalog import sync_catalog
from store.db import make_engine, session_factory
from store.migrate import upgrade
from workflows.catalog import Config
from workflows.ports import Clock, Connector, ConnectorError, DirectorySource


@dataclass(frozen=True)
class Container:
    """Everything a process needs, built once by `build`."""

    settings: Settings
    config: Config
    engine: Engine
    clock: Clock
    runner: Runner
    slack: WebClient
    http: httpx.Client
    connectors: Mapping[str, Connector]
    directory: DirectorySource | None
    effects: Effects
    worker: Worker
    passes: Passes
    background: Background
    bolt: App | None
    slack_signature: SlackSignature | None
    metrics: Metrics

    @property
    def lease(self) -> dt.timedelta:
        """How long a job's or scheduled pass's lease lasts unless its holder renews it."""
        return dt.timedelta(seconds=self.settings.seatkeeper_lease_seconds)

    def unavailable(self) -> list[str]:
        """Why each connector and the directory that could not be set up is missing."""
        return unavailable(self.connectors, self.directory)

    def with_peers(
        self,
        *,
        connectors: Mapping[str, Connector] | None = None,
        directory: DirectorySource | None = None,
    ) -> Container:
        """The same container whose sync reads other connectors or another directory."""
        connectors = self.connectors if connectors is None else connectors
        directory = self.directory if directory is None else directory
        sync = dataclasses.replace(self.passes.sync, connectors=connectors, directory=directory)
        passes = dataclasses.replace(self.passes, sync=sync)
        return dataclasses.replace(self, connectors=connectors, directory=directory, passes=passes)

    def close(self) -> None:
        """Release connections."""
        self.http.close()
        self.engine.dispose()


def build(
    settings: Settings,
    config: Config,
    *,
    clock: Clock | None = None,
    env: Mapping[str, str] | None = None,
    prepare_database: bool = True,
    connectors: Mapping[str, Connector] | None = None,
) -> Container:
    """Everything the app needs, from settings and a loaded config.

    `connectors` replaces the ones the config names (the sandbox's dry run): no vendor secret
    is read then.
    """
    clock = clock or SystemClock()
    env = os.environ if env is None else env
    engine = make_engine(settings.seatkeeper_database_url)
    if prepare_database:
        upgrade(engine)
        sync_catalog(engine, config)
    lease = dt.timedelta(seconds=settings.seatkeeper_lease_seconds)
    wake = JobWake()  # told after each commit which kinds of jobs now wait for the worker
    runner = Runner(session_factory(engine), config, clock, after_commit=wake.committed)
    metrics = Metrics()
    metrics.watch_jobs(engine, clock)
    token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None
    slack = slack_client(token, settings.slack_api_url, metrics)
    http = _vendor_client()
    if connectors is None:
        connectors = build_registry(config.apps, client=http, env=env)
    connectors = _counted(connectors, metrics)
    directory = _directory(settings, config, http, env, token)
    home = HomeTab(runner, slack)
    effects = Effects(runner, slack, connectors, home, Pacer(config.slack.dm_rate))
    worker = Worker(
        runner,
        effects.handlers(),
        interval=settings.seatkeeper_worker_interval,
        lease=lease,
        wake=wake,
    )
    passes = Passes(
        sync=SeatSync(runner, engine, connectors, directory),
        reminders=Reminders(runner),
        reclaim=Reclaim(runner),
        digest=DigestPass(runner),
        housekeeping=Housekeeping(engine, clock),
    )
    background = Background(
        worker, passes.scheduled(config.schedule), engine=engine, clock=clock, lease=lease
    )
    bolt, signature = _slack_edge(settings, token, slack, Listeners(runner, home), engine, clock)
    return Container(
        settings=settings,
        config=config,
        engine=engine,
        clock=clock,
        runner=runner,
        slack=slack,
        http=http,
        connectors=connectors,
        directory=directory,
        effects=effects,
        worker=worker,
        passes=passes,
        background=background,
        bolt=bolt,
        slack_signature=signature,
        metrics=metrics,
    )


def _counted(connectors: Mapping[str, Connector], metrics: Metrics) -> dict[str, Connector]:
    """Each connector with its calls counted; one that could not be set up never calls its
    vendor, and stays as it is so `Container.unavailable` still finds it."""
    ready = {k: c for k, c in connectors.items() if not isinstance(c, UnavailableConnector)}
    wrapped = counted(ready, metrics.vendor_calls)
    return {key: wrapped.get(key, connector) for key, connector in connectors.items()}


def _vendor_client() -> httpx.Client:
    """The one HTTP client every connector shares: no redirects, each job's time limit."""
    return httpx.Client(
        timeout=httpx.Timeout(20.0),
        follow_redirects=False,
        event_hooks={"request": [deadline.enforce]},
    )


def _slack_edge(
    settings: Settings,
    token: str | None,
    slack: WebClient,
    listeners: Listeners,
    engine: Engine,
    clock: Clock,
) -> tuple[App | None, SlackSignature | None]:
    """The Bolt app and the signature check, when Slack is configured.

    Over HTTP both need the signing secret. Socket Mode needs none (Slack authenticates the
    connection made with the app-level token), so with only the bot and app tokens there is a
    Bolt app for Socket Mode and no signature check: `/slack/events` keeps answering 503.
    """
    signing, app_token = settings.slack_signing_secret, settings.slack_app_token
    if not token or (signing is None and app_token is None):
        return None, None
    secret = signing.get_secret_value() if signing is not None else ""
    bolt = build_bolt_app(
        client=slack, signing_secret=secret, listeners=listeners, engine=engine, clock=clock
    )
    # The signature check uses the wall clock: Slack's, not `clock`.
    return bolt, SlackSignature(secret) if secret else None


def _directory(
    settings: Settings,
    config: Config,
    http: httpx.Client,
    env: Mapping[str, str],
    token: str | None,
) -> DirectorySource | None:
    """The configured directory source; a csv path is relative to the config file. A pushed
    directory has none: identity providers push it to /scim/v2."""
    directory = config.directory
    if directory.pushed:
        return None
    if directory.source == "csv":
        if not directory.path:
            return None
        path = settings.config_path.parent / directory.path
        directory = directory.model_copy(update={"path": str(path)})
    try:
        return build_directory(
            directory, client=http, env=env, slack_token=token, slack_api_url=settings.slack_api_url
        )
    except ConnectorError as exc:
        return UnavailableDirectory(str(exc))
