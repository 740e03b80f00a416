"""The directory from CSV: every line is checked, problems name the file and the line."""

from __future__ import annotations

import pytest

from tests.fakes.clock import FakeClock
from tests.fakes.uow import FakeUnitOfWork
from workflows.catalog import Config
from workflows.model import Person
from workflows.people import ApplyPeople, LineProblem, PersonRow, apply_people, parse_people

HEADER = "email,name,slack_user_id,manager_email,department,active"
FILE = "people.csv"


def csv(*lines: str) -> str:
    return "\n".join([HEADER, *lines]) + "\n"


def reasons(text: str) -> list[tuple[int, str]]:
    """(line, reason) of every problem in `text`."""
    _, problems = parse_people(text, FILE)
    assert all(p.file == FILE for p in problems)
    return [(p.line, p.reason) for p in problems]


# Good files


def test_a_clean_file_gives_one_row_per_person() -> None:
    rows, problems = parse_people(
        csv(
            "alice@acme.test,Alice Archer,U0ALICE01,dana@acme.test,Design,true",
            "dana@acme.test,Dana Diaz,U0DANA001,,Design,false",
        ),
        FILE,
    )

    assert problems == []
    assert rows == [
        PersonRow(
            2, "alice@acme.test", "Alice Archer", "U0ALICE01", "dana@acme.test", "Design", True
        ),
        PersonRow(3, "dana@acme.test", "Dana Diaz", "U0DANA001", None, "Design", False),
    ]


def test_emails_are_lowercased_and_values_trimmed() -> None:
    rows, problems = parse_people(
        csv("  Alice@ACME.test , Alice ,U0ALICE01 , Dana@Acme.Test ,  Design  , TRUE "), FILE
    )

    assert problems == []
    assert rows == [
        PersonRow(2, "alice@acme.test", "Alice", "U0ALICE01", "dana@acme.test", "Design", True)
    ]


def test_a_blank_active_means_true() -> None:
    rows, _ = parse_people(csv("alice@acme.test,Alice,U0ALICE01,,,"), FILE)

    assert rows[0].active is True


@pytest.mark.parametrize(
    ("value", "active"),
    [
        ("true", True),
        ("Yes", True),
        ("1", True),
        ("y", True),
        ("false", False),
        ("NO", False),
        ("0", False),
        ("n", False),
    ],
)
def test_active_takes_the_usual_spellings_of_yes_and_no(value: str, active: bool) -> None:
    rows, problems = parse_people(csv(f"alice@acme.test,Alice,,,,{value}"), FILE)

    assert problems == []
    assert rows[0].active is active


def test_blank_optional_columns_become_none_or_empty() -> None:
    rows, _ = parse_people(csv("alice@acme.test,,,,,"), FILE)

    assert rows == [PersonRow(2, "alice@acme.test", "", None, None, "", True)]


def test_quoted_commas_stay_inside_their_column() -> None:
    rows, problems = parse_people(
        csv('alice@acme.test,"Archer, Alice",U0ALICE01,,"Design, Research",yes'), FILE
    )

    assert problems == []
    assert (rows[0].name, rows[0].department) == ("Archer, Alice", "Design, Research")


def test_windows_line_endings_are_fine() -> None:
    text = f"{HEADER}\r\nalice@acme.test,Alice,U0ALICE01,,,\r\n"

    rows, problems = parse_people(text, FILE)

    assert problems == []
    assert [r.email for r in rows] == ["alice@acme.test"]


# The header


EXPECTED = f"(the header names these columns, in any order: {HEADER})"


@pytest.mark.parametrize(
    ("header", "reason"),
    [
        pytest.param(
            "email,name,slack_user_id,manager_email,department",
            f"missing column active {EXPECTED}",
            id="a column missing",
        ),
        pytest.param(f"{HEADER},team", f"unknown column 'team' {EXPECTED}", id="an extra column"),
        pytest.param(
            "mail,name,slack_id,manager,department,active",
            "missing columns email, slack_user_id, manager_email; "
            f"unknown columns 'mail', 'slack_id', 'manager' {EXPECTED}",
            id="other names",
        ),
        pytest.param(
            f"{HEADER},email", f"column named twice: email {EXPECTED}", id="a column twice"
        ),
        pytest.param(
            "alice@acme.test,Alice,U0ALICE01,,,",
            "missing columns email, name, slack_user_id, manager_email, department, active; "
            "unknown columns 'alice@acme.test', 'alice', 'u0alice01', '', '', '' "
            f"{EXPECTED}",
            id="no header at all",
        ),
    ],
)
def test_a_header_names_each_missing_unknown_or_repeated_column(header: str, reason: str) -> None:
    text = f"{header}\nalice@acme.test,Alice,U0ALICE01,,,\n"

    rows, problems = parse_people(text, FILE)

    assert rows == []
    assert problems == [LineProblem(FILE, 1, reason)]


