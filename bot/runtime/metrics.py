"""Prometheus metrics, in a registry per app (never the library's process-wide one), so two
apps in one process count apart.

Names start with `seatkeeper_`. Labels hold only names the code or the config gives (request
kinds, Slack methods, app keys, job kinds), never a person, an id, a message or a secret:
the series stay few, and `GET /metrics` shows nobody's data.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Histogram,
    PlatformCollector,
    ProcessCollector,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from store.job_counts import JobGroup, unfinished_jobs
from workflows.model import JobStatus
from workflows.ports import Clock

# Slack wants its answer within 3 s; the buckets are finest below that.
ACK_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0)


class Metrics:
    """The counters the app keeps, and its registry (`exposition` renders it for a scrape)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        ProcessCollector(registry=self.registry)
        PlatformCollector(registry=self.registry)
        self.slack_requests = Counter(
            "seatkeeper_slack_requests",
            "Requests to POST /slack/events, by kind (event, interaction, command, or refused "
            "before Bolt saw it) and HTTP status answered.",
            ["kind", "status"],
            registry=self.registry,
        )
        self.slack_ack_seconds = Histogram(
            "seatkeeper_slack_ack_seconds",
            "Seconds from a request's arrival at POST /slack/events to its answer, by kind.",
            ["kind"],
            buckets=ACK_BUCKETS,
            registry=self.registry,
        )
        self.slack_api_calls = Counter(
            "seatkeeper_slack_api_calls",
            "Slack Web API requests, by method and outcome (ok, error, ratelimited, "
            "unreachable); each retry is a request of its own.",
            ["method", "outcome"],
            registry=self.registry,
        )
        self.slack_api_ratelimited = Counter(
            "seatkeeper_slack_api_ratelimited",
            "Slack Web API answers of HTTP 429 (rate limited), by method.",
            ["method"],
            registry=self.registry,
        )
        self.vendor_calls = Counter(
            "seatkeeper_vendor_calls",
            "Connector calls to vendors, by app key, operation and outcome (ok, or the kind "
            "of failure: retryable, rejected, unknown_user, not_supported, failed, error).",
            ["app", "operation", "outcome"],
            registry=self.registry,
        )

    def slack_request(self, kind: str, status: int, seconds: float) -> None:
        """Count one request to the Slack endpoint and how long its answer took."""
        self.slack_requests.labels(kind, str(status)).inc()
        self.slack_ack_seconds.labels(kind).observe(seconds)

    def slack_api_answer(self, method: str, outcome: str) -> None:
        """Count one Web API request's outcome (and a 429 on its own as well)."""
        self.slack_api_calls.labels(method, outcome).inc()
        if outcome == "ratelimited":
            self.slack_api_ratelimited.labels(method).inc()

    def watch_jobs(self, engine: Engine, clock: Clock) -> None:
        """Report the job queue, read from the database at each scrape."""
        self.registry.register(JobsCollector(engine, clock))

    def exposition(self) -> bytes:
        """Every metric in Prometheus' text format."""
        return generate_latest(self.registry)


class JobsCollector(Collector):
    """Unfinished jobs by state and kind, and how long they have waited, read at scrape time."""

    def __init__(self, engine: Engine, clock: Clock) -> None:
        self.engine = engine
        self.clock = clock

    def describe(self) -> Iterator[Metric]:
        """The families `collect` yields (so registering reads nothing from the database)."""
        return iter(_families())

    def collect(self) -> Iterator[Metric]:
        up, count, age, overdue = _families()
        try:
            groups = unfinished_jobs(self.engine)
        except SQLAlchemyError:
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        now = self.clock.now()
        for group in groups:
            labels = [group.status.value, group.kind]
            count.add_metric(labels, group.count)
            if group.oldest_created is not None:
                age.add_metric(labels, (now - group.oldest_created).total_seconds())
            if group.status == JobStatus.QUEUED:
                overdue.add_metric([group.kind], _overdue(group, now))
        yield from (up, count, age, overdue)


def _families() -> tuple[GaugeMetricFamily, ...]:
    return (
        GaugeMetricFamily(
            "seatkeeper_database_up", "1 when this scrape could read the jobs table, else 0."
        ),
        GaugeMetricFamily(
            "seatkeeper_jobs",
            "Jobs queued, running or dead (given up, waiting for a person), by state and kind.",
            labels=["state", "kind"],
        ),
        GaugeMetricFamily(
            "seatkeeper_jobs_oldest_age_seconds",
            "Seconds since the oldest job of each state and kind was first queued.",
            labels=["state", "kind"],
        ),
        GaugeMetricFamily(
            "seatkeeper_jobs_overdue_seconds",
            "Seconds the longest-due queued job of each kind has waited past its time to run "
            "(0 when none is due yet); growing means no worker is taking them.",
            labels=["kind"],
        ),
    )


def _overdue(group: JobGroup, now: dt.datetime) -> float:
    return max((now - group.earliest_run_after).total_seconds(), 0.0)
