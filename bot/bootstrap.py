"""The composition root: builds every long-lived object once and wires them together."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from apscheduler.schedulers.background import BackgroundScheduler
from slack_bolt import App
from slack_sdk import WebClient
from sqlalchemy import Engine

from bot.config.settings import Settings
from bot.jobs.effects import Effects
from bot.jobs.worker import Worker
from bot.passes.scheduler import build_scheduler
from bot.runtime import deadline
from bot.runtime.clock import SystemClock
from bot.runtime.runner import Runner
from bot.slack.app import build_bolt_app, slack_client
from bot.slack.listeners import Listeners
from bot.slack.signature import SlackSignature
from connectors.directories import build_directory
from connectors.registry import build_registry
from store.catalog import sync_catalog
from store.db import make_engine, session_factory
from store.deliveries import forget_before
from store.migrate import upgrade
from workflows.catalog import Config
from workflows.ports import Clock, Connector, DirectorySource
from workflows.reminders import TickReport, tick

DELIVERY_MEMORY = dt.timedelta(days=2)


@dataclass
class Container:
    settings: Settings
    config: Config
    engine: Engine
    clock: Clock
    runner: Runner
    slack: WebClient
    http: httpx.Client
    connectors: Mapping[str, Connector]
    effects: Effects
    worker: Worker
    bolt: App | None
    slack_signature: SlackSignature | None = None
    directory: DirectorySource | None = None
    passes: dict = field(default_factory=dict)
    _scheduler: BackgroundScheduler | None = None

    def reminders(self) -> TickReport:
        """One pass of reminders, escalations, expiry and the waitlist."""
        return self.runner(tick)

    def sync(self) -> None:
        """One scheduled seat sync."""
        from bot.passes.sync import run_sync

        run_sync(self)

    def housekeeping(self) -> None:
        """Forget old Slack delivery ids."""
        forget_before(self.engine, self.clock.now() - DELIVERY_MEMORY)

    @property
    def lease(self) -> dt.timedelta:
        """How long a scheduled pass's lease lasts unless its holder renews it."""
        return dt.timedelta(seconds=self.settings.seatkeeper_lease_seconds)

    def scheduler(self) -> BackgroundScheduler:
        """The APScheduler instance for `serve` (not started)."""
        return build_scheduler(self.engine, self.clock, self.passes, lease=self.lease)

    def start_background(self) -> None:
        """Start the job worker and the scheduled passes (for `serve`)."""
        self._scheduler = self.scheduler()
        self.worker.start()
        self._scheduler.start()

    def stop_background(self) -> None:
        """Stop scheduling, let running jobs finish briefly, hand back the rest."""
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=False)
            self._scheduler = None
        self.worker.stop()

    def close(self) -> None:
        """Release connections."""
        self.http.close()
        self.engine.dispose()


def _directory(
    settings: Settings,
    config: Config,
    http: httpx.Client,
    env: Mapping[str, str],
    token: str | None,
) -> DirectorySource | None:
    """The configured directory source; a csv path is relative to the config file."""
    directory = config.directory
    if directory.source == "csv":
        if not directory.path:
            return None
        path = Path(settings.seatkeeper_config).parent / directory.path
        directory = directory.model_copy(update={"path": str(path)})
    return build_directory(
        directory, client=http, env=env, slack_token=token, slack_api_url=settings.slack_api_url
    )


def build(
    settings: Settings,
    config: Config,
    *,
    clock: Clock | None = None,
    env: Mapping[str, str] | None = None,
    prepare_database: bool = True,
) -> Container:
    """Everything the app needs, from settings and a loaded config."""
    clock = clock or SystemClock()
    env = os.environ if env is None else env
    engine = make_engine(settings.seatkeeper_database_url)
    if prepare_database:
        upgrade(engine)
        sync_catalog(engine, config)
    runner = Runner(session_factory(engine), config, clock)
    token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None
    slack = slack_client(token, settings.slack_api_url)
    http = httpx.Client(
        timeout=httpx.Timeout(20.0),
        follow_redirects=False,
        event_hooks={"request": [deadline.enforce]},
    )
    connectors = build_registry(config.apps, client=http, env=env)
    effects = Effects(runner, slack, connectors)
    worker = Worker(
        runner,
        effects.handlers(),
        interval=settings.seatkeeper_worker_interval,
        lease=dt.timedelta(seconds=settings.seatkeeper_lease_seconds),
    )
    runner.after_commit = worker.wake
    bolt, signature = None, None
    if settings.slack_signing_secret is not None and token:
        secret = settings.slack_signing_secret.get_secret_value()
        signature = SlackSignature(secret)  # the wall clock: Slack's, not `clock`
        bolt = build_bolt_app(
            client=slack,
            signing_secret=secret,
            listeners=Listeners(runner, effects),
            engine=engine,
            clock=clock,
        )
    container = Container(
        settings,
        config,
        engine,
        clock,
        runner,
        slack,
        http,
        connectors,
        effects,
        worker,
        bolt,
        signature,
    )
    container.directory = _directory(settings, config, http, env, token)
    container.passes = {
        "reminders": (config.schedule.reminders, container.reminders),
        "sync": (config.schedule.sync, container.sync),
        "housekeeping": ("17 3 * * *", container.housekeeping),
    }
    return container
