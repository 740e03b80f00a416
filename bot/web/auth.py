"""Bearer tokens for Seatkeeper's HTTP APIs: one check, for the REST API and for SCIM alike.

A token works only for its scope. A request without a valid token of the scope (missing,
malformed, wrong, revoked, or of another scope) raises `InvalidToken`; each API answers it
in its own format, with 401 and `WWW-Authenticate: Bearer`.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from bot.bootstrap import Container
from workflows.model import ApiToken, TokenScope
from workflows.scim import ScimProblem
from workflows.tokens import Authenticate, authenticate

log = logging.getLogger(__name__)
SCIM_JSON = "application/scim+json"

bearer = HTTPBearer(
    scheme_name="bearerAuth",
    description="An API token from `seatkeeper token create`, as `Authorization: Bearer skp_…`.",
    auto_error=False,  # a missing or malformed header gets the same 401 as a wrong token
)
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]


class InvalidToken(Exception):
    """The request carries no usable token of the scope."""

    def __init__(self, scope: TokenScope) -> None:
        super().__init__(scope.value)
        self.scope = scope


def token_of(
    container: Container, scope: TokenScope
) -> Callable[[Request, HTTPAuthorizationCredentials | None], Awaitable[ApiToken]]:
    """A FastAPI dependency: the unrevoked token of `scope` the request presents (also kept
    as `request.state.token`)."""

    async def token(request: Request, credentials: Credentials) -> ApiToken:
        if credentials is None:
            raise InvalidToken(scope)
        cmd = Authenticate(credentials.credentials, scope)
        found = await run_in_threadpool(container.runner, authenticate, cmd)
        if found is None:
            raise InvalidToken(scope)
        request.state.token = found
        return found

    return token


async def unauthorized(request: Request, exc: Exception) -> Response:
    """401 in the format of the API the token was for; one log line, never the token."""
    assert isinstance(exc, InvalidToken)
    client = request.client.host if request.client else "unknown"
    log.warning("refused an API request from %s to %s: no valid token", client, request.url.path)
    headers = {"WWW-Authenticate": "Bearer"}
    if exc.scope == TokenScope.SCIM:
        body = ScimProblem(401, "no valid SCIM token").body()
        return JSONResponse(body, status_code=401, headers=headers, media_type=SCIM_JSON)
    return JSONResponse({"error": "invalid token"}, status_code=401, headers=headers)
