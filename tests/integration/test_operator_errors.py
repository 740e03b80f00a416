"""What the console script asks for and says when it cannot do its work: secrets are needed only
where they are used, every failure is one line with a documented exit code, and a traceback
appears only with --debug."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.integration.console import assert_one_line, closed_port, run

# One SCIM app and one Google Workspace app whose secrets are not set; the key is the app's.
CONFIG = """\
admins: [U0ADMIN01]
apps:
  - key: figma
    name: Figma
    owner: U0OWNER01
    tiers: [{key: professional, name: Professional, monthly_price: 15}]
    connector: {type: scim, base_url: "http://127.0.0.1:%(port)d/scim/v2", token_env: FIGMA_TOKEN}
  - key: gws
    name: Google Workspace
    owner: U0OWNER01
    tiers: [{key: business, name: Business, monthly_price: 12}]
    connector:
      type: google_workspace
      customer_id: C01
      product_id: Google-Apps
      skus: {business: "1010020027"}
      subject: admin@acme.com
      credentials_env: GOOGLE_KEY
  - key: miro
    name: Miro
    owner: U0OWNER01
    tiers: [{key: member, name: Member, monthly_price: 8}]
"""
PEOPLE = (
    "email,name,slack_user_id,manager_email,department,active\nada@acme.com,Ada,U0ADA0001,,,true\n"
)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "seatkeeper.yml").write_text(CONFIG % {"port": closed_port()})
    (tmp_path / "people.csv").write_text(PEOPLE)
    return tmp_path


# --- secrets where they are used ---------------------------------------------------------


def test_upgrading_importing_and_printing_the_manifest_need_no_connector_secret(
    folder: Path,
) -> None:
    assert run(folder, "db", "upgrade").returncode == 0
    imported = run(folder, "import", "people", "people.csv")
    manifest = run(folder, "manifest")

    assert imported.returncode == 0, imported.stderr
    assert "1 person added" in imported.stdout
    assert manifest.returncode == 0 and "slash_commands" in manifest.stdout


def test_check_gives_each_missing_or_malformed_secret_its_own_fail_line_and_goes_on(
    folder: Path,
) -> None:
    run(folder, "db", "upgrade")

    done = run(folder, "check", GOOGLE_KEY="a placeholder, not a key")

    lines = done.stdout.splitlines()
    assert done.returncode == 1
    assert "FAIL app figma: the environment variable FIGMA_TOKEN is not set" in done.stdout
    assert any(line.startswith("FAIL app gws:") and "not valid JSON" in line for line in lines)
    assert "ok   app miro: manual" in done.stdout  # the apps after them are still checked
    assert "ok   database" in done.stdout
    assert "a placeholder" not in done.stdout + done.stderr


@pytest.mark.parametrize("command", [["serve"], ["run", "sync"], ["run", "sync", "--dry-run"]])
def test_serve_and_sync_refuse_to_start_naming_every_missing_secret(
    folder: Path, command: list[str]
) -> None:
    run(folder, "db", "upgrade")

    done = run(folder, *command)

    assert done.returncode == 2
    lines = done.stderr.splitlines()
    assert "FIGMA_TOKEN is not set" in lines[0] and "GOOGLE_KEY is not set" in lines[1]
    assert lines[2].startswith(f"seatkeeper: {' '.join(command[:2])} cannot start until")
    assert "Traceback" not in done.stderr


def test_a_pass_that_posts_to_slack_refuses_without_the_bot_token_but_rehearses_without(
    tmp_path: Path,
) -> None:
    run(tmp_path, "db", "upgrade")

    refused = run(tmp_path, "run", "digest")
    rehearsed = run(tmp_path, "run", "digest", "--dry-run")

    assert refused.returncode == 2
    assert refused.stderr.splitlines()[1].startswith("seatkeeper: SLACK_BOT_TOKEN is not set")
    assert "posted" not in refused.stdout
    assert rehearsed.returncode == 0, rehearsed.stderr


# --- one line and an exit code -------------------------------------------------------------


def test_a_database_seatkeeper_does_not_run_on_is_a_setting_error(tmp_path: Path) -> None:
    done = run(tmp_path, "db", "upgrade", SEATKEEPER_DATABASE_URL="mysql://app:pw@db/seats")

    assert_one_line(done, 2, "SEATKEEPER_DATABASE_URL: mysql is not a database")
    assert "pw" not in done.stderr


def test_an_unreachable_database_is_one_line_and_exit_3_and_debug_shows_the_traceback(
    folder: Path,
) -> None:
    url = f"postgresql://app:s3cret-pw@127.0.0.1:{closed_port()}/seats"

    done = run(folder, "db", "upgrade", SEATKEEPER_DATABASE_URL=url)
    debug = run(folder, "--debug", "db", "upgrade", SEATKEEPER_DATABASE_URL=url)

    assert_one_line(done, 3, "cannot use the database: connection failed")
    assert "s3cret-pw" not in done.stderr
    assert debug.returncode == 3 and "Traceback (most recent call last)" in debug.stderr


def test_an_unreachable_slack_is_one_line_and_exit_3(folder: Path) -> None:
    run(folder, "db", "upgrade")
    people = folder / "people.csv"
    people.write_text(PEOPLE.replace("U0ADA0001", ""))  # a blank id is looked up by email

    done = run(
        folder,
        "import",
        "people",
        "people.csv",
        SLACK_BOT_TOKEN="xoxb-test",
        SLACK_API_URL=f"http://127.0.0.1:{closed_port()}/api/",
    )

    assert_one_line(done, 3, "cannot reach Slack (")


def test_run_options_belong_to_their_pass(tmp_path: Path) -> None:
    done = run(tmp_path, "run", "reminders", "--accept-removals")

    assert done.returncode == 2
    assert "unrecognized arguments: --accept-removals" in done.stderr


def test_serve_help_describes_each_option(tmp_path: Path) -> None:
    done = run(tmp_path, "serve", "--help")

    assert "the address to listen on (default: HOST" in done.stdout
    assert "the port to listen on (default: PORT" in done.stdout
    assert "--socket-mode" in done.stdout


# --- Socket Mode -----------------------------------------------------------------------------


def test_socket_mode_needs_only_the_app_and_bot_tokens(tmp_path: Path) -> None:
    (tmp_path / "seatkeeper.yml").write_text("admins: [U0ADMIN01]\n")
    run(tmp_path, "db", "upgrade")
    slack = f"http://127.0.0.1:{closed_port()}/api/"

    missing = run(tmp_path, "serve", "--socket-mode", SLACK_BOT_TOKEN="xoxb-test")
    started = run(
        tmp_path,
        "serve",
        "--socket-mode",
        SLACK_BOT_TOKEN="xoxb-test",
        SLACK_APP_TOKEN="xapp-test",
        SLACK_API_URL=slack,
    )

    assert_one_line(missing, 2, "--socket-mode needs SLACK_APP_TOKEN, an app-level token")
    # No signing secret was asked for: it went on to connect, and Slack was not there.
    assert_one_line(started, 3, "cannot reach Slack")


def test_a_missing_csv_file_is_one_line_and_exit_2(folder: Path) -> None:
    run(folder, "db", "upgrade")

    done = run(folder, "import", "people", "nope.csv")

    assert_one_line(done, 2, "nope.csv: No such file or directory")


def test_work_that_cannot_reach_slack_is_logged_in_one_line_and_kept_for_later(
    tmp_path: Path,
) -> None:
    (tmp_path / "seatkeeper.yml").write_text("admins: [U0ADMIN01]\ndirectory: {source: slack}\n")
    run(tmp_path, "db", "upgrade")
    slack = f"http://127.0.0.1:{closed_port()}/api/"

    done = run(tmp_path, "run", "sync", SLACK_BOT_TOKEN="xoxb-test", SLACK_API_URL=slack)

    assert done.returncode == 1
    assert "directory: Directory (slack): could not reach Slack" in done.stdout
    assert "Traceback" not in done.stderr
    assert "could not reach Slack: <urlopen error" in done.stderr
