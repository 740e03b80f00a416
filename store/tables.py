"""The schema. Uniqueness constraints here make retries and double clicks harmless."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
    text,
)

from store.types import ApprovalMessages, StrEnumType, UTCDateTime
from workflows.model import (
    OPEN_CASE_STATUSES,
    OPEN_JOB_STATUSES,
    OPEN_REQUEST_STATUSES,
    CaseKind,
    CaseStatus,
    JobStatus,
    RequestStatus,
    SeatStatus,
    StepStatus,
    TaskStatus,
    TokenScope,
    WaveStatus,
)

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)
SLACK_ID = String(32)

people = Table(
    "people",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("email", String(320), nullable=False, unique=True),
    Column("name", String(200), nullable=False, default=""),
    Column("slack_user_id", SLACK_ID, unique=True),
    Column("manager_email", String(320)),
    Column("department", String(200), nullable=False, default=""),
    Column("active", Boolean, nullable=False, default=True),
    Column("in_directory", Boolean, nullable=False, default=False, server_default=false()),
    Column("external_id", String(255), index=True),  # the identity provider's id (externalId)
    Column("pushed_at", UTCDateTime),  # last pushed over SCIM: part of the pushed directory
    Column("deleted_at", UTCDateTime),  # deleted over SCIM: kept, inactive, but not listed
)

apps = Table(
    "apps",
    metadata,
    Column("key", String(63), primary_key=True),
    Column("name", String(60), nullable=False),
    Column("owner", SLACK_ID),
    Column("connector_type", String(32), nullable=False),
    Column("retired", Boolean, nullable=False, default=False),
)

tiers = Table(
    "tiers",
    metadata,
    Column("app_key", String(63), ForeignKey("apps.key"), primary_key=True),
    Column("key", String(63), primary_key=True),
    Column("name", String(60), nullable=False),
    Column("monthly_price", Numeric(12, 2), nullable=False),
    Column("retired", Boolean, nullable=False, default=False),
)

contracts = Table(
    "contracts",
    metadata,
    Column("app_key", String(63), ForeignKey("apps.key"), primary_key=True),
    Column("seats", Integer),
    Column("renews_on", Date),
    Column("notice_days", Integer, nullable=False),
    Column("auto_renew", Boolean, nullable=False),
)

requests = Table(
    "requests",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("requester", SLACK_ID, nullable=False),
    Column("app_key", String(63), nullable=False),
    Column("tier_key", String(63), nullable=False),
    Column("reason", Text, nullable=False),
    Column("end_date", Date),
    Column("status", StrEnumType(RequestStatus), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("approved_at", UTCDateTime),
    Column("closed_at", UTCDateTime),
    Column("thread_channel", SLACK_ID),
    Column("thread_ts", String(32)),
    Column("version", Integer, nullable=False),
    ForeignKeyConstraint(["app_key", "tier_key"], ["tiers.app_key", "tiers.key"]),
    Index("ix_requests_status_app", "status", "app_key"),
)
_open = requests.c.status.in_(sorted(s.value for s in OPEN_REQUEST_STATUSES))
Index(
    "uq_requests_one_open",
    requests.c.requester,
    requests.c.app_key,
    requests.c.tier_key,
    unique=True,
    sqlite_where=_open,
    postgresql_where=_open,
)

approval_steps = Table(
    "approval_steps",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("request_id", Integer, ForeignKey("requests.id"), nullable=False),
    Column("position", Integer, nullable=False),
    Column("rule", String(32), nullable=False),
    Column("status", StrEnumType(StepStatus), nullable=False),
    Column("approvers", JSON, nullable=False),
    Column("started_at", UTCDateTime),
    Column("reminded_at", UTCDateTime),
    Column("escalated_at", UTCDateTime),
    Column("decided_by", SLACK_ID),
    Column("decided_at", UTCDateTime),
    Column("reason", Text),
    Column("messages", ApprovalMessages, nullable=False),
    UniqueConstraint("request_id", "position"),
)

seats = Table(
    "seats",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("app_key", String(63), ForeignKey("apps.key"), nullable=False),
    Column("tier_key", String(63), nullable=False),
    Column("email", String(320), nullable=False),
    Column("slack_user_id", SLACK_ID),
    Column("status", StrEnumType(SeatStatus), nullable=False),
    Column("assigned_on", Date),
    Column("last_active_on", Date),
    Column("ended_on", Date),
    Column("request_id", Integer, ForeignKey("requests.id")),
    Column("paid_until", Date),
    Column("recorded_at", UTCDateTime),
    Column("end_date", Date),
    Column("activity_source", String(64)),
    Column("snoozed_until", UTCDateTime),
    Index("ix_seats_app_status", "app_key", "status"),
    Index("ix_seats_email", "email"),  # a person's seats, whatever the app and status
    # Seats counted per app and tier in index order, without sorting every held seat.
    Index("ix_seats_app_tier", "app_key", "tier_key"),
    # The reclaim pass's ways to its few candidates among many recently used seats.
    Index("ix_seats_last_active_on", "last_active_on"),
    Index("ix_seats_end_date", "end_date"),
)
_held = seats.c.status.in_([SeatStatus.ACTIVE.value, SeatStatus.RELEASING.value])
Index(
    "uq_seats_one_active",
    seats.c.email,
    seats.c.app_key,
    unique=True,
    sqlite_where=_held,
    postgresql_where=_held,
)

tasks = Table(
    "tasks",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String(32), nullable=False),
    Column("summary", Text, nullable=False),
    Column("why", Text, nullable=False),
    Column("detail", Text),  # outside text (a vendor's refusal), shown as plain text
    Column("created_at", UTCDateTime, nullable=False),
    Column("request_id", Integer, ForeignKey("requests.id")),
    Column("status", StrEnumType(TaskStatus), nullable=False),
    Column("channel", SLACK_ID),
    Column("ts", String(32)),
    Column("done_by", SLACK_ID),
    Column("done_at", UTCDateTime),
    Column("case_id", Integer, ForeignKey("reclaim_cases.id")),
)

digests = Table(
    "digests",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("requested_by", String(64), nullable=False),
    Column("payload", JSON, nullable=False),
    Index("ix_digests_created_at", "created_at"),
)

reclaim_waves = Table(
    "reclaim_waves",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("app_key", String(63), ForeignKey("apps.key"), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("status", StrEnumType(WaveStatus), nullable=False),
    Column("channel", SLACK_ID),
    Column("ts", String(32)),
    Column("decided_by", SLACK_ID),
    Column("decided_at", UTCDateTime),
    Column("version", Integer, nullable=False),
)

reclaim_cases = Table(
    "reclaim_cases",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("seat_id", Integer, ForeignKey("seats.id"), nullable=False),
    Column("app_key", String(63), ForeignKey("apps.key"), nullable=False),
    Column("tier_key", String(63), nullable=False),
    Column("email", String(320), nullable=False),
    Column("kind", StrEnumType(CaseKind), nullable=False),
    Column("opened_at", UTCDateTime, nullable=False),
    Column("holder", SLACK_ID),
    Column("status", StrEnumType(CaseStatus), nullable=False),
    Column("last_active_on", Date),
    Column("activity_source", String(64)),
    Column("waiting", Boolean, nullable=False, default=False),
    Column("deadline", UTCDateTime),
    Column("prompted_at", UTCDateTime),
    Column("reminded_at", UTCDateTime),
    Column("channel", SLACK_ID),
    Column("ts", String(32)),
    Column("answered_by", SLACK_ID),
    Column("answered_at", UTCDateTime),
    Column("action", String(16)),
    Column("to_tier", String(63)),
    Column("wave_id", Integer, ForeignKey("reclaim_waves.id")),
    Column("closed_at", UTCDateTime),
    Column("note", Text),
    Column("monthly_saving", Numeric(12, 2)),
    Column("completed_at", UTCDateTime),
    Column("requested_back", Integer, ForeignKey("requests.id")),
    Column("version", Integer, nullable=False),
    Index("ix_reclaim_cases_status_app", "status", "app_key"),
    Index("ix_reclaim_cases_seat", "seat_id"),
    Index("ix_reclaim_cases_wave", "wave_id"),
    Index("ix_reclaim_cases_completed", "completed_at"),
)
_open_case = reclaim_cases.c.status.in_(sorted(s.value for s in OPEN_CASE_STATUSES))
Index(
    "uq_reclaim_cases_one_open",
    reclaim_cases.c.seat_id,
    unique=True,
    sqlite_where=_open_case,
    postgresql_where=_open_case,
)

jobs = Table(
    "jobs",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String(32), nullable=False),
    Column("key", String(255), nullable=False, unique=True),
    Column("payload", JSON, nullable=False),
    Column("status", StrEnumType(JobStatus), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("max_attempts", Integer, nullable=False),
    Column("run_after", UTCDateTime, nullable=False),
    Column("leased_until", UTCDateTime),
    Column("lease_holder", String(128)),
    Column("claims", Integer, nullable=False, default=0, server_default=text("0")),
    Column("last_error", Text),
    Column("created_at", UTCDateTime),
    Column("queue", String(64)),
    Index("ix_jobs_status_run_after", "status", "run_after"),
    Index("ix_jobs_queue_status", "queue", "status"),
)
# A claim walks the open jobs in id order and stops at its limit, and asks of each queued job
# whether an earlier one of its queue is open: both read only open jobs, however many finished
# ones the table keeps.
_open_job = jobs.c.status.in_([s.value for s in OPEN_JOB_STATUSES])
Index("ix_jobs_open", jobs.c.id, sqlite_where=_open_job, postgresql_where=_open_job)
Index(
    "ix_jobs_open_queue",
    jobs.c.queue,
    jobs.c.id,
    sqlite_where=_open_job,
    postgresql_where=_open_job,
)

slack_deliveries = Table(
    "slack_deliveries",
    metadata,
    Column("key", String(255), primary_key=True),
    Column("received_at", UTCDateTime, nullable=False),
)

audit_events = Table(
    "audit_events",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("at", UTCDateTime, nullable=False),
    Column("actor", String(64), nullable=False),
    Column("action", String(64), nullable=False),
    Column("subject", String(255), nullable=False),
    Column("data", JSON, nullable=False),
    Column("prev_hash", String(64), unique=True),
    Column("hash", String(64), nullable=False),
)

leases = Table(
    "leases",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("holder", String(128), nullable=False),
    Column("until", UTCDateTime, nullable=False),
)

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(63), nullable=False),
    Column("scope", StrEnumType(TokenScope), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),  # SHA-256, hex; never the token
    Column("created_at", UTCDateTime, nullable=False),
    Column("revoked_at", UTCDateTime),
    Column("last_used_at", UTCDateTime),
)
scim_groups = Table(
    "scim_groups",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("display_name", String(255), nullable=False, unique=True),
    Column("external_id", String(255)),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("version", Integer, nullable=False),
)

scim_group_members = Table(
    "scim_group_members",
    metadata,
    Column("group_id", ForeignKey("scim_groups.id", ondelete="CASCADE"), primary_key=True),
    Column("person_id", ForeignKey("people.id"), primary_key=True),
    Index("ix_scim_group_members_person_id", "person_id"),
)

# A revoked token keeps its name in the list (and the audit trail), and the name can be used
# again for its replacement.
_unrevoked = api_tokens.c.revoked_at.is_(None)
Index(
    "uq_api_tokens_live_name",
    api_tokens.c.name,
    unique=True,
    sqlite_where=_unrevoked,
    postgresql_where=_unrevoked,
)
