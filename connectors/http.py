"""Vendor HTTP calls on an injected `httpx.Client`, with failures mapped to the connector errors.

How a failure maps onto the error tree of `workflows.ports`::

    transport error, timeout, 5xx, 408, 412, 429  →  Retryable (429/503: ``retry_after`` from
                                                     ``Retry-After``, seconds or an HTTP date)
    401, 403                                      →  Rejected, naming the app and the credential
    any other 4xx                                 →  HttpRejected, carrying the vendor's message

Every error `send()` raises carries the answer's HTTP ``status`` and ``headers``, attributes
every `ConnectorError` has (None and no headers for a transport error). Two optional hooks let
a vendor say more than the table does: ``retry_after(response)`` reads its own rate-limit
headers (a number makes any failure Retryable with that wait, e.g. GitHub's 403 with
``x-ratelimit-remaining: 0``), and ``refused(response, detail)`` words a refusal (a 4xx not
retried) its own way from the answer and the vendor's quoted message (None keeps the words
above).

Whatever a vendor or a transport says is repeated only through `quoted`: the secrets of the call
are replaced before the text is cut, so no part of one survives a cut that falls inside it.
"""

from __future__ import annotations

import datetime as dt
import email.utils
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from workflows.ports import ConnectorError, Rejected, Retryable
from workflows.text import storable

Clock = Callable[[], dt.datetime]
RetryAfter = Callable[[httpx.Response], float | None]  # seconds a vendor asks to wait, if any
Refused = Callable[[httpx.Response, str], ConnectorError | None]  # (answer, quoted detail)
MAX_DETAIL = 300
# 408 and 412 say "the request or the resource moved under you": a fresh attempt can succeed.
RETRYABLE_4XX = frozenset({408, 412, 429})
CREDENTIAL_CHECKS = {401: "valid and not expired", 403: "allowed to manage users and their access"}
# Where a request carries its secrets: kept out of every message.
SECRET_HEADERS = frozenset({"authorization", "proxy-authorization", "x-api-key"})
SECRET_FIELDS = frozenset({"client_secret", "client_assertion", "assertion", "refresh_token"})


def utc_now() -> dt.datetime:
    """The current time, timezone-aware in UTC."""
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True)
class Vendor:
    """Whom a call goes to, in the words error messages use."""

    app_name: str
    service: str = "the vendor"
    credential: str = "its token"


class HttpRejected(Rejected):
    """A 4xx refusal with the HTTP status and the vendor's own message kept apart."""

    status: int

    def __init__(
        self,
        message: str,
        *,
        status: int,
        detail: str,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message, status=status, headers=headers)
        self.detail = detail


def send(
    client: httpx.Client,
    vendor: Vendor,
    method: str,
    url: str,
    *,
    headers: Mapping[str, str] | None = None,
    params: Mapping[str, str | int] | None = None,
    json: Any = None,
    data: Mapping[str, str] | None = None,
    timeout: float | None = None,
    now: Clock = utc_now,
    retry_after: RetryAfter | None = None,
    refused: Refused | None = None,
) -> httpx.Response:
    """Send one request (a `json` body or a `data` form); return a 2xx response or raise
    Retryable/Rejected carrying the answer's `status` and `headers`.

    A redirect is a refusal, not an answer: its empty body would read as an empty last page
    (a listing cut short) or as a write that succeeded without happening.
    """
    secrets = _secrets(headers or {}, data or {})
    try:
        response = client.request(
            method,
            url,
            headers=headers,
            params=params,
            json=json,
            data=data,
            timeout=timeout if timeout is not None else httpx.USE_CLIENT_DEFAULT,
        )
    except httpx.TransportError as exc:
        raise _unreachable(vendor, exc, secrets) from exc
    if 300 <= response.status_code < 400:
        raise _redirected(vendor, method, response, secrets)
    if response.status_code >= 400:
        detail = vendor_message(response, secrets)
        raise _error(vendor, response, detail, now, retry_after, refused)
    return response


def _redirected(
    vendor: Vendor, method: str, response: httpx.Response, secrets: Iterable[str]
) -> HttpRejected:
    location = quoted(response.headers.get("location", "elsewhere"), secrets)
    path = quoted(response.request.url.path, secrets)
    message = (
        f"{vendor.app_name}: {vendor.service} redirected {method} {path} "
        f"(HTTP {response.status_code}) to {location}; check the connector's URL or names"
    )
    return HttpRejected(
        message, status=response.status_code, detail=location, headers=response.headers
    )


def status_of(error: BaseException) -> int | None:
    """The HTTP status a connector error carries; None for a transport error or any other error."""
    return error.status if isinstance(error, ConnectorError) else None


