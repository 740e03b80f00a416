"""Everyday commands through the installed console script: what an import of people says about
their managers and Slack ids, how a spreadsheet's CSV is read, the manifest's URL, `check` in
an empty folder and a sync's dry run."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from tests.fakes.scim_server import RunningScimServer
from tests.integration.cli_harness import HEADER, MANUAL_CONFIG, SCIM_TOKEN_ENV, scim_app
from tests.integration.console import assert_one_line, closed_port, run

WAITING = "note: 2 people have no Slack id yet: import again with SLACK_BOT_TOKEN set"
LEFT = "note: 1 person (ada@acme.com) has a manager who has left: their approvals go to the admins"
COLUMNS = f"(the header names these columns, in any order: {HEADER})"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A working folder with a config of one app fulfilled by hand."""
    (tmp_path / "seatkeeper.yml").write_text(MANUAL_CONFIG)
    return tmp_path


def people(folder: Path, *rows: str, name: str = "people.csv") -> str:
    (folder / name).write_text("\n".join([HEADER, *rows]) + "\n")
    return name


def test_an_import_of_people_refuses_managers_who_cannot_approve_and_notes_what_waits(
    folder: Path,
) -> None:
    bad = people(
        folder,
        "ada@acme.com,Ada,U0ADA0001,grace@acme.co,,true",
        "bo@acme.com,Bo,U0BO00001,bo@acme.com,,true",
        "cy@acme.com,Cy,U0CY00001,dd@acme.com,,true",
        "dd@acme.com,Dd,U0DD00001,cy@acme.com,,true",
        name="bad.csv",
    )
    good = people(
        folder,
        "ada@acme.com,Ada,,grace@acme.com,,true",
        "grace@acme.com,Grace,U0GRACE01,,,false",
        "bo@acme.com,Bo,,,,true",
    )

    refused = run(folder, "import", "people", bad)
    imported = run(folder, "import", "people", good)

    assert refused.returncode == 1 and refused.stdout == ""
    assert refused.stderr.splitlines() == [
        "bad.csv: nothing was imported; fix these lines and run it again:",
        "  bad.csv:2: manager_email grace@acme.co is neither in this file nor in the directory",
        "  bad.csv:3: bo@acme.com is their own manager",
        "  bad.csv:4: manager loop: cy@acme.com → dd@acme.com → cy@acme.com",
    ]
    assert (imported.returncode, imported.stderr) == (0, "")
    lines = imported.stdout.splitlines()
    assert lines[0] == "people.csv: 3 people added, 0 updated, 0 unchanged"
    assert lines[1].startswith(LEFT) and lines[2].startswith(WAITING), lines


@pytest.mark.parametrize(
    ("text", "code", "said"),
    [
        pytest.param(
            f"{HEADER.replace('active', 'team')}\nada@acme.com,Ada,U0ADA0001,,,x\n".encode(),
            1,
            f"  people.csv:1: missing column active; unknown column 'team' {COLUMNS}",
            id="a column missing and one unknown",
        ),
        pytest.param(
            f"{HEADER.replace(',', ';')}\nada@acme.com;Archer, Ada;U0ADA0001;;;true\n".encode(),
            0,
            "people.csv: 1 person added, 0 updated, 0 unchanged",
            id="semicolons",
        ),
        pytest.param(
            f"{HEADER}\nzoe@acme.com,Zoé,U0ZOE0001,,,true\n".encode("latin-1"),
            1,
            "  people.csv:2: byte 0xE9 is not UTF-8 text (the file is probably in another "
            "encoding, such as Excel's default): save it as 'CSV UTF-8' and import it again",
            id="latin-1",
        ),
    ],
)
def test_a_spreadsheets_csv_is_read_or_refused_saying_what_to_change(
    folder: Path, text: bytes, code: int, said: str
) -> None:
    (folder / "people.csv").write_bytes(text)

    done = run(folder, "import", "people", "people.csv")

    assert done.returncode == code
    assert said in (done.stdout if code == 0 else done.stderr).splitlines()


@pytest.mark.parametrize(
    ("url", "said"),
    [
        ("http://seatkeeper.acme.com", "--url must use https (Slack sends requests only there)"),
        ("seatkeeper.acme.com", "--url must be like https://seatkeeper.your-company.com"),
    ],
)
def test_the_manifest_refuses_a_url_without_https(folder: Path, url: str, said: str) -> None:
    done = run(folder, "manifest", "--url", url)

    assert_one_line(done, 2, said)
    assert done.stdout == ""


def test_check_in_an_empty_folder_creates_no_database(tmp_path: Path) -> None:
    done = run(tmp_path, "check")

    assert done.returncode == 1
    assert "FAIL database: x.db does not exist yet; `seatkeeper db upgrade` creates it" in (
        done.stdout.splitlines()
    )
    assert list(tmp_path.iterdir()) == []


def test_a_sync_dry_run_says_what_would_change_and_errors_as_they_are(
    folder: Path, scim_server: RunningScimServer
) -> None:
    scim_server.add_user("ada@acme.com")
    unreachable = scim_app(f"http://127.0.0.1:{closed_port()}/scim/v2")
    canva = unreachable.replace("figma", "canva").replace("Figma", "Canva")
    (folder / "seatkeeper.yml").write_text(MANUAL_CONFIG + scim_app(scim_server.base_url) + canva)
    assert run(folder, "db", "upgrade").returncode == 0

    done = run(folder, "run", "sync", "--dry-run", **{SCIM_TOKEN_ENV: scim_server.token})

    assert done.returncode == 1
    figma, canva_line, miro = done.stdout.splitlines()
    assert figma == "would change: figma: 1 found, 0 gone, 0 tier changes, 0 activity updates"
    assert canva_line.startswith("canva: Canva: could not reach the SCIM service (")
    assert miro == "miro: skipped (fulfilled by hand; import its seats from CSV)"
    with closing(sqlite3.connect(folder / "x.db")) as database:
        assert database.execute("SELECT count(*) FROM seats").fetchone() == (0,)
