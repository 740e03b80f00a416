"""One seat sync: the directory, then every app's vendor, reconciled and reported.

Vendor calls run outside any transaction; each app is reconciled in its own, so one vendor
failing never stops (or undoes) the others.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bot.bootstrap import Container
from workflows import jobs
from workflows.ports import ConnectorError
from workflows.sync import PeopleDrift, SeatDrift, reconcile_seats, sync_people

EXAMPLES = 5
Progress = Callable[[str], None]


@dataclass
class SyncReport:
    people: PeopleDrift | None = None
    apps: list[SeatDrift] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        """True when anything IT should hear about happened (changes or failures)."""
        people = self.people is not None and (self.people.changed or self.people.error)
        return bool(people) or any(d.changed or d.error for d in self.apps)

    def lines(self) -> list[str]:
        """One line per source, for the terminal."""
        out = []
        if self.people is not None:
            p = self.people
            out.append(
                f"directory: {p.error}"
                if p.error
                else f"directory: {len(p.joined)} joined, {len(p.updated)} updated, "
                f"{len(p.left)} left"
            )
        for d in self.apps:
            out.append(
                f"{d.app_key}: {d.error}"
                if d.error
                else f"{d.app_key}: {len(d.found)} found, {len(d.gone)} gone, "
                f"{len(d.tier_changes)} tier changes, {d.activity} activity updates"
            )
        out += [
            f"{key}: skipped (fulfilled by hand; import its seats from CSV)" for key in self.skipped
        ]
        return out


def run_sync(
    container: Container, *, dry_run: bool = False, progress: Progress | None = None
) -> SyncReport:
    """Pull the directory and every app, reconcile, and tell IT when something changed."""
    step = progress or (lambda _: None)
    report = SyncReport()
    if container.directory is not None:
        step("directory")
        report.people = _sync_directory(container, dry_run)
    for app in container.config.apps:
        step(app.key)
        connector = container.connectors[app.key]
        if connector.manual:
            report.skipped.append(app.key)
            continue
        try:
            records = connector.list_seats()
        except ConnectorError as exc:
            report.apps.append(SeatDrift(app.key, error=str(exc)))
            continue
        report.apps.append(_apply(container, dry_run, reconcile_seats, app.key, records))
    if report.changed and not dry_run:
        container.runner(_tell_it, summary(container, report))
    return report


def summary(container: Container, report: SyncReport) -> dict[str, Any]:
    """The report as the job payload the IT channel's message is rendered from."""
    apps = []
    for drift in report.apps:
        if not (drift.changed or drift.error):
            continue
        app = container.config.app(drift.app_key)
        examples = [*drift.found, *drift.gone, *(e for e, _, _ in drift.tier_changes)]
        apps.append(
            {
                "app_name": app.name if app else drift.app_key,
                "found": len(drift.found),
                "gone": len(drift.gone),
                "tier_changes": len(drift.tier_changes),
                "examples": examples[:EXAMPLES],
                "error": drift.error,
            }
        )
    people = report.people or PeopleDrift()
    return {
        "apps": apps,
        "joined": len(people.joined),
        "left": people.left,
        "directory_error": people.error,
    }


def _sync_directory(container: Container, dry_run: bool) -> PeopleDrift:
    assert container.directory is not None
    try:
        people = container.directory.list_people()
    except ConnectorError as exc:
        return PeopleDrift(error=str(exc))
    return _apply(container, dry_run, sync_people, people)


def _apply(container: Container, dry_run: bool, verb: Callable[..., Any], *args: Any) -> Any:
    if not dry_run:
        return container.runner(verb, *args)
    with container.runner.uow() as uow:
        result = verb(*args, uow=uow, config=container.config, clock=container.clock)
        uow.rollback()
    return result


def _tell_it(payload: dict[str, Any], *, uow: Any, clock: Any, **_: Any) -> None:
    jobs.enqueue(
        uow, clock, jobs.IT_NOTICE, f"sync:{clock.now().isoformat()}", event="sync", summary=payload
    )
