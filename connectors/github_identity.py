"""Who is who in a GitHub organisation: its members' logins matched to their emails.

Copilot seats belong to GitHub logins; Seatkeeper knows people by email. GitHub's GraphQL API
(`POST /graphql`, one query per page of 100 at most) links the two in two documented ways:

1. SAML single sign-on. `organization.samlIdentityProvider.externalIdentities` lists every SAML
   identity of the organisation: `samlIdentity.nameId` (normally the person's email, as the
   identity provider sent it), `samlIdentity.emails { value primary }`, and `user.login`, the
   GitHub account that signed in with it (null until the person has signed in once). Visible to
   organisation owners' classic tokens with `read:org`; null when the organisation has no SAML
   provider (or SAML is set on its enterprise instead, which organisation tokens cannot see).
2. Otherwise, `organization.membersWithRole.nodes.organizationVerifiedDomainEmails(login:)`: a
   member's verified emails on the domains the organisation has verified. The public profile
   email (`User.email`) is not used: GitHub refuses the whole query unless the token has the
   `user:email` scope, and a public email is whatever the person chose to show.

An email claimed by two logins is dropped as ambiguous rather than guessed. A login with several
emails is listed under the first (SAML `nameId` first, then primary emails); all of them lead
back to the login.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from workflows.ports import Rejected, UnknownUser

Json = dict[str, Any]
Post = Callable[[str, Json], Json]  # (query, variables) -> the whole GraphQL response body
Quote = Callable[[str], str]  # GitHub's words made safe to repeat (the token redacted, cut)

SAML = "saml"
VERIFIED_DOMAINS = "verified-domains"
NONE = "none"
VERIFIED_EMAILS_FIELD = "organizationVerifiedDomainEmails"
RATE_LIMITED = frozenset({"RATE_LIMIT", "RATE_LIMITED"})  # GitHub has used both error types

SAML_QUERY = """
query($org: String!, $first: Int!, $cursor: String) {
  organization(login: $org) {
    samlIdentityProvider {
      externalIdentities(first: $first, after: $cursor) {
        pageInfo { hasNextPage endCursor }
        nodes {
          samlIdentity { nameId emails { value primary } }
          user { login }
        }
      }
    }
  }
}
"""
MEMBERS_QUERY = """
query($org: String!, $first: Int!, $cursor: String) {
  organization(login: $org) {
    membersWithRole(first: $first, after: $cursor) {
      pageInfo { hasNextPage endCursor }
      nodes { login organizationVerifiedDomainEmails(login: $org) }
    }
  }
}
"""


class GraphQLErrors(Exception):
    """GitHub answered a query with `errors` (HTTP 200); `str()` joins their messages, quoted."""

    def __init__(self, errors: list[Json], quote: Quote) -> None:
        self.errors = errors
        self.types = {str(error.get("type") or "") for error in errors} - {""}
        messages = dict.fromkeys(str(error.get("message") or "").strip() for error in errors)
        super().__init__(quote("; ".join(m for m in messages if m) or "unknown GraphQL error"))

    def only_at(self, name: str) -> bool:
        """True when every error is about the field `name` (its `path` goes through it)."""
        return all(name in (error.get("path") or []) for error in self.errors)


@dataclass(frozen=True)
class Identities:
    """Logins and emails of one organisation, both lower-cased, each way round."""

    source: str
    emails: Mapping[str, str] = field(default_factory=dict)  # login -> the email seats use
    logins: Mapping[str, str] = field(default_factory=dict)  # any linked email -> login
    note: str = ""

    def email_of(self, login: str) -> str | None:
        """The email a seat of `login` is listed under, if one is linked."""
        return self.emails.get(login.lower())

    def login_of(self, email: str) -> str | None:
        """The GitHub login linked to `email`, if exactly one is."""
        return self.logins.get(email.strip().lower())


def read_identities(post: Post, org: str, quote: Quote, page_size: int = 100) -> Identities:
    """Page through the organisation's SAML identities, else its members' verified emails."""
    pairs: list[tuple[str, list[str]]] = []
    variables: Json = {"org": org, "first": page_size}
    path = ("samlIdentityProvider", "externalIdentities")
    for page in _pages(post, quote, SAML_QUERY, variables, *path):
        if page is None:
            return _members(post, quote, variables)
        for node in _nodes(page):
            login = (node.get("user") or {}).get("login")
            saml = node.get("samlIdentity") or {}
            emails = [saml.get("nameId"), *_emails(saml.get("emails"))]
            if isinstance(login, str) and login:
                pairs.append((login, [e for e in emails if isinstance(e, str) and "@" in e]))
    return _index(SAML, pairs)


def describe(identities: Identities, matched: int, total: int, org: str) -> str:
    """How seats were matched to emails, for `check()`; warns about seats keyed by login."""
    if identities.source == SAML:
        how = f"through the SAML single sign-on identities of {org}"
    elif identities.source == VERIFIED_DOMAINS:
        how = (
            f"through members' emails on the verified domains of {org} (Seatkeeper sees no SAML "
            "single sign-on identity provider on the organisation)"
        )
    else:
        how = f"({identities.note})"
    text = f"{matched} of {total} seats matched to an email {how}"
    if matched < total:
        text += (
            f"; warning: {total - matched} of {total} seats are keyed by GitHub login only, so "
            f"Seatkeeper cannot match them to people: set up SAML single sign-on for {org} (each "
            "member then signs in once to link their login) or manage those seats by hand"
        )
    return text


def unlinked(app: str, org: str, email: str, identities: Identities) -> UnknownUser:
    """The error for an email no login is linked to: nothing is guessed, the admin acts."""
    note = f" ({identities.note})" if identities.note else ""
    return UnknownUser(
        f"{app}: no GitHub login of org {org} is linked to {email}, and Copilot seats belong "
        f"to GitHub logins. Set up SAML single sign-on for {org} and have them sign in to GitHub "
        f"through it once, or assign the seat by hand on GitHub{note}"
    )


def refusal(errors: GraphQLErrors, app: str, org: str, credential: str) -> Rejected:
    """A clear Rejected for GraphQL `errors`, with what to fix when GitHub says what failed."""
    hint = ""
    if errors.types & {"INSUFFICIENT_SCOPES", "FORBIDDEN"}:
        hint = (
            f"; to match logins to emails, {credential} must be a classic token of an owner of "
            f"{org} with the read:org scope, authorised for the org's SAML single sign-on"
        )
    elif "NOT_FOUND" in errors.types:
        hint = f"; check the organisation {org}"
    return Rejected(
        f"{app}: GitHub's GraphQL API refused to list who is who in {org}: {errors}{hint}"
    )


def rate_limited(answer: Json) -> bool:
    """True when a GraphQL answer's errors say the rate limit is spent (even with HTTP 200)."""
    errors = answer.get("errors")
    return isinstance(errors, list) and any(
        isinstance(error, dict) and error.get("type") in RATE_LIMITED for error in errors
    )