@pytest.mark.parametrize(
    "header",
    [
        pytest.param("name,email,slack_user_id,manager_email,department,active", id="out of order"),
        pytest.param("Email,Name,Slack_User_Id,Manager_Email,Department,Active", id="capitals"),
        pytest.param(" email , name,slack_user_id,manager_email,department,active", id="spaces"),
    ],
)
def test_columns_are_found_by_name_in_any_order_and_case(header: str) -> None:
    values = {"email": "alice@acme.test", "name": "Alice", "slack_user_id": "U0ALICE01"}
    names = [name.strip().lower() for name in header.split(",")]
    line = ",".join(values.get(name, "") for name in names)

    rows, problems = parse_people(f"{header}\n{line}\n", FILE)

    assert problems == []
    assert [(r.email, r.name, r.slack_user_id) for r in rows] == [
        ("alice@acme.test", "Alice", "U0ALICE01")
    ]


@pytest.mark.parametrize("separator", [";", "\t"], ids=["semicolons", "tabs"])
def test_a_file_separated_by_semicolons_or_tabs_as_spreadsheets_export_it_is_read(
    separator: str,
) -> None:
    header = HEADER.replace(",", separator)
    line = separator.join(["alice@acme.test", "Archer, Alice", "U0ALICE01", "", "Design", ""])

    rows, problems = parse_people(f"{header}\n{line}\n", FILE)

    assert problems == []
    assert [(r.email, r.name, r.department) for r in rows] == [
        ("alice@acme.test", "Archer, Alice", "Design")
    ]


def test_an_empty_file_is_refused_at_its_header() -> None:
    assert reasons("") == [(1, f"the first line must be a header; {EXPECTED[1:-1]}")]


def test_a_header_without_people_is_refused() -> None:
    assert reasons(f"{HEADER}\n") == [(1, "the file has a header but no people")]


def test_spaces_after_the_commas_of_the_header_do_not_break_the_rows() -> None:
    text = (
        "email, name, slack_user_id, manager_email, department, active\nalice@acme.test,Alice,,,,\n"
    )

    rows, problems = parse_people(text, FILE)

    assert problems == []
    assert [(r.email, r.name) for r in rows] == [("alice@acme.test", "Alice")]


# Problems on a line


@pytest.mark.parametrize(
    "email", ["alice", "alice@acme", "alice@@acme.test", "al ice@acme.test", ""]
)
def test_a_bad_email_is_reported_with_its_line(email: str) -> None:
    text = csv("bob@acme.test,Bob,,,,", f"{email},Alice,U0ALICE01,,,")

    assert reasons(text) == [(3, f"email {email!r} is not an email address")]


def test_a_bad_manager_email_is_reported_with_its_line() -> None:
    text = csv("alice@acme.test,Alice,U0ALICE01,Dana at acme,,")

    assert reasons(text) == [(2, "manager_email 'dana at acme' is not an email address")]


@pytest.mark.parametrize("slack_id", ["alice", "C0ALICE01", "u0alice01", "U0", "U0ALICE-1"])
def test_a_bad_slack_id_is_reported_with_its_line(slack_id: str) -> None:
    text = csv(f"alice@acme.test,Alice,{slack_id},,,")

    assert reasons(text) == [(2, f"slack_user_id {slack_id!r} is not a Slack user id (U…)")]


def test_an_enterprise_slack_id_is_fine() -> None:
    assert reasons(csv("alice@acme.test,Alice,W0ALICE01,,,")) == []


def test_a_bad_active_value_is_reported_with_its_line() -> None:
    text = csv("alice@acme.test,Alice,,,,maybe")

    assert reasons(text) == [(2, "active 'maybe' must be true or false")]


def test_a_repeated_email_is_reported_on_the_later_line_whatever_its_case() -> None:
    text = csv("alice@acme.test,Alice,,,,", "bob@acme.test,Bob,,,,", "ALICE@acme.test,Al,,,,")

    rows, problems = parse_people(text, FILE)

    assert problems == [LineProblem(FILE, 4, "alice@acme.test is already on line 2")]
    assert [r.email for r in rows] == ["alice@acme.test", "bob@acme.test"]


def test_too_many_columns_are_reported_with_a_hint_about_commas() -> None:
    text = csv("alice@acme.test,Archer, Alice,U0ALICE01,,,")

    assert reasons(text) == [(2, "too many columns (is there an unquoted comma?)")]


def test_too_few_columns_are_reported() -> None:
    text = csv("alice@acme.test,Alice,U0ALICE01")

    assert reasons(text) == [(2, "expected 6 columns")]


