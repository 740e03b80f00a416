"""Last activity from the Admin SDK Reports API: the user usage report (`userUsageReport.get`).

Directory's `lastLoginTime` is a sign-in to the Google account, which a browser session can keep
fresh for weeks while the person never opens the licensed apps. The usage report says when each
user last interacted with Gmail and last used Drive; a user's last activity is the latest of
those, or None where the report has neither (the connector then falls back to the sign-in).

Google takes the parameters by the names of its User Usage parameter reference
(`gmail:timestamp_last_interaction`) and answers with them renamed (`gmail:last_interaction_time`,
a `datetimeValue`); `ACTIVITY` pairs the two. Reports lag two or three days: the report asked for
is the one `LAG` before today, in Google's day (Pacific time), and when Google says that day's data
is not ready (HTTP 400 "Data for dates later than … is not yet available", or a warning that data
for the date "is not available") it steps back a day, trying `TRIES` days at most.

The reports need a scope of their own (`USAGE_SCOPES`) and so a token of their own: when
domain-wide delegation does not allow it, or Google refuses the admin the reports (HTTP 403), the
connector keeps to Directory sign-ins and `status()` says why.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from connectors.google_auth import USAGE_SCOPES, DelegationRefused, ServiceAccount
from connectors.http import Clock, HttpRejected
from workflows.ports import ConnectorError

USAGE = "/admin/reports/v1/usage/users/all/dates/{date}"
USAGE_PAGE_MAX = 1000  # the maxResults limit in the discovery document
# Asked for by the names in Google's User Usage parameter reference; answered under these names.
ACTIVITY = {
    "gmail:timestamp_last_interaction": "gmail:last_interaction_time",
    "drive:timestamp_last_active_usage": "drive:last_active_usage_time",
}
ANSWERS = frozenset({*ACTIVITY, *ACTIVITY.values()})
LAST_USE = "last Gmail or Drive use"  # what a seat's last activity is when it comes from here
LAG = dt.timedelta(days=2)
TRIES = 4
PACIFIC = dt.timezone(dt.timedelta(hours=-8))  # Google dates usage reports in Pacific time
# Google's words for a day not ready: its 400, and its warnings (as the discovery document words
# them; their codes are not documented).
NOT_READY = re.compile(r"not (yet )?available", re.IGNORECASE)
NEVER = "1970-01-01"
# The fields read from Google's answers, by schema (a dot steps into a nested object or list).
READS = {
    "UsageReports": ("usageReports", "nextPageToken", "warnings.message"),
    "UsageReport": ("entity.userEmail", "parameters.name", "parameters.datetimeValue"),
}
Json = dict[str, Any]
Call = Callable[..., Json]  # the connector's call: (method, url, *, params, tokens)
Pages = Callable[..., Iterator[Json]]  # the connector's pager: (url, key, params, *, tokens)


class UsageReports:
    """Each user's last day of Gmail or Drive use, from the latest ready usage report."""

    def __init__(
        self,
        call: Call,
        pages: Pages,
        account: ServiceAccount,
        api_url: str,
        page_size: int,
        now: Clock,
    ) -> None:
        self.account = account
        self.tokens = account.tokens(USAGE_SCOPES)
        self._call = call
        self._pages = pages
        self._api = api_url.rstrip("/")
        self._page_size = page_size
        self._now = now

    def activity(self, customer: str) -> dict[str, dt.date]:
        """Last activity by lower-cased email; {} when no report is ready or Google refuses."""
        try:
            day = self.ready_day(customer)
            if day is None:
                return {}
            params = self._params(customer, self._page_size)
            found: dict[str, dt.date] = {}
            for report in self._pages(self._url(day), "usageReports", params, tokens=self.tokens):
                email, last = _last_activity(report)
                if email and last is not None:
                    found[email] = max(last, found.get(email, last))
            return found
        except ConnectorError as exc:
            if self.refusal(exc) is None:
                raise
            return {}

    def status(self, customer: str) -> str:
        """Whether usage reports are readable, in words for `check()`."""
        try:
            day = self.ready_day(customer)
        except ConnectorError as exc:
            why = self.refusal(exc)
            if why is None:
                raise
            return f"usage reports are not readable ({why}), so last activity is the last sign-in"
        if day is None:
            return (
                f"no usage report is ready for the {TRIES} days up to {self._newest()}, "
                "so last activity is the last sign-in for now"
            )
        return f"usage reports are readable (the latest ready is for {day})"

    def ready_day(self, customer: str) -> dt.date | None:
        """The newest day, from `LAG` ago back `TRIES` days, whose report Google has ready."""
        for back in range(TRIES):
            day = self._newest() - dt.timedelta(days=back)
            try:
                page = self._call(
                    "GET", self._url(day), params=self._params(customer, 1), tokens=self.tokens
                )
            except HttpRejected as exc:
                if exc.status == 400 and NOT_READY.search(exc.detail):
                    continue
                raise
            if not _not_ready(page):
                return day
        return None

    def refusal(self, error: ConnectorError) -> str | None:
        """Why Google will not give this admin usage reports, or None if `error` is not that."""
        if isinstance(error, DelegationRefused):
            return (
                f"domain-wide delegation does not allow client id {self.account.key.client_id} "
                f"the scope {' '.join(USAGE_SCOPES)}"
            )
        if error.status == 403:
            return (
                f"Google refused {self.account.subject} the Reports API (HTTP 403); give that "
                "admin the Reports privilege"
            )
        return None

    def _newest(self) -> dt.date:
        return self._now().astimezone(PACIFIC).date() - LAG

    def _url(self, day: dt.date) -> str:
        return self._api + USAGE.format(date=day.isoformat())

    def _params(self, customer: str, size: int) -> Mapping[str, str | int]:
        return {"customerId": customer, "parameters": ",".join(ACTIVITY), "maxResults": size}


def day_of(value: object) -> dt.date | None:
    """The UTC day of an RFC 3339 time; None for nothing, nonsense or the epoch ("never")."""
    if not isinstance(value, str) or not value or value.startswith(NEVER):
        return None
    try:
        when = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return (when if when.tzinfo else when.replace(tzinfo=dt.UTC)).astimezone(dt.UTC).date()


def _last_activity(report: Json) -> tuple[str, dt.date | None]:
    entity = report.get("entity")
    email = str(entity.get("userEmail") or "").lower() if isinstance(entity, dict) else ""
    values = [p for p in report.get("parameters") or [] if isinstance(p, dict)]
    days = [day_of(p.get("datetimeValue")) for p in values if p.get("name") in ANSWERS]
    return email, max((day for day in days if day is not None), default=None)


def _not_ready(page: Json) -> bool:
    warnings = [w for w in page.get("warnings") or [] if isinstance(w, dict)]
    return any(NOT_READY.search(str(w.get("message") or "")) for w in warnings)
