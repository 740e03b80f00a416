"""One seat sync: the directory, then every app's vendor, reconciled and reported.

Vendor calls run outside any transaction; each app is reconciled in its own, so one vendor
failing never stops (or undoes) the others.
"""

from __future__ import annotations

import functools
import logging
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from sqlalchemy import Engine

from bot.runtime.batches import BATCH, Breather, Run, batched, in_batches
from bot.runtime.runner import Runner
from store.db import writer_gap
from workflows import jobs
from workflows.catalog import Config
from workflows.commands import (
    AddFoundSeats,
    MarkUnlistedLeft,
    ReclaimLeavers,
    ReconcileSeats,
    UpdatePeople,
)
from workflows.directory import PeopleDrift, merge_listing, unlisted_have_left, update_people
from workflows.ports import (
    Clock,
    Connector,
    ConnectorError,
    DirectorySource,
    PersonRecord,
    UnitOfWork,
)
from workflows.reclaim import reclaim_leavers
from workflows.sync import SeatDrift, add_found_seats, merge_seats, reconcile_seats

log = logging.getLogger(__name__)
EXAMPLES = 5
Progress = Callable[[str], None]


@dataclass
class SyncReport:
    people: PeopleDrift | None = None
    apps: list[SeatDrift] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    leaver_seats: int = 0  # seats of people marked inactive, now being taken back

    @property
    def changed(self) -> bool:
        """True when anything IT should hear about happened (changes or failures)."""
        people = self.people is not None and (self.people.changed or self.people.error)
        return bool(people) or any(d.changed or d.error for d in self.apps)

    def lines(self, *, dry_run: bool = False) -> list[str]:
        """One line per source, for the terminal; a dry run's changes start "would change:"."""
        change = "would change: " if dry_run else ""
        out = []
        if self.people is not None:
            p = self.people
            out.append(
                f"directory: {p.error}"
                if p.error
                else f"{change}directory: {len(p.joined)} joined, {len(p.updated)} updated, "
                f"{len(p.left)} left"
            )
        for d in self.apps:
            out.append(
                f"{d.app_key}: {d.error}"
                if d.error
                else f"{change}{d.app_key}: {len(d.found)} found, {len(d.gone)} gone, "
                f"{len(d.tier_changes)} tier changes, {d.activity} activity updates"
            )
        out += [
            f"{key}: skipped (fulfilled by hand; import its seats from CSV)" for key in self.skipped
        ]
        if self.leaver_seats:
            out.append(f"{change}leavers: {self.leaver_seats} seats being taken back")
        return out


@dataclass(frozen=True)
class SeatSync:
    """The seat sync pass, with the directory and the connectors it reads."""

    runner: Runner
    engine: Engine
    connectors: Mapping[str, Connector]
    directory: DirectorySource | None

    def __call__(self) -> None:
        """One scheduled sync."""
        self.run()

    def run(
        self,
        *,
        dry_run: bool = False,
        progress: Progress | None = None,
        accept_removals: bool = False,
    ) -> SyncReport:
        """Pull the directory and every app, reconcile, and tell IT when something changed."""
        step = progress or (lambda _: None)
        report = SyncReport()
        if self.directory is not None:
            step("directory")
            report.people = self._sync_directory(self.directory, dry_run)
        for app in self.runner.config.apps:
            step(app.key)
            connector = self.connectors[app.key]
            if connector.manual:
                report.skipped.append(app.key)
                continue
            report.apps.append(self._sync_app(app.key, connector, dry_run, accept_removals))
        # Leavers lose their seats now, not at the next reclaim pass (their IT notice says so).
        leavers = self._runner(dry_run)(reclaim_leavers, ReclaimLeavers())
        report.leaver_seats = leavers.count("leaver")
        if report.changed and not dry_run:
            self.runner(_tell_it, TellItOfSync(summary(self.runner.config, report)))
        return report

    def _sync_app(
        self, app_key: str, connector: Connector, dry_run: bool, accept_removals: bool
    ) -> SeatDrift:
        listed_at = self.runner.clock.now()
        try:
            records = connector.list_seats()
            cmd = ReconcileSeats(
                app_key, records, listed_at=listed_at, accept_removals=accept_removals
            )
            if dry_run:  # rolled back batch by batch, new seats would be found twice
                return self.runner.rehearse(reconcile_seats, cmd)
            return reconcile_in_batches(self.runner, cmd, pause=writer_gap(self.engine))
        except ConnectorError as exc:
            return SeatDrift(app_key, error=str(exc))
        except Exception:  # one app's surprise must not stop the others; IT hears about it
            return SeatDrift(app_key, error=_unexpected(f"sync of {app_key}"))

    def _sync_directory(self, directory: DirectorySource, dry_run: bool) -> PeopleDrift:
        try:
            people = directory.list_people()
            return self._apply_listing(dry_run, people, directory.provides_org)
        except ConnectorError as exc:
            return PeopleDrift(error=str(exc))
        except Exception:  # the apps still sync; IT hears about it
            return PeopleDrift(error=_unexpected("directory sync"))

    def _apply_listing(
        self, dry_run: bool, people: list[PersonRecord], provides_org: bool
    ) -> PeopleDrift:
        """Leavers judged against the whole listing, then the listing in short transactions."""
        run = self._runner(dry_run)
        listed = merge_listing(people)
        drift = run(unlisted_have_left, MarkUnlistedLeft(listed))
        pause = writer_gap(self.engine)
        batch = functools.partial(UpdatePeople, provides_org=provides_org, complete=True)
        for done in in_batches(run, update_people, listed, batch, pause=pause):
            drift.extend(done)
        return drift

    def _runner(self, dry_run: bool) -> Run:
        """The runner, or for a dry run one that rolls every change back."""
        return self.runner.rehearse if dry_run else self.runner