def test_every_problem_of_every_line_is_reported_and_good_lines_still_parse() -> None:
    text = csv(
        "alice@acme.test,Alice,U0ALICE01,,,",
        "bob,Bob,bob,not-an-email,,perhaps",
        "carol@acme.test,Carol,,,",
        "dana@acme.test,Dana,,,,",
    )

    rows, problems = parse_people(text, FILE)

    assert [str(p) for p in problems] == [
        "people.csv:3: email 'bob' is not an email address",
        "people.csv:3: manager_email 'not-an-email' is not an email address",
        "people.csv:3: slack_user_id 'bob' is not a Slack user id (U…)",
        "people.csv:3: active 'perhaps' must be true or false",
        "people.csv:4: expected 6 columns",
    ]
    assert [r.email for r in rows] == ["alice@acme.test", "dana@acme.test"]


def test_line_numbers_count_blank_lines() -> None:
    text = csv("alice@acme.test,Alice,,,,", "", "", "bob,Bob,,,,")

    assert reasons(text) == [(5, "email 'bob' is not an email address")]


def test_a_repeated_slack_id_is_reported_on_the_later_line() -> None:
    text = csv("alice@acme.test,Alice,U0ALICE01,,,", "bob@acme.test,Bob,U0ALICE01,,,")

    rows, problems = parse_people(text, FILE)

    assert [(p.line, "U0ALICE01" in p.reason, "line 2" in p.reason) for p in problems] == [
        (3, True, True)
    ]
    assert [r.email for r in rows] == ["alice@acme.test"]


# Applying the rows


def test_apply_people_adds_everyone_new() -> None:
    uow = FakeUnitOfWork()
    rows, _ = parse_people(
        csv(
            "alice@acme.test,Alice,U0ALICE01,dana@acme.test,Design,",
            "dana@acme.test,Dana,U0DANA001,,Design,no",
        ),
        FILE,
    )

    assert apply_people(ApplyPeople(rows), uow=uow, config=Config(), clock=FakeClock()) == (2, 0)

    uow.flush()
    alice, dana = uow.people.all()
    assert (alice.email, alice.name, alice.slack_user_id) == (
        "alice@acme.test",
        "Alice",
        "U0ALICE01",
    )
    assert (alice.manager_email, alice.department, alice.active) == (
        "dana@acme.test",
        "Design",
        True,
    )
    assert (dana.email, dana.active) == ("dana@acme.test", False)
    assert uow.people.by_slack_id("U0DANA001") is dana


def test_apply_people_updates_someone_already_there_by_email_whatever_its_case() -> None:
    existing = Person("Alice@Acme.test", "Alice A", "U0ALICE01", "old@acme.test", "Sales")
    uow = FakeUnitOfWork([existing])
    rows, _ = parse_people(csv("alice@acme.test,Alice Archer,,dana@acme.test,Design,false"), FILE)

    assert apply_people(ApplyPeople(rows), uow=uow, config=Config(), clock=FakeClock()) == (0, 1)

    assert uow.people.all() == [existing]
    assert (existing.name, existing.manager_email) == ("Alice Archer", "dana@acme.test")
    assert (existing.department, existing.active) == ("Design", False)
    assert existing.slack_user_id == "U0ALICE01"  # a blank Slack id keeps the one we know


def test_apply_people_takes_a_new_slack_id_when_the_file_gives_one() -> None:
    existing = Person("alice@acme.test", "Alice", "U0ALICE01")
    uow = FakeUnitOfWork([existing])
    rows, _ = parse_people(csv("alice@acme.test,Alice,W0ALICE02,,,"), FILE)

    apply_people(ApplyPeople(rows), uow=uow, config=Config(), clock=FakeClock())

    assert existing.slack_user_id == "W0ALICE02"


def test_apply_people_adds_and_updates_in_one_go() -> None:
    # Alice moves to Design; Bob is new. Someone whose row did not change is not counted.
    uow = FakeUnitOfWork([Person("alice@acme.test", "Alice", "U0ALICE01")])
    rows, _ = parse_people(
        csv("alice@acme.test,Alice,,,Design,", "bob@acme.test,Bob,U0BOB0001,alice@acme.test,,"),
        FILE,
    )

    assert apply_people(ApplyPeople(rows), uow=uow, config=Config(), clock=FakeClock()) == (1, 1)
    assert [p.email for p in uow.people.all()] == ["alice@acme.test", "bob@acme.test"]


def test_re_applying_the_same_people_updates_nobody() -> None:
    uow = FakeUnitOfWork([])
    rows, _ = parse_people(csv("alice@acme.test,Alice,U0ALICE01,,Design,"), FILE)
    apply_people(ApplyPeople(rows), uow=uow, config=Config(), clock=FakeClock())

    assert apply_people(ApplyPeople(rows), uow=uow, config=Config(), clock=FakeClock()) == (0, 0)
