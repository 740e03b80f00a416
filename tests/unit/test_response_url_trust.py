"""Which response_urls the error handler may follow: Slack's hooks and the configured Web API."""

from __future__ import annotations

import pytest

from bot.slack.app import trusted_response_url

SLACK_API = "http://127.0.0.1:8123/api/"


@pytest.mark.parametrize(
    "url",
    [
        "https://hooks.slack.com/commands/T1/2/abc",
        "https://HOOKS.slack.com:443/actions/T1/2/abc",
        "http://127.0.0.1:8123/hooks/T1/abc",
    ],
)
def test_a_response_url_at_slacks_hooks_or_the_configured_api_origin_is_followed(
    url: str,
) -> None:
    assert trusted_response_url(url, SLACK_API)


@pytest.mark.parametrize(
    "url",
    [
        "http://hooks.slack.com/commands/T1/2/abc",
        "https://hooks.slack.com.attacker.example/x",
        "https://hooks.slack.com@attacker.example/x",
        "https://user@hooks.slack.com/x",
        "https://hooks.slack.com:8443/x",
        "http://127.0.0.1:8124/hooks/T1/abc",
        "http://169.254.169.254/latest/meta-data/",
        "https://hooks.slack.com:99999/x",
        "//hooks.slack.com/x",
        "",
        None,
        5,
    ],
)
def test_any_other_response_url_is_not_followed(url: object) -> None:
    assert not trusted_response_url(url, SLACK_API)
