"""scim2-tester, the python-scim project's conformance checker, against the live /scim/v2.

It reads the ServiceProviderConfig, ResourceTypes and Schemas the app announces, then
creates, reads, lists, searches, replaces, patches and deletes Users and Groups over real
HTTP (through scim2-client's httpx2 engine). Every check of the announced features must
pass; none may be skipped.
"""

from __future__ import annotations

import httpx2
from scim2_client.engines.httpx2 import SyncSCIMClient
from scim2_tester import Status, check_server

from tests.integration.scim_app import live_scim

# What the announced features (Users, Groups, PATCH, filters, discovery) must have checked.
EXPECTED = {
    "service_provider_config_endpoint",
    "query_all_resource_types",
    "query_all_schemas",
    "object_creation",
    "object_query",
    "object_query_with_attributes",
    "object_list_with_attributes",
    "search_with_attributes",
    "object_replacement",
    "object_deletion",
    "check_add_attribute",
    "check_remove_attribute",
    "check_replace_attribute",
}


def test_every_check_of_scim2_tester_passes_against_the_live_app(database_url: str) -> None:
    with live_scim(database_url) as (url, token):
        headers = {"Authorization": f"Bearer {token}"}
        with httpx2.Client(base_url=url, headers=headers, timeout=30) as http:
            results = check_server(SyncSCIMClient(http))

    failed = [
        f"{r.title} ({r.status.name}): {r.reason}" for r in results if r.status != Status.SUCCESS
    ]
    assert failed == [], "\n".join(failed)
    assert EXPECTED - {r.title for r in results} == set()
    groups = {r.title for r in results if r.resource_type == "Group"}
    assert {"object_creation", "object_replacement", "check_add_attribute"} <= groups
    assert len(results) >= 50
