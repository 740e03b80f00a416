"""A small organisation to try Seatkeeper with: its config, its people and seats."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from bot.runtime.runner import Runner
from workflows.catalog import Config
from workflows.model import Seat
from workflows.ports import Clock, UnitOfWork

CONFIG = """\
slack: {it_channel: C0DEMOIT1}
admins: [U0DEMOADA]
directory: {source: csv, path: people.csv}
schedule: {sync: null, reclaim: "0 9 * * *", digest: "0 9 * * 1"}
defaults:
  approval: [manager]
  reclaim: {idle_days: 30, grace_days: 7, reminder_days: 3, new_seat_days: 14,
            working_hours: always}
apps:
  - key: figma
    name: Figma
    owner: U0DEMOFIO
    connector: {type: scim, base_url: "https://figma.example/scim/v2/demo",
                token_env: FIGMA_SCIM_TOKEN}
    tiers:
      - {key: professional, name: Professional, monthly_price: 15, approval: [manager, owner]}
      - {key: viewer, name: Viewer, monthly_price: 0, approval: []}
    contract: {seats: 10, renews_on: 2027-03-31, notice_days: 60, auto_renew: true}
  - key: miro
    name: Miro
    owner: U0DEMOFIO
    connector: {type: manual}
    tiers: [{key: standard, name: Standard, monthly_price: 10}]
    contract: {seats: 5, renews_on: 2026-12-31, notice_days: 30}
"""

PEOPLE = """\
email,name,slack_user_id,manager_email,department,active
ada@example.com,Ada Admin,U0DEMOADA,,IT,true
dan@example.com,Dan Diaz,U0DEMODAN,ada@example.com,Design,true
alice@example.com,Alice Archer,U0DEMOALI,dan@example.com,Design,true
ben@example.com,Ben Baker,U0DEMOBEN,dan@example.com,Design,true
chloe@example.com,Chloe Chen,U0DEMOCHL,dan@example.com,Design,true
fiona@example.com,Fiona Fox,U0DEMOFIO,ada@example.com,IT,true
"""

# (app, tier, email, days since assigned, days since last used)
SEATS = [
    ("figma", "professional", "ben@example.com", 200, 60),
    ("miro", "standard", "chloe@example.com", 150, 45),
    ("figma", "professional", "dan@example.com", 300, 90),
    ("figma", "professional", "fiona@example.com", 300, 2),
]


@dataclass(frozen=True)
class DemoFiles:
    """Where the demo's files are, and the environment its config needs."""

    config: Path
    people: Path
    env: dict[str, str] = field(default_factory=dict)


def write_demo(folder: Path) -> DemoFiles:
    """Write the demo's config and people into `folder`."""
    config, people = folder / "seatkeeper.yml", folder / "people.csv"
    config.write_text(CONFIG, encoding="utf-8")
    people.write_text(PEOPLE, encoding="utf-8")
    return DemoFiles(config, people, {"FIGMA_SCIM_TOKEN": "demo-token"})


@dataclass(frozen=True)
class SeedSeats:
    today: dt.date


def seed(runner: Runner, today: dt.date) -> None:
    """The demo's seats, some of them idle, as of `today` (its people are imported first)."""
    runner(_add_seats, SeedSeats(today))


def _add_seats(cmd: SeedSeats, *, uow: UnitOfWork, config: Config, clock: Clock) -> None:
    for app, tier, email, assigned, used in SEATS:
        person = uow.people.by_email(email)
        uow.seats.add(
            Seat(
                app,
                tier,
                email,
                slack_user_id=person.slack_user_id if person else None,
                assigned_on=cmd.today - dt.timedelta(days=assigned),
                last_active_on=cmd.today - dt.timedelta(days=used),
                recorded_at=clock.now(),
                activity_source="last sign-in",
            )
        )
