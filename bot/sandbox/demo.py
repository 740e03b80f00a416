"""The demo: Acme's config and people files, and a database seeded with their history.

`write_demo` writes `seatkeeper.yml` and `people.csv`; `seed` fills a fresh database the way
Acme's last weeks would have, through the same verbs the app runs: the people import, a seat
sync of every app, then requests that were approved, fulfilled by IT or are still waiting.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field
from pathlib import Path

from bot.runtime.runner import Runner
from bot.sandbox.demo_config import ENV, config_text
from bot.sandbox.demo_org import ACTIVITY, PEOPLE, SEATS, DemoSeat, person, slack_id
from workflows.commands import CompleteTask, Decide, ReconcileSeats, SubmitRequest
from workflows.imports import USAGE_REPORT
from workflows.people import PEOPLE_COLUMNS, ApplyPeople, apply_people, parse_people
from workflows.ports import SeatRecord
from workflows.requests import decide, submit_request
from workflows.sync import reconcile_seats
from workflows.tasks import complete_task

CONFIG_FILE, PEOPLE_FILE = "seatkeeper.yml", "people.csv"


@dataclass(frozen=True)
class DemoFiles:
    """Where the demo's files are, and the environment variables its config names."""

    config: Path
    people: Path
    env: dict[str, str] = field(default_factory=dict)


def write_demo(folder: Path, *, today: dt.date | None = None) -> DemoFiles:
    """Write the demo's `seatkeeper.yml` and `people.csv` into `folder` (dates from `today`,
    by default today in UTC, as the app's clock has it)."""
    today = today or dt.datetime.now(dt.UTC).date()
    folder.mkdir(parents=True, exist_ok=True)
    config = folder / CONFIG_FILE
    config.write_text(config_text(today), encoding="utf-8")
    people = folder / PEOPLE_FILE
    people.write_text(people_csv(), encoding="utf-8")
    return DemoFiles(config, people, dict(ENV))


def people_csv() -> str:
    """The people file: everyone at Acme, active, with their manager and department."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(PEOPLE_COLUMNS)
    for who in PEOPLE:
        manager = person(who.manager).email if who.manager else ""
        writer.writerow((who.email, who.name, who.slack_user_id, manager, who.department, "true"))
    return out.getvalue()


class _Timeline:
    """Runs each seeded step at the time it happened: `at(days before today, hour, minute)`."""

    def __init__(self, runner: Runner, today: dt.date) -> None:
        self.start = self.current = dt.datetime.combine(today, dt.time(), tzinfo=dt.UTC)
        self.runner = Runner(runner.sessions, runner.config, self, after_commit=runner.after_commit)

    def now(self) -> dt.datetime:
        """The time of the step being run (the clock of its verbs)."""
        return self.current

    def at(self, days: int, hour: int, minute: int = 0) -> Runner:
        """The runner, its clock set to `hour:minute` UTC, `days` days before today."""
        self.current = (
            self.start - dt.timedelta(days=days) + dt.timedelta(hours=hour, minutes=minute)
        )
        return self.runner


def seed(runner: Runner, today: dt.date) -> None:
    """Give a fresh database Acme's people, seats and requests as they stand on `today`.

    Everything happened before `today` began (UTC), so a clock reading now never runs behind
    it. A database that already has Acme's people is left as it is.
    """
    with runner.uow() as uow:
        if uow.people.by_email(PEOPLE[0].email) is not None:
            return
    timeline = _Timeline(runner, today)
    rows, problems = parse_people(people_csv(), PEOPLE_FILE)
    if problems:  # the module's own data: a problem is a bug here
        raise RuntimeError(f"the demo's people file has problems: {problems}")
    timeline.at(2, 8)(apply_people, ApplyPeople(rows))
    for n, (app_key, seats) in enumerate(SEATS.items()):
        records = [_record(seat, app_key, today) for seat in seats]
        timeline.at(2, 8, 5 + n)(reconcile_seats, ReconcileSeats(app_key, records))
    _requests(timeline, today)


def _record(seat: DemoSeat, app_key: str, today: dt.date) -> SeatRecord:
    """A seat as a sync or a seats file reports it."""
    active = today - dt.timedelta(days=seat.active) if seat.active is not None else None
    return SeatRecord(
        email=person(seat.handle).email,
        tier=seat.tier,
        assigned_on=today - dt.timedelta(days=seat.assigned),
        last_active_on=active,
        activity=ACTIVITY.get(app_key, USAGE_REPORT) if active else None,
    )


def _requests(timeline: _Timeline, today: dt.date) -> None:
    """The last two days' requests: one half approved, one granted by an IT task until the day
    after tomorrow, one not decided yet."""
    at = timeline.at
    mateo = _submit(
        at(2, 15, 20), "mateo", "figma", "professional", "Designing the spring campaign"
    )
    _approve(at(1, 9, 10), mateo, "hannah")  # now waiting on Priya, Figma's owner
    connor = _submit(
        at(1, 10),
        "connor",
        "miro",
        "standard",
        "Workshop boards for the platform migration, until my contract ends",
        end_date=today + dt.timedelta(days=2),
    )
    _approve(at(1, 11, 30), connor, "marcus")
    _finish_task(at(1, 14), connor, "aisha")
    _submit(at(1, 16, 45), "noah", "jira", "premium", "Advanced roadmaps for the Q3 planning")


def _submit(
    runner: Runner,
    handle: str,
    app_key: str,
    tier_key: str,
    reason: str,
    *,
    end_date: dt.date | None = None,
) -> int:
    cmd = SubmitRequest(
        requester=slack_id(handle),
        app_key=app_key,
        tier_key=tier_key,
        reason=reason,
        end_date=end_date,
    )
    return runner(submit_request, cmd).request_id


def _approve(runner: Runner, request_id: int, handle: str) -> None:
    with runner.uow() as uow:
        request = uow.requests.get(request_id)
        step = request.current_step() if request else None
    if step is None or step.id is None:
        raise RuntimeError(f"demo request {request_id} waits on nobody")
    cmd = Decide(request_id=request_id, step_id=step.id, actor=slack_id(handle), approve=True)
    runner(decide, cmd)


def _finish_task(runner: Runner, request_id: int, handle: str) -> None:
    with runner.uow() as uow:
        task_ids = [t.id for t in uow.tasks.open_tasks() if t.request_id == request_id and t.id]
    if not task_ids:
        raise RuntimeError(f"demo request {request_id} gave IT no task")
    runner(complete_task, CompleteTask(task_id=task_ids[0], actor=slack_id(handle)))
