"""Reading who is who in a GitHub organisation from GraphQL answers of unusual shapes."""

from __future__ import annotations

from typing import Any

from connectors.github_identity import VERIFIED_DOMAINS, Identities, read_identities


def answers(*organizations: dict[str, Any]) -> Any:
    """A GraphQL endpoint answering each query with the next `organization` object."""
    pending = list(organizations)

    def post(query: str, variables: dict[str, Any]) -> dict[str, Any]:
        return {"data": {"organization": pending.pop(0)}}

    return post


def test_a_null_members_connection_reads_as_nobody_instead_of_failing() -> None:
    post = answers({"samlIdentityProvider": None}, {"membersWithRole": None})

    identities = read_identities(post, "acme", quote=str)

    assert identities == Identities(VERIFIED_DOMAINS)