def graphql_url(api_url: str) -> str:
    """`{api_url}/graphql`; GitHub Enterprise Server's REST `…/api/v3` → `…/api/graphql`."""
    base = api_url.rstrip("/")
    return f"{base.removesuffix('/v3')}/graphql" if base.endswith("/api/v3") else f"{base}/graphql"


def _members(post: Post, quote: Quote, variables: Json) -> Identities:
    pairs: list[tuple[str, list[str]]] = []
    try:
        for page in _pages(post, quote, MEMBERS_QUERY, variables, "membersWithRole"):
            for node in _nodes(page):
                login, emails = node.get("login"), node.get(VERIFIED_EMAILS_FIELD) or []
                if isinstance(login, str) and login and isinstance(emails, list):
                    pairs.append((login, [e for e in emails if isinstance(e, str) and "@" in e]))
    except GraphQLErrors as errors:
        if not errors.only_at(VERIFIED_EMAILS_FIELD):
            raise
        note = (
            "no SAML single sign-on identity provider is visible on the organisation, and GitHub "
            f"refused members' verified-domain emails: {errors}"
        )
        return Identities(NONE, note=note)
    return _index(VERIFIED_DOMAINS, pairs)


def _pages(
    post: Post, quote: Quote, query: str, variables: Json, *path: str
) -> Iterator[Json | None]:
    """Each page (connection object) at organization.<path>; None when a link is null."""
    cursor: str | None = None
    while True:
        body = post(query, {**variables, "cursor": cursor})
        errors = body.get("errors")
        if isinstance(errors, list) and errors:
            found = [e if isinstance(e, dict) else {"message": str(e)} for e in errors]
            raise GraphQLErrors(found, quote)
        value: Any = (body.get("data") or {}).get("organization")
        if value is None:
            raise GraphQLErrors([{"message": "GitHub answered without the organisation"}], quote)
        for name in path:
            value = value.get(name) if isinstance(value, dict) else None
        if not isinstance(value, dict):
            yield None
            return
        yield value
        info = value.get("pageInfo") or {}
        cursor = info.get("endCursor")
        if not info.get("hasNextPage") or not isinstance(cursor, str) or not _nodes(value):
            return


def _nodes(connection: Json | None) -> list[Json]:
    # A null connection (GitHub's schema says it never is) holds no nodes.
    nodes = connection.get("nodes") if connection is not None else None
    return [node for node in nodes or [] if isinstance(node, dict)]


def _emails(values: object) -> list[str]:
    """SAML identity emails, primary ones first."""
    found = [v for v in values if isinstance(v, dict)] if isinstance(values, list) else []
    ordered = sorted(found, key=lambda email: not email.get("primary"))
    return [str(email.get("value") or "") for email in ordered]


def _index(source: str, pairs: Iterable[tuple[str, list[str]]]) -> Identities:
    """Both maps; an email two logins claim is in neither. Logins keep GitHub's spelling."""
    claimed: defaultdict[str, set[str]] = defaultdict(set)
    listed: dict[str, list[str]] = {}
    spelled: dict[str, str] = {}
    for login, emails in pairs:
        spelled.setdefault(login.lower(), login)
        wanted = [email.strip().lower() for email in emails]
        listed.setdefault(login.lower(), []).extend(wanted)
        for email in wanted:
            claimed[email].add(login.lower())
    logins = {email: spelled[min(who)] for email, who in claimed.items() if len(who) == 1}
    known = {
        login: first
        for login, wanted in listed.items()
        if (first := next((e for e in wanted if e in logins), None))
    }
    return Identities(source, known, logins)
