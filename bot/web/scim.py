"""/scim/v2: Seatkeeper as a SCIM 2.0 service provider, for identity providers (RFC 7644).

HTTP only: each request is checked for a `scim` token (the same check as the REST API's),
its body and parameters are read, and one verb of `workflows.scim_directory` answers it in a
worker thread. Every answer is `application/scim+json`; every refusal is a SCIM error
(`status`, `scimType`, `detail`). The endpoints are described by the SCIM discovery
endpoints, not by the OpenAPI document.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TypeVar

from fastapi import APIRouter, Depends, FastAPI, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from bot.bootstrap import Container
from bot.web.auth import SCIM_JSON, token_of
from bot.web.body import body_within
from bot.web.rate_limit import RateLimit
from bot.web.scim_discovery import listed, resource_types, schemas, service_provider_config
from workflows.model import ApiToken, TokenScope
from workflows.ports import Verb
from workflows.scim import ScimProblem, get, invalid
from workflows.scim_directory import (
    Pusher,
    UserCommand,
    create_user,
    delete_user,
    get_user,
    patch_user,
    replace_user,
)
from workflows.scim_group_directory import (
    GroupCommand,
    ListGroups,
    create_group,
    delete_group,
    get_group,
    list_groups,
    patch_group,
    replace_group,
    search_all,
)
from workflows.scim_listing import MAX_RESULTS, ListUsers, list_users

PREFIX = "/scim/v2"
MAX_BODY_BYTES = 256 * 1024  # a User is a few kilobytes; a big PatchOp well under this
C = TypeVar("C")
ENDPOINTS = {"ServiceProviderConfig", "ResourceTypes", "Schemas", "Users", "Groups", ".search"}


def include_scim(app: FastAPI, container: Container) -> None:
    """Serve /scim/v2 from `app`, its refusals as SCIM errors."""
    app.include_router(_router(container))
    app.add_exception_handler(ScimProblem, _problem)


def scim_json(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """A SCIM answer."""
    return JSONResponse(body, status_code=status, headers=headers, media_type=SCIM_JSON)


class TooManyRequests(ScimProblem):
    """A token sent more requests than its rate allows: 429, and when to try again."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(429, f"too many requests: try again in {retry_after} s", "tooMany")
        self.retry_after = retry_after


