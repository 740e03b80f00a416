"""The read-only REST API under /api/v1/: the reports' rows as JSON, for a bearer token.

Each endpoint answers with the rows `workflows.reports.report` gives for the same filters (the
same rows `seatkeeper report` prints), a page at a time. The token is checked before anything
else, and a request without a valid one learns nothing but that: 401 `{"error": "invalid
token"}`, whatever else is wrong with it. Bad parameters then get 400 with what is wrong,
never FastAPI's 422. Database work runs in a worker thread, off the event loop.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, FastAPI, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.exception_handlers import request_validation_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from bot.bootstrap import Container
from bot.web.api_models import (
    AuditPage,
    ErrorBody,
    Page,
    ReclaimPage,
    RenewalPage,
    RequestPage,
    SeatPage,
    SpendPage,
)
from bot.web.auth import InvalidToken, token_of, unauthorized
from workflows.model import TokenScope
from workflows.reports import FILTERS, Filters, paged, report

log = logging.getLogger(__name__)
PREFIX = "/api/v1"
DEFAULT_LIMIT, MAX_LIMIT = 100, 500
PAGING = ("limit", "cursor")
# What each typed parameter must be, for the 400 that names it.
MUST_BE = {
    "idle_days": "a whole number of days, 0 or more",
    "since": "a date as YYYY-MM-DD",
    "limit": f"a whole number from 1 to {MAX_LIMIT}",
    "person": "an email or a Slack user id (1 to 320 characters)",
}
PageT = TypeVar("PageT", bound=Page[Any])

ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorBody, "description": "A parameter is unknown, does not apply, or is bad."},
    401: {
        "model": ErrorBody,
        "description": "No valid API token: missing, malformed, wrong or revoked.",
        "headers": {"WWW-Authenticate": {"schema": {"type": "string"}, "example": "Bearer"}},
    },
}

AppKey = Annotated[str | None, Query(description="Only this app (its key in the config).")]
PersonKey = Annotated[
    str | None,
    Query(min_length=1, max_length=320, description="Only this person: an email or Slack user id."),
]
IdleDays = Annotated[
    int | None, Query(ge=0, description="Only seats unused for at least this many days.")
]
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Rows per page.")]
Cursor = Annotated[str | None, Query(description="The `next` of the previous page.")]


def _since(about: str) -> Any:
    """The `since` parameter, described for one endpoint."""
    return Query(description=f"Only {about} on or after this date (YYYY-MM-DD).")


@dataclass(frozen=True)
class _Paging:
    limit: int
    offset: int


def _paging(limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None) -> _Paging:
    return _Paging(limit, _offset(cursor))


Paging = Annotated[_Paging, Depends(_paging)]


class BadQuery(Exception):
    """A query parameter is unknown, does not apply to the endpoint, or has a bad value."""


def include_api(app: FastAPI, container: Container) -> None:
    """Serve the REST API from `app`, with its errors and its part of the OpenAPI document."""
    app.include_router(_router(_Reports(container)))
    app.add_exception_handler(InvalidToken, unauthorized)
    app.add_exception_handler(BadQuery, _bad_query)
    app.add_exception_handler(RequestValidationError, _invalid_parameter)
    app.openapi = _without_422(app.openapi)  # type: ignore[method-assign]


class _Reports:
    """Checks tokens and answers pages of reports, each in a worker thread."""

    def __init__(self, container: Container) -> None:
        self.container = container
        self.token = token_of(container, TokenScope.API)

    async def page(
        self, request: Request, kind: str, filters: Filters, paging: _Paging, page: type[PageT]
    ) -> PageT:
        _check_names(request, kind)
        if filters.app is not None and self.container.config.app(filters.app) is None:
            known = ", ".join(app.key for app in self.container.config.apps) or "none"
            raise BadQuery(f"unknown app {filters.app!r}; the apps are: {known}")
        return await run_in_threadpool(self._page, kind, filters, paging, page)

    def _page(self, kind: str, filters: Filters, paging: _Paging, page: type[PageT]) -> PageT:
        container, now = self.container, self.container.clock.now()
        with container.runner.uow() as uow:
            found = report(kind, filters, uow=uow, config=container.config, now=now)
        rows = paged(found.rows, offset=paging.offset, limit=paging.limit)
        after = paging.offset + len(rows)
        following = _cursor(after) if rows and after < len(found.rows) else None
        return page.model_validate({"items": rows, "next": following, "total": len(found.rows)})


def _router(reports: _Reports) -> APIRouter:
    router = APIRouter(
        prefix=PREFIX,
        dependencies=[Depends(reports.token)],
        responses=ERRORS,
        tags=["reports"],
        generate_unique_id_function=lambda route: route.name,  # operationIds: seats, spend, …
    )

    @router.get("/seats")
    async def seats(
        request: Request,
        paging: Paging,
        app: AppKey = None,
        person: PersonKey = None,
        idle_days: IdleDays = None,
        since: Annotated[dt.date | None, _since("seats assigned")] = None,
    ) -> SeatPage:
        """Seats held, with their price, last activity and whether they are idle."""
        filters = Filters(app, person, idle_days, since)
        return await reports.page(request, "seats", filters, paging, SeatPage)

    @router.get("/spend")
    async def spend(request: Request, paging: Paging, app: AppKey = None) -> SpendPage:
        """Each app's paid, assigned, active and idle seats and what they cost per month."""
        return await reports.page(request, "spend", Filters(app), paging, SpendPage)

    @router.get("/renewals")
    async def renewals(
        request: Request,
        paging: Paging,
        app: AppKey = None,
        since: Annotated[dt.date | None, _since("renewals (default: today)")] = None,
    ) -> RenewalPage:
        """Contract renewals from today (or `since`) on, with the seat count to renew at."""
        filters = Filters(app, since=since)
        return await reports.page(request, "renewals", filters, paging, RenewalPage)

    @router.get("/requests")
    async def requests(
        request: Request,
        paging: Paging,
        app: AppKey = None,
        person: PersonKey = None,
        since: Annotated[dt.date | None, _since("requests made")] = None,
    ) -> RequestPage:
        """Requests for seats in every status; `person` is the requester."""
        filters = Filters(app, person, since=since)
        return await reports.page(request, "requests", filters, paging, RequestPage)

    @router.get("/reclaims")
    async def reclaims(
        request: Request,
        paging: Paging,
        app: AppKey = None,
        person: PersonKey = None,
        since: Annotated[dt.date | None, _since("cases opened")] = None,
    ) -> ReclaimPage:
        """Reclaim cases: questions about idle seats, and removals; `person` is the holder."""
        filters = Filters(app, person, since=since)
        return await reports.page(request, "reclaims", filters, paging, ReclaimPage)

    @router.get("/audit")
    async def audit(
        request: Request,
        paging: Paging,
        app: AppKey = None,
        person: PersonKey = None,
        since: Annotated[dt.date | None, _since("events")] = None,
    ) -> AuditPage:
        """The audit trail; `person` is the actor or a person the event is about."""
        filters = Filters(app, person, since=since)
        return await reports.page(request, "audit", filters, paging, AuditPage)

    return router


