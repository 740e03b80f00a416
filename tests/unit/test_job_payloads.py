"""Job payloads: one model per kind, stored as the same JSON as before, read back or refused."""

from __future__ import annotations

from typing import Any

import pytest

from tests.fakes.clock import FakeClock
from tests.fakes.uow import FakeUnitOfWork
from workflows import jobs
from workflows.errors import BadPayload
from workflows.model import Job

# Payloads as the job table holds them (one of each shape the workflows and the bot queue).
STORED: list[tuple[str, dict[str, Any]]] = [
    (jobs.REQUESTER_UPDATE, {"request_id": 7, "event": "submitted"}),
    (jobs.REQUESTER_UPDATE, {"request_id": 7, "event": "denied", "actor": "U1", "reason": "No"}),
    (jobs.REQUESTER_UPDATE, {"request_id": 7, "event": "waitlisted", "position": 2}),
    (
        jobs.REQUESTER_UPDATE,
        {"request_id": 7, "event": "step_approved", "actor": "U1", "waiting_on": ["U2", "U3"]},
    ),
    (jobs.REQUESTER_UPDATE, {"request_id": 7, "event": "step_approved", "waiting_on": []}),
    (jobs.APPROVERS_ASK, {"request_id": 7, "step_id": 9}),
    (jobs.APPROVERS_CLOSE, {"request_id": 7, "step_id": 9}),
    (jobs.APPROVERS_CLOSE, {"request_id": 7, "step_id": 9, "note": "Expired without a decision"}),
    (jobs.APPROVERS_REMIND, {"approver": "U1", "items": [[7, 9], [8, 10]]}),
    (jobs.IT_TASK, {"task_id": 3}),
    (jobs.IT_TASK_DONE, {"task_id": 3}),
    (jobs.IT_NOTICE, {"event": "no_approver", "request_id": 7}),
    (jobs.IT_NOTICE, {"event": "waitlisted", "request_id": 7}),
    (jobs.IT_NOTICE, {"event": "text", "text": "Slack cannot deliver it"}),
    (jobs.IT_NOTICE, {"event": "text", "text": "gave up", "detail": None}),
    (
        jobs.IT_NOTICE,
        {
            "event": "sync",
            "summary": {
                "apps": [
                    {
                        "app_name": "Figma",
                        "found": 1,
                        "gone": 0,
                        "tier_changes": 0,
                        "examples": ["a@acme.test"],
                        "error": None,
                    }
                ],
                "joined": 2,
                "left": ["b@acme.test"],
                "directory_error": None,
            },
        },
    ),
    (jobs.PROVISION, {"request_id": 7}),
    (jobs.HOME_REFRESH, {"user": "U1"}),
    (jobs.RECLAIM_NOTIFY, {"case_id": 4}),
    (jobs.RECLAIM_NOTIFY, {"case_id": 4, "gated": False}),
    (jobs.RECLAIM_UPDATE, {"case_id": 4}),
    (jobs.RECLAIM_NEWS, {"case_id": 4, "event": "reminder"}),
    (jobs.RECLAIM_NEWS, {"case_id": 4, "event": "removed", "gated": False, "handed_over": True}),
    (jobs.SEAT_RELEASE, {"case_id": 4}),
    (jobs.WAVE_POST, {"wave_id": 2}),
    (jobs.WAVE_UPDATE, {"wave_id": 2}),
    (jobs.DIGEST_POST, {"digest_id": 3}),
    (jobs.NOTICE_ALERT, {"app_key": "figma", "threshold": 14, "notice_deadline": "2027-01-30"}),
    (
        jobs.IT_LEAVER,
        {"email": "b@acme.test", "seats": [{"app_key": "figma", "tier_key": "professional"}]},
    ),
]


def stored_job(kind: str, payload: Any) -> Job:
    return Job(kind, f"{kind}:1", payload, run_after=FakeClock().now())


@pytest.mark.parametrize(("kind", "payload"), STORED, ids=[f"{k} {sorted(p)}" for k, p in STORED])
def test_a_stored_payload_reads_as_its_kinds_model_and_is_stored_again_unchanged(
    kind: str, payload: dict[str, Any]
) -> None:
    model = jobs.PAYLOADS[kind]
    read = jobs.read(stored_job(kind, payload), model)
    uow = FakeUnitOfWork()

    job = jobs.enqueue(uow, FakeClock(), read, "again")

    assert isinstance(read, model)
    assert job is not None
    assert (job.kind, job.key, job.payload) == (kind, f"{kind}:again", payload)


