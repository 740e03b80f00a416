"""The Slack delivery a thread is handling, recorded in the transaction of the first verb it
runs: the record and the state change commit together, in one transaction instead of two.

A repeat of a delivery whose verb committed fails that insert (the key is unique) and is
ignored; a delivery whose listener ran no verb is recorded on its own after it (`settle`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from store.deliveries import first_delivery, record_delivery


class RepeatedDelivery(Exception):
    """This delivery was handled already: its verb must not run again."""


@dataclass
class Delivery:
    key: str
    at: dt.datetime
    recorded: bool = False


_handling: ContextVar[Delivery | None] = ContextVar("slack_delivery", default=None)


@contextmanager
def handling(key: str, at: dt.datetime) -> Iterator[Delivery]:
    """Mark `key` as the delivery this thread handles while the block runs."""
    delivery = Delivery(key, at)
    token = _handling.set(delivery)
    try:
        yield delivery
    finally:
        _handling.reset(token)


def record_in(session: Session) -> Delivery | None:
    """Record the delivery being handled, if not yet, in the session's transaction.

    Raises RepeatedDelivery when it was recorded before. The caller marks it recorded once
    its transaction commits.
    """
    delivery = _handling.get()
    if delivery is None or delivery.recorded:
        return None
    if not record_delivery(session, delivery.key, delivery.at):
        raise RepeatedDelivery(delivery.key)
    return delivery


def settle(engine: Engine, delivery: Delivery) -> None:
    """After the listener: record a delivery no verb recorded (it ran none, or was refused)."""
    if not delivery.recorded:
        first_delivery(engine, delivery.key, delivery.at)
