"""Durable side effects: job kinds and their payloads, how they are queued, the retry policy.

Each kind has one payload model (`Payload`); it says the kind and the ordering queue, and is
stored as the job's JSON. A handler reads it back with `read`, so a stored payload that does
not fit its model is found before anything is done (`BadPayload`, which no retry can fix).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from workflows.catalog import Config
from workflows.commands import QueueHomeRefresh
from workflows.errors import BadPayload
from workflows.model import Job
from workflows.ports import Clock, UnitOfWork
from workflows.states import JOB, JobEvent, allows, next_state

REQUESTER_UPDATE = "requester.update"
APPROVERS_ASK = "approvers.ask"
APPROVERS_CLOSE = "approvers.close"
APPROVERS_REMIND = "approvers.remind"
IT_TASK = "it.task"
IT_TASK_DONE = "it.task_done"
IT_NOTICE = "it.notice"
PROVISION = "provision"
HOME_REFRESH = "home.refresh"
RECLAIM_NOTIFY = "reclaim.notify"
RECLAIM_UPDATE = "reclaim.update"
RECLAIM_NEWS = "reclaim.news"
SEAT_RELEASE = "seat.release"
WAVE_POST = "wave.post"
WAVE_UPDATE = "wave.update"
IT_LEAVER = "it.leaver"
DIGEST_POST = "digest.post"
NOTICE_ALERT = "notice.alert"

BACKOFF_BASE_SECONDS = 30
BACKOFF_CAP_SECONDS = 3600


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Payload(_Frozen):
    """What a job needs to know to run; the class says the job's kind."""

    kind: ClassVar[str]

    @property
    def queue(self) -> str | None:
        """The ordering queue: jobs sharing one run one after another, oldest first.

        Narrow enough that one stuck job holds up little. None: the job waits for nobody.
        """
        return None


class RequesterUpdate(Payload):
    """News for the requester's DM thread; replies never overtake the first message."""

    kind: ClassVar[str] = REQUESTER_UPDATE
    request_id: int
    event: str
    actor: str | None = None
    reason: str | None = None
    position: int | None = None
    waiting_on: tuple[str, ...] | None = None  # who it waited for then (else: who it waits for)

    @property
    def queue(self) -> str | None:
        return f"request:{self.request_id}"


class ApproversAsk(Payload):
    """Ask a step's approvers; its messages are posted before they are closed."""

    kind: ClassVar[str] = APPROVERS_ASK
    request_id: int
    step_id: int

    @property
    def queue(self) -> str | None:
        return f"step:{self.step_id}"


class ApproversClose(Payload):
    """Replace a step's approval messages once it is decided or skipped; `former_only`: just
    the messages of approvers no longer on the step (it moved to a new manager)."""

    kind: ClassVar[str] = APPROVERS_CLOSE
    request_id: int
    step_id: int
    note: str | None = None
    former_only: bool = False

    @property
    def queue(self) -> str | None:
        return f"step:{self.step_id}"


class ApproversRemind(Payload):
    """Remind one approver of the (request id, step id) pairs waiting on them."""

    kind: ClassVar[str] = APPROVERS_REMIND
    approver: str
    items: tuple[tuple[int, int], ...]


class ITTask(Payload):
    """Post an IT task with its Done button; posted before it is marked done."""

    kind: ClassVar[str] = IT_TASK
    task_id: int

    @property
    def queue(self) -> str | None:
        return f"task:{self.task_id}"


class ITTaskDone(Payload):
    """Mark an IT task's message done."""

    kind: ClassVar[str] = IT_TASK_DONE
    task_id: int

    @property
    def queue(self) -> str | None:
        return f"task:{self.task_id}"


class AppSyncLine(_Frozen):
    """What a sync found for one app (counts, a few emails as examples, or the error)."""

    app_name: str
    found: int = 0
    gone: int = 0
    tier_changes: int = 0
    examples: tuple[str, ...] = ()
    error: str | None = None


class SyncSummary(_Frozen):
    """What a sync that changed something found, for the IT channel."""

    apps: tuple[AppSyncLine, ...] = ()
    joined: int = 0
    left: tuple[str, ...] = ()
    directory_error: str | None = None


