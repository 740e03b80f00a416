"""The append-only audit trail: who did what to which thing, and when."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from workflows.model import AuditEntry, AuditEvent
from workflows.ports import Clock, UnitOfWork

SYSTEM = "seatkeeper"
SYNC = "sync"  # the actor of what a directory or vendor sync changed


def record(
    uow: UnitOfWork, clock: Clock, actor: str, action: str, subject: str, **data: Any
) -> None:
    """Append one audit event in the current unit of work."""
    uow.audit.append(AuditEntry(clock.now(), actor, action, subject, data))


def chain(
    entries: Sequence[AuditEntry], last_seq: int, last_hash: str | None
) -> Iterator[tuple[int, str | None, str]]:
    """(seq, prev_hash, hash) of each of `entries` appended after the event numbered
    `last_seq` whose hash is `last_hash` (0 and None for an empty log)."""
    seq, prev_hash = last_seq, last_hash
    for entry in entries:
        seq += 1
        digest = _digest(
            seq, entry.at, entry.actor, entry.action, entry.subject, entry.data, prev_hash
        )
        yield seq, prev_hash, digest
        prev_hash = digest


def seal(entry: AuditEntry, seq: int, prev_hash: str | None) -> AuditEvent:
    """The stored event of `entry`, numbered and chained to the one before with a SHA-256
    hash."""
    [(_, _, digest)] = chain([entry], seq - 1, prev_hash)
    return AuditEvent(
        entry.at, entry.actor, entry.action, entry.subject, entry.data, seq, prev_hash, digest
    )


def event_hash(event: AuditEvent) -> str:
    """The hash of an event's content and its predecessor's hash."""
    return _digest(
        event.seq, event.at, event.actor, event.action, event.subject, event.data, event.prev_hash
    )


def _digest(
    seq: int | None,
    at: dt.datetime,
    actor: str,
    action: str,
    subject: str,
    data: dict[str, Any],
    prev_hash: str | None,
) -> str:
    body = json.dumps(
        [seq, at.isoformat(), actor, action, subject, data, prev_hash],
        sort_keys=True,
        separators=(",", ":"),
        default=str,
    )
    return hashlib.sha256(body.encode()).hexdigest()


class ChainProblem(StrEnum):
    """How the chain fails at an event."""

    GAP = "gap"  # sequence numbers are missing before it: events were deleted
    LINK = "link"  # it does not point at the event before it: one was deleted or moved
    CONTENT = "content"  # its content does not match its hash: it was edited


@dataclass(frozen=True)
class ChainBreak:
    """The first event at which the chain does not hold, how, and the seq of the one before."""

    seq: int
    problem: ChainProblem
    previous: int  # 0 when the break is at the first event read


def find_break(events: Iterable[AuditEvent]) -> ChainBreak | None:
    """Where and how the chain of `events` (in seq order) first fails, or None if it holds."""
    previous, prev_hash = 0, None
    for event in events:
        seq = event.seq or 0
        # The gap is checked first: deleting an event also breaks its successor's link, and
        # "missing" says more than "wrong link" when the numbers show it.
        if seq != previous + 1:
            return ChainBreak(seq, ChainProblem.GAP, previous)
        if event.prev_hash != prev_hash:
            return ChainBreak(seq, ChainProblem.LINK, previous)
        if event.hash != event_hash(event):
            return ChainBreak(seq, ChainProblem.CONTENT, previous)
        previous, prev_hash = seq, event.hash
    return None


def verify_chain(events: list[AuditEvent]) -> int | None:
    """The seq of the first event whose number, hash or link is wrong, or None if it holds."""
    found = find_break(events)
    return found.seq if found else None
