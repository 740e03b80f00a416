"""The demo's files: Acme's config and people load as any admin's would, and show every feature."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from bot.config.loader import load_config
from bot.sandbox.demo import DemoFiles, write_demo
from bot.sandbox.demo_config import config_text
from bot.sandbox.demo_org import PEOPLE, SEATS, person
from connectors.directories import CsvDirectory
from workflows.alerts import due_threshold
from workflows.catalog import SLACK_USER_ID, Config
from workflows.seats import counted_tiers

TODAY = dt.date(2026, 11, 23)


@pytest.fixture
def files(tmp_path: Path) -> DemoFiles:
    return write_demo(tmp_path / "demo", today=TODAY)


@pytest.fixture
def config(files: DemoFiles) -> Config:
    return load_config(files.config, env=files.env)


def test_the_demo_config_loads_with_the_placeholder_secrets_it_names(files: DemoFiles) -> None:
    config = load_config(files.config, env=files.env)
    named = {getattr(app.connector, "token_env", None) for app in config.apps} - {None}
    assert named == set(files.env)
    assert files.config.name == "seatkeeper.yml" and files.people.name == "people.csv"


def test_the_demo_config_sends_approvals_by_dm_and_reports_to_its_it_channel(
    config: Config,
) -> None:
    assert config.slack.it_channel == "C0DEMOIT1" and config.slack.approvals_channel is None
    assert config.currency == "USD"
    assert config.directory.source == "csv" and config.directory.path == "people.csv"
    assert config.digest.horizon_days == 120
    assert config.defaults.reclaim.working_hours == "always"


def test_the_two_admins_are_it_people(config: Config) -> None:
    by_id = {person.slack_user_id: person for person in PEOPLE}
    assert len(config.admins) == 2
    assert {by_id[admin].department for admin in config.admins} == {"IT"}


def test_the_catalog_has_nine_apps_of_manual_csv_and_scim_with_owners_from_the_directory(
    config: Config,
) -> None:
    ids = {person.slack_user_id for person in PEOPLE}
    assert 8 <= len(config.apps) <= 10
    assert {app.connector.type for app in config.apps} == {"manual", "csv", "scim"}
    assert all(app.owner in ids for app in config.apps)
    assert config.app("github-copilot").connector.type == "manual"  # type: ignore[union-attr]


def test_approval_chains_mix_manager_owner_admins_and_none(config: Config) -> None:
    chains = [config.chain(app, tier) for app in config.apps for tier in app.tiers]
    steps = {step for chain in chains for step in chain}
    assert {"manager", "owner", "admins"} <= steps
    assert [] in chains


def test_figma_downgrades_idle_professionals_to_viewers_but_not_the_ceo(config: Config) -> None:
    figma = config.app("figma")
    assert figma is not None
    policy = config.reclaim_policy(figma)
    assert (policy.action, policy.downgrade_to) == ("downgrade", "viewer")
    assert policy.exempt == [person("olivia").email]
    assert figma.tier("viewer").monthly_price == 0  # type: ignore[union-attr]


def test_renewals_fall_where_the_digest_and_the_notice_alerts_show_them(config: Config) -> None:
    renewing = {
        app.key: (app.contract.renews_on - TODAY).days
        for app in config.apps
        if app.contract.renews_on is not None
    }
    assert [key for key, days in renewing.items() if days <= 20] == ["zoom"]
    assert len([days for days in renewing.values() if days <= 90]) >= 3
    alerts = {
        app.key: due_threshold((app.contract.renews_on - TODAY).days - app.contract.notice_days)
        for app in config.apps
        if app.contract.renews_on is not None
    }
    assert {key: t for key, t in alerts.items() if t is not None} == {"zoom": 14}
    assert any(app.contract.auto_renew for app in config.apps)


def test_one_app_has_it_review_reclaims_and_one_is_never_reclaimed(config: Config) -> None:
    policies = {app.key: config.reclaim_policy(app) for app in config.apps}
    assert [key for key, policy in policies.items() if policy.review] == ["adobe-cc"]
    assert [key for key, policy in policies.items() if not policy.enabled] == ["1password"]


def test_every_contract_seat_of_adobe_is_taken_and_the_others_have_room(config: Config) -> None:
    for app in config.apps:
        counted = counted_tiers(app)
        held = [s for s in SEATS.get(app.key, []) if counted is None or s.tier in counted]
        if app.key == "adobe-cc":
            assert len(held) == app.contract.seats == 6
        elif app.contract.seats is not None:
            assert len(held) < app.contract.seats, app.key


def test_every_seat_is_on_a_tier_of_its_app_held_by_someone_in_the_directory(
    config: Config,
) -> None:
    handles = {person.handle for person in PEOPLE}
    for app_key, seats in SEATS.items():
        app = config.app(app_key)
        assert app is not None
        assert all(app.tier(seat.tier) is not None for seat in seats), app_key
        assert all(seat.handle in handles for seat in seats), app_key
        assert len({seat.handle for seat in seats}) == len(seats), app_key


def test_the_people_file_loads_thirty_six_active_people_at_acme(files: DemoFiles) -> None:
    people = CsvDirectory(files.people).list_people()
    assert 30 <= len(people) <= 40 and len(people) == len(PEOPLE)
    assert all(person.active and person.email.endswith("@acme.example") for person in people)
    ids = [person.slack_user_id or "" for person in people]
    assert all(SLACK_USER_ID.match(i) and i.startswith("U0DEMO") for i in ids)
    assert len(set(ids)) == len(ids)
    assert {"Design", "Engineering", "Sales", "Finance", "IT"} <= {p.department for p in people}


def test_managers_form_one_tree_with_the_ceo_at_the_top(files: DemoFiles) -> None:
    people = CsvDirectory(files.people).list_people()
    manager = {person.email: person.manager_email for person in people}
    (top,) = [email for email, boss in manager.items() if boss is None]
    assert top == "olivia.bennett@acme.example"
    for email in manager:
        seen = {email}
        while (boss := manager[email]) is not None:
            assert boss in manager and boss not in seen, email
            seen.add(boss)
            email = boss
        assert email == top


def test_writing_the_demo_twice_on_the_same_day_writes_the_same_files(tmp_path: Path) -> None:
    first = write_demo(tmp_path / "a", today=TODAY)
    second = write_demo(tmp_path / "b", today=TODAY)
    assert first.config.read_bytes() == second.config.read_bytes()
    assert first.people.read_bytes() == second.people.read_bytes()
    assert first.env == second.env


def test_each_slack_id_in_the_config_is_the_person_its_comment_names() -> None:
    by_id = {person.slack_user_id: person.name for person in PEOPLE}
    named = re.findall(r"(U0DEMO\d{3})\s+# ([^,\n]+)", config_text(TODAY))
    assert len(named) == 9
    assert all(by_id[slack_id] == name for slack_id, name in named), named
    admins = re.search(r"admins: \[(\w+), (\w+)\]\s+# (.+) and (.+), IT", config_text(TODAY))
    assert admins is not None
    assert (by_id[admins[1]], by_id[admins[2]]) == (admins[3], admins[4])
