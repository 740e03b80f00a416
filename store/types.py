"""Column types that keep the domain's values intact on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, DateTime, String
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

from workflows.model import ApprovalMessage


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Timezone-aware UTC datetimes in, aware UTC datetimes out (SQLite drops the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


class StrEnumType(TypeDecorator[StrEnum]):
    """A StrEnum stored as its string value."""

    impl = String(20)
    cache_ok = True

    def __init__(self, enum: type[StrEnum]) -> None:
        super().__init__()
        self.enum = enum

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        return None if value is None else self.enum(value).value

    def process_result_value(self, value: Any, dialect: Dialect) -> StrEnum | None:
        return None if value is None else self.enum(value)


class ApprovalMessages(TypeDecorator[list[ApprovalMessage]]):
    """A step's approval messages, stored as JSON rows of [channel, ts, approver]."""

    impl = JSON
    cache_ok = True

    def process_bind_param(self, value: list[ApprovalMessage] | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if not all(isinstance(m, ApprovalMessage) for m in value):
            raise TypeError(f"approval messages must be ApprovalMessage records: {value!r}")
        return [[m.channel, m.ts, m.approver] for m in value]

    def process_result_value(self, value: Any, dialect: Dialect) -> list[ApprovalMessage] | None:
        if value is None:
            return None
        return [ApprovalMessage(channel, ts, approver) for channel, ts, approver in value]