def _router(container: Container) -> APIRouter:
    token = token_of(container, TokenScope.SCIM)
    settings = container.settings
    limit = RateLimit(
        container.clock, rate=settings.seatkeeper_scim_rate, burst=settings.seatkeeper_scim_burst
    )

    async def within_rate(request: Request) -> None:
        retry_after = limit.retry_after(request.state.token.name)
        if retry_after is not None:
            raise TooManyRequests(retry_after)

    router = APIRouter(
        prefix=PREFIX,
        dependencies=[Depends(token), Depends(within_rate)],
        include_in_schema=False,
    )

    async def run(verb: Verb[C, Any], cmd: C) -> Any:
        return await run_in_threadpool(container.runner, verb, cmd)

    @router.get("/ServiceProviderConfig")
    async def config(request: Request) -> Response:
        return scim_json(service_provider_config(_base(request)))

    @router.get("/ResourceTypes")
    async def all_resource_types(request: Request) -> Response:
        return scim_json(listed(list(resource_types(_base(request)).values())))

    @router.get("/ResourceTypes/{name}")
    async def one_resource_type(request: Request, name: str) -> Response:
        return scim_json(_one(resource_types(_base(request)), name, "ResourceType"))

    @router.get("/Schemas")
    async def all_schemas(request: Request) -> Response:
        return scim_json(listed(list(schemas(_base(request)).values())))

    @router.get("/Schemas/{urn}")
    async def one_schema(request: Request, urn: str) -> Response:
        return scim_json(_one(schemas(_base(request)), urn, "Schema"))

    @router.get("/Users")
    async def users(request: Request) -> Response:
        return scim_json(await run(list_users, _listing(request, request.query_params)))

    @router.post("/.search")
    async def search_everything(request: Request) -> Response:
        body = await _json(request)
        if not isinstance(body, dict):
            raise invalid("a search is a SearchRequest object", "invalidSyntax")
        return scim_json(await run(search_all, _listing(request, body)))

    @router.post("/Users/.search")
    async def search(request: Request) -> Response:
        body = await _json(request)
        if not isinstance(body, dict):
            raise invalid("a search is a SearchRequest object", "invalidSyntax")
        return scim_json(await run(list_users, _listing(request, body)))

    @router.post("/Users")
    async def create(request: Request) -> Response:
        cmd = _user(request, "", await _json(request))
        created = await run(create_user, cmd)
        location = created.get("meta", {}).get("location") or f"{_base(request)}/Users"
        return scim_json(created, 201, {"Location": location})

    @router.get("/Users/{user_id}")
    async def read(request: Request, user_id: str) -> Response:
        return scim_json(await run(get_user, _user(request, user_id)))

    @router.put("/Users/{user_id}")
    async def replace(request: Request, user_id: str) -> Response:
        cmd = _user(request, user_id, await _json(request))
        return scim_json(await run(replace_user, cmd))

    @router.patch("/Users/{user_id}")
    async def patch(request: Request, user_id: str) -> Response:
        cmd = _user(request, user_id, await _json(request))
        return scim_json(await run(patch_user, cmd))

    @router.delete("/Users/{user_id}")
    async def delete(request: Request, user_id: str) -> Response:
        await run(delete_user, _user(request, user_id))
        return Response(status_code=204)

    @router.get("/Groups")
    async def groups(request: Request) -> Response:
        listing = _listing(request, request.query_params)
        return scim_json(await run(list_groups, ListGroups(**vars(listing))))

    @router.post("/Groups/.search")
    async def search_groups(request: Request) -> Response:
        body = await _json(request)
        if not isinstance(body, dict):
            raise invalid("a search is a SearchRequest object", "invalidSyntax")
        return scim_json(await run(list_groups, ListGroups(**vars(_listing(request, body)))))

    @router.post("/Groups")
    async def create_a_group(request: Request) -> Response:
        created = await run(create_group, _group(request, "", await _json(request)))
        return scim_json(created, 201, {"Location": created["meta"]["location"]})

    @router.get("/Groups/{group_id}")
    async def read_group(request: Request, group_id: str) -> Response:
        return scim_json(await run(get_group, _group(request, group_id)))

    @router.put("/Groups/{group_id}")
    async def replace_a_group(request: Request, group_id: str) -> Response:
        cmd = _group(request, group_id, await _json(request))
        return scim_json(await run(replace_group, cmd))

    @router.patch("/Groups/{group_id}")
    async def patch_a_group(request: Request, group_id: str) -> Response:
        cmd = _group(request, group_id, await _json(request))
        return scim_json(await run(patch_group, cmd))

    @router.delete("/Groups/{group_id}")
    async def delete_a_group(request: Request, group_id: str) -> Response:
        await run(delete_group, _group(request, group_id))
        return Response(status_code=204)

    @router.api_route("/{rest:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
    async def unknown(request: Request, rest: str) -> Response:
        if rest.split("/")[0] in ENDPOINTS:
            raise ScimProblem(405, f"{request.method} is not allowed on {PREFIX}/{rest}")
        raise ScimProblem(404, f"{PREFIX}/{rest} is not an endpoint of this service provider")

    return router


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/") + PREFIX


def _one(found: dict[str, dict[str, Any]], key: str, what: str) -> dict[str, Any]:
    if key not in found:
        raise ScimProblem(404, f"no {what} has id {key}")
    return found[key]


def _pusher(request: Request) -> Pusher:
    token: ApiToken = request.state.token  # set by the router's token check
    return Pusher(token.name, _base(request))


def _user(request: Request, user_id: str, body: Any = None) -> UserCommand:
    params = request.query_params
    return UserCommand(
        _pusher(request),
        user_id,
        body,
        attributes=_names(params.get("attributes")),
        excluded=_names(params.get("excludedAttributes")),
    )


def _group(request: Request, group_id: str, body: Any = None) -> GroupCommand:
    user = _user(request, group_id, body)
    return GroupCommand(user.pusher, group_id, body, user.attributes, user.excluded)


def _listing(request: Request, given: Any) -> ListUsers:
    """The listing a query string or a SearchRequest asks for (names in any case)."""
    lookup: Callable[[str], Any] = lambda name: get(dict(given), name)  # noqa: E731
    where = lookup("filter")
    if where is not None and not isinstance(where, str):
        raise invalid("filter must be a string", "invalidFilter")
    return ListUsers(
        _pusher(request),
        filter=where or None,
        start=_number(lookup("startIndex"), "startIndex", 1),
        count=_number(lookup("count"), "count", MAX_RESULTS),
        attributes=_names(lookup("attributes")),
        excluded=_names(lookup("excludedAttributes")),
    )


def _number(value: Any, name: str, default: int) -> int:
    if value is None or value == "":
        return default
    text = str(value).strip()
    digits = text.removeprefix("-")
    if isinstance(value, bool) or not (digits.isascii() and digits.isdigit() and len(digits) < 10):
        raise invalid(f"{name} must be a whole number")
    return int(text)


def _names(value: Any) -> tuple[str, ...]:
    """`attributes` as a comma-separated string (query) or a list (SearchRequest)."""
    if value is None:
        return ()
    items = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(item, str) for item in items):
        raise invalid("attributes are a list of attribute names")
    return tuple(item.strip() for item in items if item.strip())


async def _json(request: Request) -> Any:
    raw = await body_within(request, MAX_BODY_BYTES)
    if raw is None:
        raise ScimProblem(413, f"a request body is at most {MAX_BODY_BYTES} bytes")
    try:
        return json.loads(raw)
    except (UnicodeDecodeError, ValueError):
        raise invalid("the body is not JSON", "invalidSyntax") from None


async def _problem(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ScimProblem)
    if isinstance(exc, TooManyRequests):
        return scim_json(exc.body(), exc.status, {"Retry-After": str(exc.retry_after)})
    return scim_json(exc.body(), exc.status)
