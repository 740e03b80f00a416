"""Vendor calls off: the sandbox's connectors record every write and send nothing."""

from __future__ import annotations

import datetime as dt
import threading

import pytest

from bot.config.loader import parse_config
from bot.sandbox.dry_run import DryRunConnector, VendorCall, VendorCalls, dry_run_connectors
from connectors.manual import ManualConnector
from tests.fakes.clock import FakeClock
from workflows.catalog import Config
from workflows.ports import Assignee, NotSupported

ZOE = Assignee("zoe.nakamura@acme.example", "Zoe Nakamura", "U0DEMO023")
CONFIG = """
apps:
  - key: figma
    name: Figma
    connector: {type: scim, base_url: "https://figma.example/scim/v2", token_env: FIGMA_TOKEN}
    tiers: [{key: professional, name: Professional}, {key: viewer, name: Viewer}]
  - key: zoom
    name: Zoom
    connector: {type: scim, base_url: "https://zoom.example/scim/v2", token_env: ZOOM_TOKEN}
    tiers: [{key: pro, name: Pro}]
  - key: copilot
    name: GitHub Copilot
    connector: {type: github_copilot, org: acme, token_env: GITHUB_TOKEN}
    tiers: [{key: business, name: Business}]
  - key: miro
    name: Miro
    connector: {type: manual}
    tiers: [{key: standard, name: Standard}]
  - key: loom
    name: Loom
    connector: {type: csv}
    tiers: [{key: standard, name: Standard}]
"""


def sandbox_config() -> Config:
    """Vendor apps whose secrets are not set, as on the laptop of someone trying the sandbox."""
    return parse_config(CONFIG, source="sandbox.yml", env={}, secrets=False)


def test_a_vendor_apps_writes_succeed_and_are_recorded_with_when_who_and_which_tier() -> None:
    clock, calls = FakeClock(), VendorCalls()
    figma = dry_run_connectors(sandbox_config(), calls, clock)["figma"]

    figma.assign(ZOE, "professional")
    clock.advance(minutes=5)
    figma.change_tier(ZOE, "viewer")
    clock.advance(minutes=5)
    figma.revoke(ZOE)

    start = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)
    assert calls.all() == [
        VendorCall(start, "figma", "assign", ZOE.email, "professional"),
        VendorCall(start + dt.timedelta(minutes=5), "figma", "change_tier", ZOE.email, "viewer"),
        VendorCall(start + dt.timedelta(minutes=10), "figma", "revoke", ZOE.email, None),
    ]


def test_the_version_grows_with_each_call_so_a_page_can_tell_there_is_news() -> None:
    calls = VendorCalls()
    zoom = dry_run_connectors(sandbox_config(), calls, FakeClock())["zoom"]
    assert calls.version == 0
    zoom.assign(ZOE, "pro")
    seen = calls.version
    zoom.revoke(ZOE)
    assert 0 < seen < calls.version


@pytest.mark.parametrize("app_key", ["miro", "loom"])
def test_an_app_fulfilled_by_hand_still_refuses_writes_so_it_becomes_an_it_task(
    app_key: str,
) -> None:
    calls = VendorCalls()
    connector = dry_run_connectors(sandbox_config(), calls, FakeClock())[app_key]
    with pytest.raises(NotSupported):
        connector.assign(ZOE, "standard")
    with pytest.raises(NotSupported):
        connector.revoke(ZOE)
    with pytest.raises(NotSupported):
        connector.change_tier(ZOE, "standard")
    assert isinstance(connector, ManualConnector) and connector.manual
    assert calls.all() == [] and calls.version == 0


def test_every_app_gets_one_connector_that_lists_no_seats_and_says_it_is_a_dry_run() -> None:
    config = sandbox_config()
    connectors = dry_run_connectors(config, VendorCalls(), FakeClock())

    assert sorted(connectors) == sorted(app.key for app in config.apps)
    scim = [key for key, c in connectors.items() if isinstance(c, DryRunConnector)]
    assert sorted(scim) == ["copilot", "figma", "zoom"]
    for key in scim:
        assert connectors[key].list_seats() == []
        assert connectors[key].contract() is None
        assert "dry run" in connectors[key].check()


def test_a_dry_run_vendor_counts_as_one_the_sync_does_not_read() -> None:
    # An empty listing from a vendor that is never asked must not look like every seat gone.
    connectors = dry_run_connectors(sandbox_config(), VendorCalls(), FakeClock())
    assert all(connector.manual for connector in connectors.values())


def test_a_copilot_seat_stays_billed_to_the_end_of_its_cycle_in_a_dry_run_too() -> None:
    connectors = dry_run_connectors(sandbox_config(), VendorCalls(), FakeClock())
    assert connectors["copilot"].billed_to_cycle_end
    assert not connectors["figma"].billed_to_cycle_end


def test_calls_recorded_from_several_threads_at_once_are_all_kept() -> None:
    calls = VendorCalls()
    zoom = dry_run_connectors(sandbox_config(), calls, FakeClock())["zoom"]

    def assign_many(n: int) -> None:
        for i in range(200):
            zoom.assign(Assignee(f"p{n}-{i}@acme.example"), "pro")

    threads = [threading.Thread(target=assign_many, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(calls.all()) == calls.version == 800
    assert len({call.email for call in calls.all()}) == 800
