"""scim2-tester, the python-scim project's conformance checker, against the live /scim/v2.

It reads the ServiceProviderConfig, ResourceTypes and Schemas the app announces, then
creates, reads, lists, searches, replaces, patches and deletes Users over real HTTP (through
scim2-client's httpx2 engine). Every check of the announced features must pass.
"""

from __future__ import annotations

import httpx2
from scim2_client.engines.httpx2 import SyncSCIMClient
from scim2_tester import Status, check_server

from tests.integration.scim_app import live_scim


def test_every_check_of_scim2_tester_passes_against_the_live_app(database_url: str) -> None:
    with live_scim(database_url) as (url, token):
        headers = {"Authorization": f"Bearer {token}"}
        with httpx2.Client(base_url=url, headers=headers, timeout=30) as http:
            results = check_server(SyncSCIMClient(http))

    failed = [
        f"{r.title}: {r.reason}"
        for r in results
        if r.status not in (Status.SUCCESS, Status.SKIPPED)
    ]
    assert failed == [], "\n".join(failed)
    assert sum(r.status == Status.SUCCESS for r in results) > 20
