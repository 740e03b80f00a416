"""Loopback fakes answer their own failures with HTTP 500 and the error's text."""

from __future__ import annotations

import httpx

from tests.fakes.refusing_vendor import RefusingVendor


def test_a_refusing_vendor_that_cannot_write_its_body_answers_500_saying_why() -> None:
    with RefusingVendor(400, {"detail": object()}) as vendor:
        answer = httpx.post(f"{vendor.url}/Users", json={"userName": "ann"})

    assert answer.status_code == 500
    assert answer.json()["error"].startswith(
        "the local stand-in failed: TypeError: Object of type object"
    )
    assert vendor.calls == 1
