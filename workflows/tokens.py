"""API tokens: created with a secret shown once, checked by its hash, revoked by name.

Only the SHA-256 hash of a token's secret is stored. The secret is 32 random bytes, so a plain
hash is enough: nobody can guess their way back from it, and a slow, salted hash (as for
passwords people choose) would only make each API request slower. The secret itself never
reaches a log or the audit trail; commands and outcomes that carry it leave it out of `repr`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass, field

from workflows.audit import SYSTEM, record
from workflows.catalog import Config
from workflows.errors import NotFound, Refused
from workflows.model import ApiToken, TokenScope
from workflows.ports import Clock, UnitOfWork

PREFIX = "skp_"  # makes a leaked Seatkeeper token recognisable to secret scanners and people
SECRET_BYTES = 32
MAX_NAME = 63
NAME = re.compile(rf"[A-Za-z0-9][A-Za-z0-9._-]{{0,{MAX_NAME - 1}}}")
# Each request writing `last_used_at` would make every API call a write; once a minute says
# as much about whether a token is still in use.
USE_NOTED_EVERY = dt.timedelta(minutes=1)


def new_secret() -> str:
    """A fresh token: the prefix and 32 random bytes, URL-safe base64."""
    return PREFIX + secrets.token_urlsafe(SECRET_BYTES)


def token_hash(secret: str) -> str:
    """The SHA-256 hash of a token (hex), as stored and compared."""
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


def name_problem(name: str) -> str | None:
    """Why `name` cannot name a token, or None."""
    if NAME.fullmatch(name):
        return None
    return (
        f"a token name is 1 to {MAX_NAME} letters, digits, dots, dashes or underscores, "
        "starting with a letter or digit"
    )


@dataclass(frozen=True)
class CreateToken:
    """Make a token named `name` for `scope`."""

    name: str
    scope: TokenScope = TokenScope.API
    actor: str = SYSTEM


@dataclass(frozen=True)
class TokenCreated:
    """The stored token and its secret, which exists nowhere else once this is shown."""

    token: ApiToken
    secret: str = field(repr=False)


def create_token(
    cmd: CreateToken, *, uow: UnitOfWork, config: Config, clock: Clock
) -> TokenCreated:
    """Make a token with a new secret; its name must not name another unrevoked token."""
    problem = name_problem(cmd.name)
    if problem:
        raise Refused(problem, field="name")
    if uow.tokens.live(cmd.name) is not None:
        raise Refused(
            f"a token named {cmd.name!r} is in use; revoke it first or choose another name",
            field="name",
        )
    secret = new_secret()
    token = ApiToken(cmd.name, cmd.scope, token_hash(secret), created_at=clock.now())
    uow.tokens.add(token)
    record(uow, clock, cmd.actor, "token.created", f"token:{cmd.name}", scope=cmd.scope.value)
    return TokenCreated(token, secret)


@dataclass(frozen=True)
class RevokeToken:
    """Revoke the unrevoked token named `name`."""

    name: str
    actor: str = SYSTEM


def revoke_token(cmd: RevokeToken, *, uow: UnitOfWork, config: Config, clock: Clock) -> ApiToken:
    """Revoke a token by name: every request with it is refused from now on."""
    token = uow.tokens.live(cmd.name)
    if token is None:
        known = any(t.name == cmd.name for t in uow.tokens.all())
        state = "is already revoked" if known else "does not exist"
        raise NotFound(f"the token {cmd.name!r} {state}", field="name")
    token.revoked_at = clock.now()
    record(uow, clock, cmd.actor, "token.revoked", f"token:{cmd.name}", scope=token.scope.value)
    return token


@dataclass(frozen=True)
class Authenticate:
    """Find the unrevoked token of `scope` whose secret was presented."""

    secret: str = field(repr=False)
    scope: TokenScope = TokenScope.API


def authenticate(
    cmd: Authenticate, *, uow: UnitOfWork, config: Config, clock: Clock
) -> ApiToken | None:
    """The unrevoked token of the scope with this secret, or None; notes when it was used."""
    presented = token_hash(cmd.secret)
    found = None
    # Every stored hash is compared, each in constant time and without stopping at a match,
    # so how long this takes says nothing about which hash, or how much of one, matched.
    for token in uow.tokens.usable(cmd.scope):
        if hmac.compare_digest(token.token_hash, presented):
            found = token
    now = clock.now()
    if found is not None and (
        found.last_used_at is None or now - found.last_used_at >= USE_NOTED_EVERY
    ):
        found.last_used_at = now
    return found
