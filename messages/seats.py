"""Seat holders' DMs about their seats, IT's review waves and leaver notices, `/license mine`."""

from __future__ import annotations

from collections.abc import Sequence

from messages.render import Payload, cap, render_template
from messages.views import CaseCard, LeaverView, SeatLine, WaveView

MY_SEATS = 25  # `/license mine`: each with its Release dialog stays under 12,000 characters
RECLAIM_NEWS = frozenset({"reminder", "reclaimed", "removed", "downgraded", "by_it"})


def reclaim_root(card: CaseCard) -> Payload:
    """A seat holder's DM about one seat: the question (Keep, Release, Downgrade) while it is
    open, the outcome (with Request it back while that works) once it is decided."""
    return render_template("reclaim_root.j2", card=card)


def reclaim_news(card: CaseCard, event: str, *, handed_over: bool = False) -> Payload:
    """A reply in the thread of a seat holder's DM: a reminder or what happened to the seat."""
    if event not in RECLAIM_NEWS:
        raise ValueError(f"unknown reclaim news {event!r}; known: {sorted(RECLAIM_NEWS)}")
    return render_template("reclaim_news.j2", card=card, event=event, handed_over=handed_over)


def reclaim_wave(wave: WaveView) -> Payload:
    """IT's review of an app's seats past their deadline, with Reclaim all, Skip and Exclude."""
    return render_template("reclaim_wave.j2", wave=wave)


def it_leaver(leaver: LeaverView) -> Payload:
    """Tells IT that someone left and which seats are being taken back from them."""
    return render_template("it_leaver.j2", leaver=leaver)


def my_seats(seats: Sequence[SeatLine]) -> Payload:
    """`/license mine`: someone's seats with last use, cost and a Release button each."""
    shown, more = cap(seats, MY_SEATS)
    return render_template("my_seats.j2", seats=shown, more=more)
