"""The demo as the sandbox runs it: Acme's files, the real app with vendor calls off, a fake
clock, and (when a test needs messages) a local Slack."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from bot.bootstrap import Container, build
from bot.config.loader import load_config
from bot.config.settings import settings_from_env
from bot.sandbox.demo import DemoFiles, seed, write_demo
from bot.sandbox.demo_org import PEOPLE
from bot.sandbox.dry_run import VendorCalls, dry_run_connectors
from bot.sandbox.local import LocalSlack
from tests.fakes.clock import FakeClock
from workflows.model import ApprovalStep


@dataclass
class Demo:
    app: Container
    calls: VendorCalls
    clock: FakeClock
    files: DemoFiles

    def step(self, request_id: int) -> ApprovalStep:
        """The step of the request that waits for a decision."""
        with self.app.runner.uow() as uow:
            request = uow.requests.get(request_id)
            step = request.current_step() if request else None
        assert step is not None, f"request {request_id} waits on nobody"
        return step


@contextmanager
def running_demo(
    tmp_path: Path, database_url: str, *, seeded: bool = True, slack: LocalSlack | None = None
) -> Iterator[Demo]:
    """The demo app on `database_url`; no vendor secret is in its environment."""
    clock = FakeClock()
    files = write_demo(tmp_path / "demo", today=clock.now().date())
    env = {"SEATKEEPER_DATABASE_URL": database_url, "SEATKEEPER_CONFIG": str(files.config)}
    if slack is not None:
        env |= {"SLACK_BOT_TOKEN": slack.token, "SLACK_API_URL": slack.url}
        for person in PEOPLE:
            slack.add_user(person.slack_user_id, person.email, person.name)
    config = load_config(files.config, env=env, secrets=False)
    calls = VendorCalls()
    connectors = dry_run_connectors(config, calls, clock)
    app = build(settings_from_env(env), config, clock=clock, env=env, connectors=connectors)
    try:
        if seeded:
            seed(app.runner, clock.now().date())
        yield Demo(app, calls, clock, files)
    finally:
        app.close()
