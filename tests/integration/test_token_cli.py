"""`seatkeeper token create|list|revoke`: a token is shown once and then works until revoked."""

from __future__ import annotations

import hashlib
import logging
from typing import Any

import pytest

from tests.database import rows_of
from tests.integration.cli_harness import Cli
from tests.integration.rest_api import serve
from workflows.tokens import PREFIX


def create(cli: Cli, name: str = "ci-reports") -> str:
    created = cli("token", "create", "--name", name)
    assert created.code == 0, created.err
    return created.out.strip()


def stored(cli: Cli) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table of the CLI's database."""
    engine = cli.engine()
    try:
        return rows_of(engine)
    finally:
        engine.dispose()


def test_create_prints_the_token_alone_on_stdout_and_says_it_is_not_shown_again(cli: Cli) -> None:
    created = cli("token", "create", "--name", "ci-reports", "--scope", "api")

    assert created.code == 0
    [token] = created.out.splitlines()
    assert token.startswith(PREFIX) and len(token) == len(PREFIX) + 43
    assert "'ci-reports' (api) created" in created.err
    assert "not shown again" in created.err
    assert token not in created.err


def test_the_database_keeps_the_tokens_hash_and_nowhere_the_token(cli: Cli) -> None:
    token = create(cli)

    rows = stored(cli)

    [row] = rows["api_tokens"]
    assert hashlib.sha256(token.encode()).hexdigest() in row
    assert token not in str(rows)


def test_list_shows_each_tokens_name_scope_and_times_but_never_the_token_or_its_hash(
    cli: Cli,
) -> None:
    token = create(cli)
    create(cli, "nightly")

    listed = cli("token", "list")

    assert listed.code == 0
    header, *lines = listed.out.splitlines()
    assert header.split() == ["name", "scope", "created", "last", "used", "revoked"]
    assert [line.split()[:2] for line in lines] == [["ci-reports", "api"], ["nightly", "api"]]
    assert all(line.split()[-2:] == ["never", "-"] for line in lines)
    assert token not in listed.out
    assert hashlib.sha256(token.encode()).hexdigest() not in listed.out


def test_list_with_no_tokens_says_how_to_make_one(cli: Cli) -> None:
    listed = cli("token", "list")

    assert listed.code == 0
    assert listed.out == "no API tokens yet; `seatkeeper token create --name NAME` makes one\n"


def test_a_name_in_use_is_refused_with_exit_1(cli: Cli) -> None:
    create(cli)

    again = cli("token", "create", "--name", "ci-reports")

    assert again.code == 1
    assert again.out == ""
    assert "'ci-reports' is in use; revoke it first" in again.err


def test_a_token_works_until_revoked_and_is_then_refused(cli: Cli) -> None:
    token = create(cli)
    with serve(cli.database_url) as served:
        assert served.get("/api/v1/spend", token)["status"] == 200

        revoked = cli("token", "revoke", "ci-reports")

        assert (revoked.code, revoked.err) == (0, "")
        assert "'ci-reports' revoked" in revoked.out
        assert served.get("/api/v1/spend", token) == {"status": 401, "error": "invalid token"}
    [line] = cli("token", "list").out.splitlines()[1:]
    assert not line.endswith("  -")  # the revoked column holds a time
    assert "never" not in line  # and the use before it was noted


def test_revoking_a_token_that_does_not_exist_or_is_revoked_exits_1_saying_which(
    cli: Cli,
) -> None:
    create(cli)
    assert cli("token", "revoke", "ci-reports").code == 0

    again = cli("token", "revoke", "ci-reports")
    unknown = cli("token", "revoke", "nightly")

    assert (again.code, again.err) == (1, "seatkeeper: the token 'ci-reports' is already revoked\n")
    assert (unknown.code, unknown.err) == (1, "seatkeeper: the token 'nightly' does not exist\n")


def test_create_and_revoke_are_audited_by_name_and_who_ran_them(cli: Cli) -> None:
    token = create(cli)
    cli("token", "revoke", "ci-reports")

    audit = stored(cli)["audit_events"]

    actions = [(row[2].split(":")[0], row[3], row[4]) for row in audit]
    assert actions == [
        ("cli", "token.created", "token:ci-reports"),
        ("cli", "token.revoked", "token:ci-reports"),
    ]
    assert token not in str(audit)


def test_no_log_line_holds_the_token(cli: Cli, caplog: pytest.LogCaptureFixture) -> None:
    cli.setenv("SEATKEEPER_LOG_LEVEL", "DEBUG")
    caplog.set_level(logging.DEBUG)
    token = create(cli)
    with serve(cli.database_url) as served:
        served.get("/api/v1/seats", token)
        served.get("/api/v1/seats", token + "x")
    cli("token", "list")
    cli("token", "revoke", "ci-reports")

    assert caplog.records
    assert token not in caplog.text


def test_a_scim_token_is_made_with_scope_scim_and_refused_by_the_rest_api(cli: Cli) -> None:
    created = cli("token", "create", "okta", "--scope", "scim")
    assert created.code == 0, created.err
    assert "'okta' (scim) created" in created.err
    [line] = cli("token", "list").out.splitlines()[1:]
    assert line.split()[:2] == ["okta", "scim"]
    with serve(cli.database_url) as served:
        refused = served.get("/api/v1/spend", created.out.strip())
    assert refused == {"status": 401, "error": "invalid token"}


@pytest.mark.parametrize(
    "args", [("okta", "--name", "entra"), ("--scope", "scim")], ids=["twice", "unnamed"]
)
def test_a_token_is_named_once_either_as_an_argument_or_with_name(
    cli: Cli, args: tuple[str, ...]
) -> None:
    with pytest.raises(SystemExit) as usage:
        cli("token", "create", *args)
    assert usage.value.code == 2
    assert cli("token", "list").out.startswith("no API tokens yet")
