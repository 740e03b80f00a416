"""A listing applied in one batch ends exactly as it would applied one record at a time."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.fakes.clock import FakeClock
from tests.fakes.uow import FakeUnitOfWork
from workflows.catalog import Config
from workflows.commands import UpdatePeople
from workflows.directory import merge_listing, update_people
from workflows.model import Person
from workflows.ports import PersonRecord

EMAILS = ["ann@acme.test", "Bob@acme.test", "cy@acme.test", "dee@acme.test"]
SLACK_IDS = [None, "U0000000A", "U0000000B", "U0000000C"]

records = st.lists(
    st.builds(
        PersonRecord,
        email=st.sampled_from(EMAILS),
        name=st.sampled_from(["", "New name"]),
        slack_user_id=st.sampled_from(SLACK_IDS),
        manager_email=st.sampled_from([None, "Ann@acme.test"]),
        active=st.booleans(),
    ),
    max_size=6,
)
# Who is stored before: distinct emails, each Slack id held by one person at most.
stored = st.lists(
    st.tuples(st.sampled_from(EMAILS), st.sampled_from(SLACK_IDS), st.booleans()),
    max_size=4,
    unique_by=(lambda p: p[0].lower(), lambda p: p[1] or p[0]),
)


def directory(people: list[tuple[str, str | None, bool]]) -> FakeUnitOfWork:
    return FakeUnitOfWork(
        [Person(email, "Old name", slack, active=active) for email, slack, active in people]
    )


def state(uow: FakeUnitOfWork) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    people = [
        (p.email, p.name, p.slack_user_id, p.manager_email, p.active, p.in_directory)
        for p in uow.people.all()
    ]
    events = [(e.action, e.subject, e.data) for e in uow.audit.all()]
    return people, events


@settings(max_examples=300, deadline=None)
@given(before=stored, listed=records, complete=st.booleans())
def test_one_batch_changes_the_directory_exactly_as_one_record_at_a_time_would(
    before: list[tuple[str, str | None, bool]], listed: list[PersonRecord], complete: bool
) -> None:
    merged, clock = merge_listing(listed), FakeClock()
    at_once, one_by_one = directory(before), directory(before)

    config = Config()
    batch = update_people(
        UpdatePeople(merged, complete=complete), uow=at_once, config=config, clock=clock
    )
    singles = [
        update_people(
            UpdatePeople([found], complete=complete), uow=one_by_one, config=config, clock=clock
        )
        for found in merged
    ]
    at_once.commit()
    one_by_one.commit()

    assert state(at_once) == state(one_by_one)
    assert batch.added == [email for single in singles for email in single.added]
    assert batch.updated == [email for single in singles for email in single.updated]
    assert batch.left == [email for single in singles for email in single.left]
