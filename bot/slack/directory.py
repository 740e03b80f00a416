"""People the app meets in Slack but has not imported yet."""

from __future__ import annotations

from dataclasses import dataclass

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.runtime.runner import Runner
from bot.slack.client import quick_client
from connectors.slack_directory import person_from_slack
from workflows.catalog import Config
from workflows.errors import Refused
from workflows.model import Person
from workflows.ports import Clock, UnitOfWork


def ensure_person(runner: Runner, client: WebClient, user: str) -> None:
    """Make sure the directory knows `user` (from Slack's profile) so a seat can be assigned."""
    with runner.uow() as uow:
        if uow.people.by_slack_id(user) is not None:
            return
    # Slack is waiting for our answer: one quick try, no waiting out a rate limit.
    quick = quick_client(client, timeout=2)
    try:
        found = person_from_slack(quick.users_info(user=user)["user"])
    except SlackApiError as exc:
        if exc.response is not None and exc.response.status_code == 429:
            raise Refused("Slack is busy right now; please press Request again.") from exc
        raise Refused("Slack would not tell us who you are; please ask IT.") from exc
    except OSError as exc:
        raise Refused("Slack did not answer in time; please press Request again.") from exc
    if found is None:
        raise Refused("Your Slack profile has no email address, so no seat can be assigned.")
    runner(_add_person, AddPerson(Person(email=found.email, name=found.name, slack_user_id=user)))


@dataclass(frozen=True)
class AddPerson:
    """Add someone Slack just told us about, or give their Slack id to whoever has their email."""

    person: Person


def _add_person(cmd: AddPerson, *, uow: UnitOfWork, config: Config, clock: Clock) -> None:
    existing = uow.people.by_email(cmd.person.email)
    if existing is None:
        uow.people.add(cmd.person)
    elif existing.slack_user_id is None:
        existing.slack_user_id = cmd.person.slack_user_id
