"""The repository of API tokens. Never commits."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from store import tables
from workflows import ports
from workflows.model import ApiToken, TokenScope


class SqlTokenRepository(ports.TokenRepository):
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, token: ApiToken) -> None:
        """Stage a new token."""
        self.session.add(token)

    def live(self, name: str) -> ApiToken | None:
        """The unrevoked token with this name, if any (the schema allows one)."""
        c = tables.api_tokens.c
        query = select(ApiToken).where(c.name == name, c.revoked_at.is_(None))
        return self.session.scalars(query).first()

    def usable(self, scope: TokenScope) -> list[ApiToken]:
        """The unrevoked tokens of `scope`, oldest first."""
        c = tables.api_tokens.c
        query = select(ApiToken).where(c.scope == scope, c.revoked_at.is_(None)).order_by(c.id)
        return list(self.session.scalars(query))

    def all(self) -> list[ApiToken]:
        """Every token, revoked or not, oldest first."""
        return list(self.session.scalars(select(ApiToken).order_by(tables.api_tokens.c.id)))
