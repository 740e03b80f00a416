"""Commands: what a person asked for, parsed and validated at the edge."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict

from workflows.text import reason_problem, visible


class Command(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def _typed(value: str) -> str:
    """A reason as typed, trimmed; refused when too long or holding control characters."""
    value = value.strip()
    problem = reason_problem(value)
    if problem:
        raise ValueError(problem)
    return value


def _said(value: str) -> str:
    if not visible(value):
        raise ValueError("Please say why you need it.")
    return value


def _optional(value: str | None) -> str | None:
    """Nothing visible is no reason at all (`decide` asks for one when denying)."""
    if value is None:
        return None
    value = _typed(value)
    return value if visible(value) else None


RequestReason = Annotated[str, AfterValidator(_typed), AfterValidator(_said)]
OptionalReason = Annotated[str | None, AfterValidator(_optional)]


class SubmitRequest(Command):
    requester: str
    app_key: str
    tier_key: str
    reason: RequestReason
    end_date: dt.date | None = None


class Decide(Command):
    request_id: int
    step_id: int
    actor: str
    approve: bool
    reason: OptionalReason = None


class CancelRequest(Command):
    request_id: int
    actor: str


class CompleteTask(Command):
    task_id: int
    actor: str