def test_every_job_kind_has_a_payload_model_that_says_its_kind() -> None:
    kinds = {kind for kind, _ in STORED}

    assert set(jobs.PAYLOADS) == kinds
    assert all(model.kind == kind for kind, model in jobs.PAYLOADS.items())


@pytest.mark.parametrize(
    ("payload", "queue"),
    [
        (jobs.RequesterUpdate(request_id=7, event="submitted"), "request:7"),
        (jobs.ApproversAsk(request_id=7, step_id=9), "step:9"),
        (jobs.ApproversClose(request_id=7, step_id=9), "step:9"),
        (jobs.ITTask(task_id=3), "task:3"),
        (jobs.ITTaskDone(task_id=3), "task:3"),
        (jobs.Provision(request_id=7), "provision:7"),
        (jobs.ApproversRemind(approver="U1", items=((7, 9),)), None),
        (jobs.ITNotice(event="text", text="hello"), None),
        (jobs.HomeRefresh(user="U1"), None),
        (jobs.ReclaimNotify(case_id=4), "case:4"),
        (jobs.ReclaimUpdate(case_id=4), "case:4"),
        (jobs.ReclaimNews(case_id=4, event="reminder"), "case:4"),
        (jobs.SeatRelease(case_id=4), "release:4"),
        (jobs.WavePost(wave_id=2), "wave:2"),
        (jobs.WaveUpdate(wave_id=2), "wave:2"),
        (jobs.ITLeaver(email="b@acme.test", seats=()), None),
        (jobs.DigestPost(digest_id=3), None),
        (jobs.NoticeAlert(app_key="figma", threshold=7, notice_deadline="2027-01-30"), None),
    ],
)
def test_a_job_takes_its_kind_and_ordering_queue_from_its_payload(
    payload: jobs.Payload, queue: str | None
) -> None:
    job = jobs.enqueue(FakeUnitOfWork(), FakeClock(), payload, "k")

    assert job is not None
    assert (job.kind, job.queue) == (payload.kind, queue)


@pytest.mark.parametrize(
    ("payload", "fault"),
    [
        ({"event": "denied"}, "request_id: Field required"),
        ({"request_id": "seven", "event": "denied"}, "request_id: Input should be a valid integer"),
        ({"request_id": 7, "event": "denied", "colour": "crimson"}, "colour: Extra inputs"),
        (["request_id", 7], "payload: Input should be a valid dictionary"),
    ],
)
def test_a_stored_payload_that_does_not_fit_its_model_is_refused_naming_the_field(
    payload: Any, fault: str
) -> None:
    with pytest.raises(BadPayload, match=r"does not fit a requester\.update job") as refused:
        jobs.read(stored_job(jobs.REQUESTER_UPDATE, payload), jobs.RequesterUpdate)

    assert fault in str(refused.value)
    assert "seven" not in str(refused.value) and "crimson" not in str(refused.value)


def test_a_payload_is_not_read_as_another_kinds_model() -> None:
    with pytest.raises(BadPayload, match="not a provision payload"):
        jobs.read(stored_job(jobs.IT_TASK, {"task_id": 3}), jobs.Provision)


def test_a_queued_payload_is_rewritten_only_by_one_of_its_kind_and_queue() -> None:
    job = jobs.enqueue(
        FakeUnitOfWork(), FakeClock(), jobs.RequesterUpdate(request_id=7, event="e"), "k"
    )
    assert job is not None

    jobs.rewrite(job, jobs.RequesterUpdate(request_id=7, event="e", waiting_on=("U2",)))

    assert job.payload == {"request_id": 7, "event": "e", "waiting_on": ["U2"]}
    with pytest.raises(ValueError, match="cannot replace"):
        jobs.rewrite(job, jobs.RequesterUpdate(request_id=8, event="e"))
    with pytest.raises(ValueError, match="cannot replace"):
        jobs.rewrite(job, jobs.Provision(request_id=7))


def test_a_payload_model_is_frozen() -> None:
    payload = jobs.Provision(request_id=7)

    with pytest.raises(ValueError, match="frozen"):
        payload.request_id = 8  # type: ignore[misc]
