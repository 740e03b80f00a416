"""The append-only audit trail: who did what to which thing, and when."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from workflows.model import AuditEvent
from workflows.ports import Clock, UnitOfWork

SYSTEM = "seatkeeper"
SYNC = "sync"  # the actor of what a directory or vendor sync changed


def record(
    uow: UnitOfWork, clock: Clock, actor: str, action: str, subject: str, **data: Any
) -> None:
    """Append one audit event in the current unit of work."""
    uow.audit.append(
        AuditEvent(at=clock.now(), actor=actor, action=action, subject=subject, data=data)
    )


def seal(event: AuditEvent, seq: int, prev_hash: str | None) -> AuditEvent:
    """Number the event and chain it to the one before with a SHA-256 hash."""
    event.seq = seq
    event.prev_hash = prev_hash
    event.hash = event_hash(event)
    return event


def event_hash(event: AuditEvent) -> str:
    """The hash of an event's content and its predecessor's hash."""
    body = json.dumps(
        [
            event.seq,
            event.at.isoformat(),
            event.actor,
            event.action,
            event.subject,
            event.data,
            event.prev_hash,
        ],
        sort_keys=True,
        separators=(",", ":"),
        default=str,
    )
    return hashlib.sha256(body.encode()).hexdigest()


def verify_chain(events: list[AuditEvent]) -> int | None:
    """The seq of the first event whose hash or link is wrong, or None if the chain holds."""
    prev: str | None = None
    for event in events:
        if event.prev_hash != prev or event.hash != event_hash(event):
            return event.seq
        prev = event.hash
    return None
