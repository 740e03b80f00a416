"""`directory: {source: push}`: the people identity providers push are the directory, and
neither a people file nor a directory listing changes them or makes them leavers."""

from __future__ import annotations

from bot.bootstrap import Container
from tests.integration.scim_app import CONFIG, ENTERPRISE, serve_scim
from workflows.commands import SyncPeople
from workflows.directory import sync_people
from workflows.model import Person
from workflows.ports import PersonRecord

PUSHED = "directory: {source: push}\n" + CONFIG


def people(app: Container) -> dict[str, tuple[bool, str]]:
    with app.runner.uow() as uow:
        return {p.email: (p.active, p.department) for p in uow.people.all()}


def test_a_pushed_directory_has_no_source_to_sync(database_url: str) -> None:
    with serve_scim(database_url, PUSHED) as scim:
        assert scim.app.config.directory.pushed
        assert scim.app.directory is None


def test_a_listing_neither_changes_pushed_people_nor_makes_them_leavers(database_url: str) -> None:
    with serve_scim(database_url, PUSHED) as scim:
        scim.create("alice@acme.test", **{ENTERPRISE: {"department": "Design"}})
        scim.create("bob@acme.test")
        with scim.app.runner.uow() as uow:
            uow.people.add(Person("carol@acme.test", in_directory=True))
            uow.commit()
        listing = [
            PersonRecord("alice@acme.test", "Alice", None, None, "Sales", active=False),
            PersonRecord("dan@acme.test", "Dan", None, None, "Ops", active=True),
        ]

        scim.app.runner(sync_people, SyncPeople(listing, complete=True, actor="import"))

        assert people(scim.app) == {
            "alice@acme.test": (True, "Design"),  # as pushed
            "bob@acme.test": (True, ""),  # pushed, not listed: not a leaver
            "carol@acme.test": (False, ""),  # listed before, not pushed: a leaver
            "dan@acme.test": (True, "Ops"),  # new in the listing: added
        }


def test_without_push_a_listing_applies_to_everyone(database_url: str) -> None:
    with serve_scim(database_url) as scim:
        scim.create("alice@acme.test")
        listing = [PersonRecord("alice@acme.test", "Alice", None, None, "Sales", active=False)]

        scim.app.runner(sync_people, SyncPeople(listing, complete=True, actor="import"))

        assert people(scim.app) == {"alice@acme.test": (False, "Sales")}