def reconcile_in_batches(run: Run, cmd: ReconcileSeats, *, pause: float = 0.0) -> SeatDrift:
    """`reconcile_seats`, with a long listing's new seats first added a batch per transaction
    (the lock left free `pause` seconds after each second of writing), so a first sync of
    thousands of seats never holds the write lock for long; what is left (changes, removals)
    is then reconciled in one transaction."""
    listing = merge_seats(cmd.records)
    if len(listing) <= BATCH:
        return run(reconcile_seats, cmd)
    listed = None if cmd.accept_removals else frozenset(r.email for r in listing)
    added = SeatDrift(cmd.app_key)
    breathe = Breather(pause)
    for number, batch in enumerate(batched(listing)):
        breathe()
        done = run(add_found_seats, AddFoundSeats(cmd.app_key, batch, None if number else listed))
        if done.error:
            return done
        added.found += done.found
        added.unknown_tiers += done.unknown_tiers
    breathe()
    drift = run(reconcile_seats, cmd)
    drift.found = added.found + drift.found
    # The rest of the listing still names the tiers the catalog lacks: said once.
    drift.unknown_tiers = list(dict.fromkeys(added.unknown_tiers + drift.unknown_tiers))
    return drift


def summary(config: Config, report: SyncReport) -> jobs.SyncSummary:
    """The report as the job payload the IT channel's message is rendered from."""
    apps = []
    for drift in report.apps:
        if not (drift.changed or drift.error):
            continue
        app = config.app(drift.app_key)
        examples = [*drift.found, *drift.gone, *(e for e, _, _ in drift.tier_changes)]
        apps.append(
            jobs.AppSyncLine(
                app_name=app.name if app else drift.app_key,
                found=len(drift.found),
                gone=len(drift.gone),
                tier_changes=len(drift.tier_changes),
                examples=tuple(examples[:EXAMPLES]),
                error=drift.error,
            )
        )
    people = report.people or PeopleDrift()
    return jobs.SyncSummary(
        apps=tuple(apps),
        joined=len(people.joined),
        left=tuple(people.left),
        directory_error=people.error,
    )


def _unexpected(what: str) -> str:
    ref = secrets.token_hex(4)
    log.exception("%s failed (ref %s)", what, ref)
    return f"an unexpected error (ref {ref} in the server log)"


@dataclass(frozen=True)
class TellItOfSync:
    """Post a sync's summary (the IT notice's payload) to the IT channel."""

    summary: jobs.SyncSummary


def _tell_it(cmd: TellItOfSync, *, uow: UnitOfWork, config: Config, clock: Clock) -> None:
    key = f"sync:{clock.now().isoformat()}"
    jobs.enqueue(uow, clock, jobs.ITNotice(event="sync", summary=cmd.summary), key)