class ITNotice(Payload):
    """Something for the IT channel: a sync's summary, a waitlisted request, or words."""

    kind: ClassVar[str] = IT_NOTICE
    event: str  # "sync", "waitlisted", "text", or one of the bot's worded events
    request_id: int | None = None
    text: str | None = None
    detail: str | None = None
    summary: SyncSummary | None = None


class Provision(Payload):
    """Assign a request's seat through its app's connector (waits for no Slack message)."""

    kind: ClassVar[str] = PROVISION
    request_id: int

    @property
    def queue(self) -> str | None:
        return f"provision:{self.request_id}"


class HomeRefresh(Payload):
    """Re-publish someone's App Home."""

    kind: ClassVar[str] = HOME_REFRESH
    user: str


class _CaseMessage(Payload):
    """A message in a seat holder's DM about one case: they run in order, root first."""

    case_id: int

    @property
    def queue(self) -> str | None:
        return f"case:{self.case_id}"


class ReclaimNotify(_CaseMessage):
    """Post the case's root DM (the question, or the news of a release) once.

    `gated`: wait for the holder's working hours (Seatkeeper asks); else post now (they acted).
    """

    kind: ClassVar[str] = RECLAIM_NOTIFY
    gated: bool = True


class ReclaimUpdate(_CaseMessage):
    """Show the case's current state in its root DM, in place (no stale buttons)."""

    kind: ClassVar[str] = RECLAIM_UPDATE


class ReclaimNews(_CaseMessage):
    """A reply in the case's DM thread: a reminder, or what happened to the seat."""

    kind: ClassVar[str] = RECLAIM_NEWS
    event: str
    gated: bool = True
    handed_over: bool = False  # the freed seat went to a colleague who was waiting


class SeatRelease(Payload):
    """Remove or downgrade a case's seat through its app's connector (no Slack message)."""

    kind: ClassVar[str] = SEAT_RELEASE
    case_id: int

    @property
    def queue(self) -> str | None:
        return f"release:{self.case_id}"


class _WaveMessage(Payload):
    wave_id: int

    @property
    def queue(self) -> str | None:
        return f"wave:{self.wave_id}"


class WavePost(_WaveMessage):
    """Post a review wave to the IT channel once."""

    kind: ClassVar[str] = WAVE_POST


class WaveUpdate(_WaveMessage):
    """Show a review wave's current state in place."""

    kind: ClassVar[str] = WAVE_UPDATE


class LeaverSeat(_Frozen):
    """One seat a leaver held, as the IT channel is told of it."""

    app_key: str
    tier_key: str


class ITLeaver(Payload):
    """Tell the IT channel that someone left and which of their seats are being taken back."""

    kind: ClassVar[str] = IT_LEAVER
    email: str
    seats: tuple[LeaverSeat, ...]


class DigestPost(Payload):
    """Post a stored digest to the IT channel (in as many messages as it needs), once."""

    kind: ClassVar[str] = DIGEST_POST
    digest_id: int


class NoticeAlert(Payload):
    """Tell IT that an app's notice deadline is near: at most `threshold` days away (one job
    per threshold and deadline, so each is sent once)."""

    kind: ClassVar[str] = NOTICE_ALERT
    app_key: str
    threshold: int
    notice_deadline: str  # ISO date


PAYLOADS: dict[str, type[Payload]] = {
    model.kind: model
    for model in (
        RequesterUpdate,
        ApproversAsk,
        ApproversClose,
        ApproversRemind,
        ITTask,
        ITTaskDone,
        ITNotice,
        Provision,
        HomeRefresh,
        ReclaimNotify,
        ReclaimUpdate,
        ReclaimNews,
        SeatRelease,
        WavePost,
        WaveUpdate,
        ITLeaver,
        DigestPost,
        NoticeAlert,
    )
}
# Jobs that call a vendor: they run beside the Slack messages, so a hung vendor delays no DM.
VENDOR_KINDS = frozenset({Provision.kind, SeatRelease.kind})
P = TypeVar("P", bound=Payload)