def _check_names(request: Request, kind: str) -> None:
    """Refuse a parameter the endpoint does not take, or one given twice."""
    taken = (*FILTERS[kind], *PAGING)
    for name in request.query_params:
        if name not in taken:
            filter_of_another = any(name in names for names in FILTERS.values())
            why = "does not apply to" if filter_of_another else "is not a parameter of"
            raise BadQuery(f"{name} {why} /{kind}; it takes {', '.join(taken)}")
        if len(request.query_params.getlist(name)) > 1:
            raise BadQuery(f"{name} is given more than once")


def _cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(f"o:{offset}".encode()).decode().rstrip("=")


def _offset(cursor: str | None) -> int:
    if cursor is None:
        return 0
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        text = ""
    tag, _, number = text.partition(":")
    # ASCII digits only, and few of them: int() refuses some digits and is slow on many.
    if tag != "o" or not (number.isascii() and number.isdigit() and len(number) <= 12):
        raise BadQuery("cursor is not one this API gave; start again without it")
    return int(number)


async def _bad_query(request: Request, exc: Exception) -> Response:
    return JSONResponse({"error": str(exc)}, status_code=400)


async def _invalid_parameter(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    if not request.url.path.startswith(PREFIX + "/"):
        return await request_validation_exception_handler(request, exc)
    error = exc.errors()[0]
    name = str(error["loc"][-1])
    must_be = MUST_BE.get(name)
    message = f"{name} must be {must_be}" if must_be else f"{name}: {error['msg']}"
    return JSONResponse({"error": message}, status_code=400)


def _without_422(build: Callable[[], dict[str, Any]]) -> Callable[[], dict[str, Any]]:
    """FastAPI's OpenAPI document, less the 422 answers it adds and the API never gives."""

    def openapi() -> dict[str, Any]:
        document = build()  # built once, then FastAPI hands back the same dict
        for path, operations in document["paths"].items():
            if path.startswith(PREFIX + "/"):
                for operation in operations.values():
                    operation["responses"].pop("422", None)
        responses = [op["responses"] for ops in document["paths"].values() for op in ops.values()]
        if not any("422" in answers for answers in responses):
            schemas = document.get("components", {}).get("schemas", {})
            schemas.pop("HTTPValidationError", None)
            schemas.pop("ValidationError", None)
        return document

    return openapi
