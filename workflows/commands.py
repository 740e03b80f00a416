"""Commands: what a person asked for, parsed and validated at the edge."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field, field_validator


class Command(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class SubmitRequest(Command):
    requester: str
    app_key: str
    tier_key: str
    reason: str = Field(max_length=1000)
    end_date: dt.date | None = None

    @field_validator("reason")
    @classmethod
    def _reason(cls, value: str) -> str:
        value = value.strip()
        if not value:
            raise ValueError("Please say why you need it.")
        return value


class Decide(Command):
    request_id: int
    step_id: int
    actor: str
    approve: bool
    reason: str | None = Field(default=None, max_length=1000)


class CancelRequest(Command):
    request_id: int
    actor: str


class CompleteTask(Command):
    task_id: int
    actor: str
