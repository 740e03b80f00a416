"""Connector calls are counted by app, operation and where the failure sits in the error tree."""

from __future__ import annotations

import pytest

from bot.runtime.metrics import Metrics
from bot.runtime.vendor_calls import counted
from connectors.manual import ManualConnector
from tests.scrape import Scrape
from workflows.ports import (
    Assignee,
    ConnectorError,
    NotSupported,
    Rejected,
    Retryable,
    UnknownUser,
)

WHO = Assignee("ann@acme.test", "Ann", "U0ANN0001")


class Failing(ManualConnector):
    """A connector whose writes fail with a given exception."""

    def __init__(self, failure: Exception) -> None:
        super().__init__("desk", "Desk")
        self.failure = failure

    def assign(self, who: Assignee, tier: str) -> None:
        raise self.failure


@pytest.mark.parametrize(
    ("failure", "outcome"),
    [
        (Retryable("503 from the vendor", retry_after=5), "retryable"),
        (Rejected("no such group"), "rejected"),
        (UnknownUser("no such user"), "unknown_user"),
        (NotSupported("assigned by hand"), "not_supported"),
        (ConnectorError("the vendor said something odd"), "failed"),
        (KeyError("id"), "error"),
    ],
)
def test_a_failed_call_is_counted_with_its_kind_and_raises_as_before(
    failure: Exception, outcome: str
) -> None:
    metrics = Metrics()
    desk = counted({"desk": Failing(failure)}, metrics.vendor_calls)["desk"]

    with pytest.raises(type(failure)) as raised:
        desk.assign(WHO, "standard")
    desk.check()

    assert raised.value is failure
    scrape = Scrape(metrics.exposition().decode())
    assert scrape.labelled("seatkeeper_vendor_calls_total") == {
        ("desk", "assign", outcome): 1,
        ("desk", "check", "ok"): 1,
    }
    assert "ann@acme.test" not in scrape.text