def enqueue(uow: UnitOfWork, clock: Clock, payload: Payload, key: str) -> Job | None:
    """Queue a side effect in the current transaction; a repeated key is ignored (None)."""
    job = Job(
        kind=payload.kind,
        key=f"{payload.kind}:{key}",
        payload=_stored(payload),
        run_after=clock.now(),
        created_at=clock.now(),
        queue=payload.queue,
    )
    return job if uow.jobs.add(job) else None


def read(job: Job, model: type[P]) -> P:
    """The job's payload as `model`; `BadPayload` when the stored one does not fit it."""
    if job.kind != model.kind:
        raise BadPayload(f"a {job.kind} job's payload is not a {model.kind} payload")
    return _fitted(model, job.payload)


def rewrite(job: Job, payload: Payload) -> None:
    """Replace what a job queued in this transaction will say; its kind and queue stay."""
    if payload.kind != job.kind or payload.queue != job.queue:
        raise ValueError(f"a {payload.kind} payload cannot replace a {job.kind} job's")
    job.payload = _stored(payload)


def _stored(payload: Payload) -> dict[str, Any]:
    # Only the fields given are stored, so the JSON says what the caller said and no more.
    return payload.model_dump(mode="json", exclude_unset=True)


def _fitted(model: type[P], data: object) -> P:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise BadPayload(f"the payload does not fit a {model.kind} job: {_problems(exc)}") from None


def _problems(exc: ValidationError) -> str:
    """Each field at fault and why, without the values (a payload may quote anything)."""
    return "; ".join(
        f"{'.'.join(str(part) for part in error['loc']) or 'payload'}: {error['msg']}"
        for error in exc.errors()
    )


def retry_delay(attempts: int, retry_after: float | None = None) -> dt.timedelta:
    """Exponential backoff after `attempts` failures, never shorter than the vendor asked."""
    delay = min(BACKOFF_BASE_SECONDS * 2 ** max(attempts - 1, 0), BACKOFF_CAP_SECONDS)
    return dt.timedelta(seconds=max(delay, retry_after or 0))


def claim(job: Job, *, now: dt.datetime, lease: dt.timedelta, holder: str) -> None:
    """Lease `job` to `holder` until now+lease; a lease that ran out is taken over."""
    if allows(JOB, job.status, JobEvent.LEASE_EXPIRED):
        job.status = next_state(JOB, job.status, JobEvent.LEASE_EXPIRED)
    job.status = next_state(JOB, job.status, JobEvent.CLAIM)
    job.leased_until, job.lease_holder = now + lease, holder
    job.claims += 1


def succeed(job: Job) -> None:
    """The job's effect happened."""
    job.status = next_state(JOB, job.status, JobEvent.SUCCEED)
    job.leased_until = None


def fail(job: Job, error: str, *, now: dt.datetime, retry_after: float | None, final: bool) -> bool:
    """Record a failed try: run again after a backoff, or give up; True when given up."""
    job.attempts += 1
    job.last_error = error[:2000]
    give_up = final or job.attempts >= job.max_attempts
    job.status = next_state(JOB, job.status, JobEvent.GIVE_UP if give_up else JobEvent.RETRY)
    job.run_after = now + retry_delay(job.attempts, retry_after)
    job.leased_until = None
    return give_up


def defer(job: Job, until: dt.datetime) -> None:
    """Not due yet: run the job again at `until`, as if this run had not started it."""
    job.status = next_state(JOB, job.status, JobEvent.DEFER)
    job.run_after = until
    job.leased_until, job.lease_holder = None, None
    job.claims -= 1  # this run did nothing, so it must not make the next look like a re-run


def release(job: Job) -> None:
    """Hand a running job back to the queue at once (its holder is stopping)."""
    job.status = next_state(JOB, job.status, JobEvent.RELEASE)
    job.leased_until, job.lease_holder = None, None


def queue_home_refresh(
    cmd: QueueHomeRefresh, *, uow: UnitOfWork, config: Config, clock: Clock
) -> None:
    """Re-publish someone's App Home after the ack (never while Slack waits for it)."""
    enqueue(uow, clock, HomeRefresh(user=cmd.user), f"{cmd.user}:{clock.now().isoformat()}")