def _unreachable(vendor: Vendor, exc: httpx.TransportError, secrets: Iterable[str]) -> Retryable:
    if isinstance(exc, httpx.TimeoutException):
        return Retryable(f"{vendor.app_name}: {vendor.service} timed out ({type(exc).__name__})")
    reason = quoted(f"{type(exc).__name__}: {exc}", secrets)
    return Retryable(f"{vendor.app_name}: could not reach {vendor.service} ({reason})")


def _error(
    vendor: Vendor,
    response: httpx.Response,
    detail: str,
    now: Clock,
    retry_after: RetryAfter | None,
    refused: Refused | None,
) -> ConnectorError:
    status, headers = response.status_code, response.headers
    call = f"{response.request.method} {response.request.url.path}"
    prefix = f"{vendor.app_name}: {vendor.service}"
    said = f": {detail}" if detail else ""
    wait = retry_after(response) if retry_after is not None else None
    if wait is not None:
        message = f"{prefix} rate limit reached on {call} (HTTP {status}){said}"
        return Retryable(message, wait, status=status, headers=headers)
    if status >= 500 or status in RETRYABLE_4XX:
        wait = retry_after_seconds(response.headers.get("Retry-After"), now())
        message = f"{prefix} could not serve {call} (HTTP {status}){said}"
        return Retryable(message, wait, status=status, headers=headers)
    own = refused(response, detail) if refused is not None else None
    if own is not None:
        # The hook words the refusal; the answer it refuses is the same whoever words it.
        own.status, own.headers = status, headers
        return own
    if status in (401, 403):
        check = CREDENTIAL_CHECKS[status]
        message = f"{prefix} refused {vendor.credential} (HTTP {status}); check that it is {check}"
        return Rejected(message, status=status, headers=headers)
    message = f"{prefix} refused {call} (HTTP {status}){said}"
    return HttpRejected(message, status=status, detail=detail, headers=headers)


def json_body(
    response: httpx.Response, vendor: Vendor, *, lower_keys: bool = False
) -> dict[str, Any]:
    """The JSON object a successful call returned ({} when empty), keys lower-cased on request."""
    if not response.content:
        return {}
    try:
        data = response.json()
    except ValueError:
        raise Rejected(
            f"{vendor.app_name}: {vendor.service} answered {response.request.method} "
            f"{response.request.url.path} with something other than JSON; check its base URL"
        ) from None
    if not isinstance(data, dict):
        return {}
    return _lower_keys(data) if lower_keys else data


def json_object(response: httpx.Response) -> dict[str, Any] | None:
    """The JSON object an answer holds, else None (not JSON, or JSON but not an object)."""
    data = json_value(response)
    return data if isinstance(data, dict) else None


def json_value(response: httpx.Response) -> Any:
    """The JSON value an answer holds (an object, a list, …), else None (not JSON)."""
    try:
        return response.json()
    except ValueError:
        return None


def vendor_message(response: httpx.Response, secrets: Iterable[str] = ()) -> str:
    """The vendor's own error text, `quoted`: SCIM `detail` (with its `scimType`), a JSON
    `message`/`error`, Okta's `errorSummary` (with its `errorCode`), or the raw body."""
    return quoted(_said(response), secrets)


def _said(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text
    if not isinstance(body, dict):
        return str(body)
    fields = {str(key).lower(): value for key, value in body.items()}
    for key in ("detail", "message", "error_description", "error", "errorsummary"):
        value = fields.get(key)
        if isinstance(value, dict):
            value = value.get("message")
        if isinstance(value, str) and value.strip():
            kind = fields.get("scimtype") or fields.get("errorcode")
            return f"{value.strip()} ({kind})" if isinstance(kind, str) else value
    return response.text


def quoted(text: str, secrets: Iterable[str] = ()) -> str:
    """Outside text made safe to repeat: each secret replaced first, so none survives in part,
    then control characters dropped and the text cut to MAX_DETAIL characters."""
    return storable(_redact(text, secrets), MAX_DETAIL)


def retry_after_seconds(value: str | None, now: dt.datetime) -> float | None:
    """Seconds to wait from a `Retry-After` value (delta-seconds or an HTTP date), else None."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return max(0.0, (when - now).total_seconds())


def _lower_keys(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(key).lower(): _lower_keys(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_lower_keys(item) for item in value]
    return value


def _secrets(headers: Mapping[str, str], form: Mapping[str, str]) -> list[str]:
    found = [v.partition(" ")[2] or v for k, v in headers.items() if k.lower() in SECRET_HEADERS]
    found += [value for name, value in form.items() if name.lower() in SECRET_FIELDS]
    return [secret for secret in found if secret]


def _redact(text: str, secrets: Iterable[str]) -> str:
    for secret in secrets:
        if secret:
            text = text.replace(secret, "[redacted]")
    return text
