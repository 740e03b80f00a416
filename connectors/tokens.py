"""Access tokens kept until shortly before they expire: one refresh rule for every vendor.

A grant (`connectors.oauth` for client credentials, `connectors.google_auth` for a service
account) fetches a token and says how long it lasts; `TokenSource` reuses it until a minute
before then (half its lifetime, for one that lasts under two minutes), so a call never sets out
with a token that runs out on the way. A token whose lifetime the endpoint did not say serves
the call at hand only. `TokenSource.call` also replaces a cached token the vendor refuses
(401/403) once: a token can be revoked, or lack a permission granted since, before it expires.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from connectors.http import Clock, utc_now
from workflows.ports import Rejected

T = TypeVar("T")
# Refresh this long before the token endpoint says the token expires (clock skew, slow calls).
EXPIRY_MARGIN = dt.timedelta(seconds=60)


@dataclass(frozen=True)
class IssuedToken:
    """An access token and how long its endpoint says it lasts; `repr` hides the token."""

    value: str = field(repr=False)
    lifetime: dt.timedelta


Fetch = Callable[[], IssuedToken]  # one token request; raises the connector errors on failure


def lifetime_of(answer: Mapping[str, Any]) -> dt.timedelta:
    """The `expires_in` of a token endpoint's answer (RFC 6749 §5.1); zero when it has none."""
    try:
        return dt.timedelta(seconds=float(answer.get("expires_in", 0)))
    except (TypeError, ValueError, OverflowError):
        return dt.timedelta(0)


class TokenSource:
    """Fetches an access token with a grant and reuses it until shortly before it expires."""

    def __init__(self, fetch: Fetch, *, now: Clock = utc_now) -> None:
        self._fetch = fetch
        self._now = now
        self._lock = threading.Lock()
        self._token: str | None = None
        self._refresh_at = dt.datetime.min.replace(tzinfo=dt.UTC)

    def token(self) -> str:
        """A valid access token: the cached one, or a fresh one from the grant."""
        with self._lock:
            if self._token is None or self._now() >= self._refresh_at:
                asked = self._now()  # the lifetime runs from the request, not from its answer
                issued = self._fetch()
                margin = min(EXPIRY_MARGIN, issued.lifetime / 2)
                self._token, self._refresh_at = issued.value, asked + issued.lifetime - margin
            return self._token

    def headers(self) -> dict[str, str]:
        """The Authorization header for an API call."""
        return {"Authorization": f"Bearer {self.token()}"}

    def invalidate(self) -> None:
        """Forget the cached token, so the next call fetches a fresh one."""
        with self._lock:
            self._token = None

    def call(self, request: Callable[[str], T]) -> T:
        """Run `request(token)`; if a cached token is refused (401/403), retry once afresh."""
        cached = self._token is not None and self._now() < self._refresh_at
        token = self.token()
        try:
            return request(token)
        except Rejected as exc:
            # Only a 401/403 is about the token (a new one may carry new permissions too);
            # other refusals are about the call.
            if not cached or exc.status not in (401, 403):
                raise
        self.invalidate()
        return request(self.token())
