"""A vendor's words are repeated only once every secret is out of them, whole, before any cut."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest

from connectors.github_copilot import GitHubCopilotConnector
from connectors.google_auth import ServiceAccount, load_key
from connectors.http import MAX_DETAIL, Vendor, send
from connectors.oauth import ClientCredentials, client_credentials
from connectors.slack_directory import SlackDirectory
from tests.fakes.google import service_account
from workflows.ports import ConnectorError, PersonRecord, Rejected

TOKEN = "tok-5ecr3t-0123456789abcdefghij"
FIGMA = Vendor("Figma", "the SCIM service", "the token in FIGMA_SCIM_TOKEN")
Handler = Callable[[httpx.Request], httpx.Response]


def leaked(text: str, secret: str = TOKEN) -> list[str]:
    """Every piece of `secret` of 6 characters or more that shows in `text`."""
    return [
        secret[i:j]
        for i in range(len(secret))
        for j in range(i + 6, len(secret) + 1)
        if secret[i:j] in text
    ]


def straddling(secret: str = TOKEN, before: int = MAX_DETAIL - 12) -> str:
    """A message whose copy of `secret` starts a few characters before the old 300-char cut."""
    return "x" * before + f" {secret} and more words after it"


@pytest.fixture
def client() -> Iterator[Callable[[Handler], httpx.Client]]:
    opened: list[httpx.Client] = []

    def make(handler: Handler) -> httpx.Client:
        opened.append(httpx.Client(transport=httpx.MockTransport(handler)))
        return opened[-1]

    yield make
    for each in opened:
        each.close()


def answer(status: int, body: Any) -> Handler:
    return lambda request: httpx.Response(status, json=body)


@pytest.mark.parametrize("status", [400, 422, 503, 429])
def test_a_token_straddling_the_cut_leaves_no_part_of_itself_in_the_error(
    client: Callable[[Handler], httpx.Client], status: int
) -> None:
    with pytest.raises(ConnectorError) as raised:
        send(
            client(answer(status, {"detail": straddling()})),
            FIGMA,
            "POST",
            "https://scim.example/v2/Users",
            headers={"Authorization": f"Bearer {TOKEN}"},
        )

    assert leaked(str(raised.value)) == []
    assert leaked(getattr(raised.value, "detail", "")) == []
    assert "[redacted]" in str(raised.value)


def test_a_form_secret_straddling_the_cut_of_a_plain_text_body_is_redacted_whole(
    client: Callable[[Handler], httpx.Client],
) -> None:
    body = straddling().replace(" and more", "\x00 and\nmore")
    with pytest.raises(Rejected) as raised:
        send(
            client(lambda request: httpx.Response(400, text=body)),
            FIGMA,
            "POST",
            "https://login.example/token",
            data={"client_secret": TOKEN},
        )

    assert leaked(str(raised.value)) == []
    assert "\x00" not in str(raised.value) and "\n" not in str(raised.value)


def test_an_oauth_error_code_that_echoes_the_client_secret_is_redacted(
    client: Callable[[Handler], httpx.Client],
) -> None:
    credentials = ClientCredentials(
        "https://login.example/token", "app-id", TOKEN, "scope", "M365_SECRET"
    )
    tokens = client_credentials(
        client(answer(400, {"error": straddling()})), credentials, app_name="M365"
    )

    with pytest.raises(Rejected) as raised:
        tokens.token()

    assert leaked(str(raised.value)) == []
    assert len(str(raised.value)) < 2 * MAX_DETAIL


def test_a_slack_error_that_echoes_the_bot_token_is_redacted(
    client: Callable[[Handler], httpx.Client],
) -> None:
    body = {"ok": False, "error": straddling(), "needed": TOKEN}
    directory = SlackDirectory(TOKEN, client(answer(200, body)), api_url="https://slack.example")

    with pytest.raises(Rejected) as raised:
        directory.list_people()

    assert leaked(str(raised.value)) == []


def _copilot(client: httpx.Client) -> GitHubCopilotConnector:
    now = dt.datetime(2026, 11, 23, tzinfo=dt.UTC)
    return GitHubCopilotConnector("copilot", "Copilot", "acme", TOKEN, client, now=lambda: now)


def test_graphql_errors_that_echo_the_token_are_redacted_before_they_are_cut(
    client: Callable[[Handler], httpx.Client],
) -> None:
    errors = {"errors": [{"type": "FORBIDDEN", "message": straddling()}]}

    with pytest.raises(Rejected) as raised:
        _copilot(client(answer(200, errors))).identities()

    assert leaked(str(raised.value)) == []


def test_refused_verified_emails_that_echo_the_token_leave_it_out_of_the_note(
    client: Callable[[Handler], httpx.Client],
) -> None:
    path = ["organization", "membersWithRole", "nodes", 0, "organizationVerifiedDomainEmails"]
    answers = iter(
        [
            {"data": {"organization": {"samlIdentityProvider": None}}},
            {"errors": [{"type": "FORBIDDEN", "path": path, "message": f"no {TOKEN}"}]},
        ]
    )

    identities = _copilot(
        client(lambda request: httpx.Response(200, json=next(answers)))
    ).identities()

    assert "GitHub refused members' verified-domain emails" in identities.note
    assert leaked(identities.note) == []


def test_a_google_token_error_that_echoes_the_signed_assertion_is_redacted(
    client: Callable[[Handler], httpx.Client],
) -> None:
    sent: list[str] = []

    def echo(request: httpx.Request) -> httpx.Response:
        sent.append(parse_qs(request.content.decode())["assertion"][0])
        return httpx.Response(400, json={"error": straddling(sent[-1])})

    key = load_key("Workspace", "GOOGLE_KEY", service_account().json)
    tokens = ServiceAccount(
        client(echo), "Workspace", key, "admin@acme.com", "https://oauth2.example"
    ).tokens()

    with pytest.raises(Rejected) as raised:
        tokens.token()

    assert leaked(str(raised.value), sent[0]) == []


def test_a_name_or_department_from_any_directory_is_made_storable() -> None:
    person = PersonRecord("ann@acme.com", "Ann\x00 Lee\n" + "e" * 300, department="R\x1bD\ud800")

    assert person.name.startswith("Ann Lee ") and len(person.name) == 200
    assert person.name.endswith("…")
    assert person.department == "RD"


def test_slack_profiles_with_control_characters_in_their_names_are_listed_cleaned(
    client: Callable[[Handler], httpx.Client],
) -> None:
    member = {"id": "U0ANN0001", "real_name": "Ann\x00\x07", "profile": {"email": "a@acme.com"}}
    body = {"ok": True, "members": [member]}
    directory = SlackDirectory(TOKEN, client(answer(200, body)), api_url="https://slack.example")

    assert directory.list_people() == [PersonRecord("a@acme.com", "Ann", "U0ANN0001")]
