"""A seat's last activity and what it is: the newest date from any source wins, with its words."""

from __future__ import annotations

import datetime as dt

from tests.fakes.clock import FakeClock
from tests.fakes.uow import FakeUnitOfWork
from workflows.catalog import AppConfig, Config, Tier
from workflows.commands import ReconcileSeats, RecordUsage
from workflows.model import Seat
from workflows.ports import SeatRecord
from workflows.sync import SeatDrift, reconcile_seats, record_usage

ANN = "ann@acme.test"
SIGN_IN, REPORT = "last Okta sign-in", "usage report"
OCT_1, OCT_5 = dt.date(2026, 10, 1), dt.date(2026, 10, 5)
CONFIG = Config(apps=[AppConfig(key="figma", name="Figma", tiers=[Tier(key="pro", name="Pro")])])


def holding(day: dt.date | None, words: str | None) -> FakeUnitOfWork:
    """A store where Ann holds a Figma seat last used on `day`, as `words` say."""
    uow = FakeUnitOfWork()
    uow.seats.add(Seat("figma", "pro", ANN, last_active_on=day, activity_source=words))
    return uow


def listed(uow: FakeUnitOfWork, *records: SeatRecord) -> SeatDrift:
    cmd = ReconcileSeats("figma", records)
    return reconcile_seats(cmd, uow=uow, config=CONFIG, clock=FakeClock())


def reported(uow: FakeUnitOfWork, day: dt.date) -> tuple[int, int]:
    cmd = RecordUsage("figma", {ANN: day}, REPORT)
    return record_usage(cmd, uow=uow, config=CONFIG, clock=FakeClock())


def activity(uow: FakeUnitOfWork) -> tuple[dt.date | None, str | None]:
    seat = uow.seats.held_on("figma")[0]
    return seat.last_active_on, seat.activity_source


def test_a_newer_date_from_a_vendor_wins_over_a_usage_report_and_records_its_words() -> None:
    uow = holding(OCT_1, REPORT)

    drift = listed(uow, SeatRecord(ANN, "pro", last_active_on=OCT_5, activity=SIGN_IN))

    assert activity(uow) == (OCT_5, SIGN_IN)
    assert drift.activity == 1


def test_a_newer_date_from_a_usage_report_wins_over_a_vendors_and_records_its_words() -> None:
    uow = holding(OCT_1, SIGN_IN)

    assert reported(uow, OCT_5) == (1, 0)
    assert activity(uow) == (OCT_5, REPORT)


def test_the_same_date_from_another_source_keeps_the_words_already_stored() -> None:
    uow = holding(OCT_5, SIGN_IN)

    assert reported(uow, OCT_5) == (0, 0)
    assert activity(uow) == (OCT_5, SIGN_IN)


def test_an_older_date_from_any_source_changes_neither_the_date_nor_its_words() -> None:
    uow = holding(OCT_5, REPORT)

    drift = listed(uow, SeatRecord(ANN, "pro", last_active_on=OCT_1, activity=SIGN_IN))

    assert (drift.activity, reported(uow, OCT_1)) == (0, (0, 0))
    assert activity(uow) == (OCT_5, REPORT)


def test_a_vendor_listing_no_date_keeps_the_date_and_words_already_stored() -> None:
    uow = holding(OCT_5, REPORT)

    listed(uow, SeatRecord(ANN, "pro"))

    assert activity(uow) == (OCT_5, REPORT)


def test_the_same_date_on_a_seat_stored_without_words_gains_the_sources_words() -> None:
    uow = holding(OCT_5, None)

    drift = listed(uow, SeatRecord(ANN, "pro", last_active_on=OCT_5, activity=SIGN_IN))

    assert activity(uow) == (OCT_5, SIGN_IN)
    assert drift.activity == 1


def test_a_newly_found_seat_stores_the_words_of_its_record() -> None:
    uow = FakeUnitOfWork()

    listed(uow, SeatRecord(ANN, "pro", last_active_on=OCT_1, activity=SIGN_IN))

    assert activity(uow) == (OCT_1, SIGN_IN)


def test_two_records_of_one_email_keep_the_words_of_the_later_date_whatever_their_order() -> None:
    older = SeatRecord(ANN, "pro", last_active_on=OCT_1, activity=REPORT)
    newer = SeatRecord(ANN.upper(), "pro", last_active_on=OCT_5, activity=SIGN_IN)
    one, other = FakeUnitOfWork(), FakeUnitOfWork()

    listed(one, older, newer)
    listed(other, newer, older)

    assert activity(one) == activity(other) == (OCT_5, SIGN_IN)
