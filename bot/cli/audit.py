"""`seatkeeper audit verify`: whether the audit trail is whole, or where and how it breaks."""

from __future__ import annotations

from bot.runtime.runner import Runner
from workflows.audit import ChainBreak, ChainProblem, find_break

SHOWN_HASH = 12  # hex digits of the last hash printed: enough to compare by eye


def verify_trail(runner: Runner) -> int:
    """Read the whole trail in order and print whether it holds: 0 if it does, 1 if not."""
    with runner.uow() as uow:
        events = uow.audit.all()
    found = find_break(events)
    if found is not None:
        print(f"audit trail broken at event #{found.seq}: {why(found)}")
        return 1
    count = f"{len(events)} event" + ("" if len(events) == 1 else "s")
    last = f", last hash {(events[-1].hash or '')[:SHOWN_HASH]}" if events else ""
    print(f"audit trail intact: {count}{last}")
    return 0


def why(found: ChainBreak) -> str:
    """What is wrong at the break, in words."""
    if found.problem is ChainProblem.CONTENT:
        return "its content does not match its hash (the event was edited)"
    if found.problem is ChainProblem.LINK:
        return (
            "its link to the previous event is wrong "
            "(an event before it was deleted, or events were reordered)"
        )
    if found.seq <= found.previous:
        return f"it comes after event #{found.previous} (events were reordered)"
    first, last = found.previous + 1, found.seq - 1
    if first == last:
        return f"event #{first} is missing (deleted)"
    return f"events #{first} to #{last} are missing (deleted)"
