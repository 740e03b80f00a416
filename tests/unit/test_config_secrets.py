"""A config problem never writes out a value that may be a secret; it describes it instead."""

from __future__ import annotations

import json

import pytest

from bot.config.loader import ConfigError, parse_config

SLACK = "xoxb-2048-81920-Q1w2E3r4T5y6U7i8O9p0"
SLACK_APP = "xapp-1-A0123456789-1234567890123-abcdef0123456789"
GITHUB = "ghp_R8mZ2kQ7xV4nB9cJ1hF6gD3sA5eY0wL8tU2p"
GITHUB_PAT = "github_pat_11ABCDEFG0_kQ7xV4nB9cJ1hF6gD3sA5eY0wL8tU2p"
OPENAI = "sk-proj-Ab12Cd34Ef56Gh78Ij90Kl12Mn34"
JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJzZWF0a2VlcGVyIn0.c2lnbmF0dXJlLXNpZ25h"
PEM = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----"
RANDOM = "Zk3mQ9xR2vT8wL5nB7cJ4hF6gD1sA0eY"
HEX = "3f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a"  # also a valid app or tier key
ENV_LIKE = "A7F3K9Q2M5X8B1C4D6E0G2H4J6L8N0P2"  # also a valid environment variable name

APP = "apps:\n  - key: miro\n    name: Miro\n    tiers: [{key: standard, name: Standard}]\n"
APP_KEY = APP.replace("key: miro", "key: {s}")

# (where the value sits, the file with {s} for it, the secret, the path the problem names)
PLACES = [
    ("an admin", "admins: [{s}]\n", SLACK, "admins[0]"),
    ("the admins list", "admins: {s}\n", SLACK_APP, "admins"),
    ("an app owner", APP + "    owner: {s}\n", GITHUB, "apps[miro].owner"),
    ("a connector type", APP + "    connector: {type: {s}}\n", OPENAI, "apps[miro].connector"),
    (
        "a connector field",
        APP + "    connector: {type: scim, base_url: x, token_env: T, timeout_seconds: {s}}\n",
        RANDOM,
        "apps[miro].connector.timeout_seconds",
    ),
    (
        "a connector's skus",
        APP + "    connector: {type: google_workspace, product_id: p, credentials_env: T,"
        " subject: s, skus: {{s}: X}}\n",
        HEX,
        "apps[miro]",
    ),
    ("a tier key", APP.replace("key: standard", "key: {s}"), GITHUB_PAT, "apps[miro].tiers[0].key"),
    ("a tier name", APP.replace("name: Standard", "name: {s}"), JWT + JWT, "tiers[standard].name"),
    ("an unknown key", "{s}: blue\n", SLACK, "seatkeeper.yml:1: unknown key"),
    ("an unknown nested key", APP + "    {s}: blue\n", RANDOM, "apps[miro]: unknown key"),
    ("a section given as text", "slack: {s}\n", PEM, "slack"),
    ("a value tagged !!int", "currency: !!int {s}\n", GITHUB, "currency"),
    ("a secret tagged !!int", APP + "    password: !!int {s}\n", SLACK, "apps[0].password"),
    ("a value tagged !!timestamp", "currency: !!timestamp {s}\n", OPENAI, "currency"),
    ("a date", APP + "    contract: {renews_on: {s}}\n", SLACK, "apps[miro].contract.renews_on"),
    ("a currency", "currency: {s}\n", RANDOM, "currency"),
    ("a crontab", "schedule: {sync: {s}}\n", SLACK, "schedule.sync"),
    ("a channel", "slack: {it_channel: {s}}\n", SLACK_APP, "slack.it_channel"),
    ("an approval step", "defaults: {approval: [{s}]}\n", JWT, "defaults.approval[0]"),
    (
        "a downgrade target",
        APP + "    reclaim: {action: downgrade, downgrade_to: {s}}\n",
        GITHUB,
        "apps[miro].reclaim.downgrade_to",
    ),
    (
        "a default downgrade target",
        "defaults: {reclaim: {action: downgrade, downgrade_to: {s}}}\n" + APP,
        HEX,
        "apps[miro]",
    ),
    (
        "an app key in a reference problem",
        APP_KEY + "    reclaim: {action: downgrade}\n",
        HEX,
        "apps[0].reclaim.action",
    ),
    ("a duplicate app key", APP_KEY + APP_KEY.removeprefix("apps:\n"), HEX, "apps[1].key"),
    ("a duplicate YAML key", "{s}: 1\n{s}: 2\n", RANDOM, "seatkeeper.yml:2: duplicate key"),
    (
        "a token_env not set",
        "directory: {source: okta, base_url: x, token_env: {s}}\n",
        ENV_LIKE,
        "directory.token_env",
    ),
    (
        "working hours",
        "defaults: {reclaim: {working_hours: {s}}}\n",
        SLACK,
        "defaults.reclaim.working_hours",
    ),
    (
        "a day in working hours",
        "defaults: {reclaim: {working_hours: 'Mon-{s} 09:00-17:00'}}\n",
        ENV_LIKE,  # plain: written as it is, between the quotes
        "defaults.reclaim.working_hours",
    ),
    ("an exempt person", "defaults: {reclaim: {exempt: [{s}]}}\n", GITHUB, "exempt[0]"),
    ("the whole file", "{s}\n", GITHUB_PAT, "the file should be a mapping"),
    ("an undefined alias", "admins: *{s}\n", SLACK, "not valid YAML: found undefined alias"),
    ("a tag", "currency: !{s} USD\n", OPENAI, "currency: the tag on this value"),
]


def message(text: str) -> str:
    with pytest.raises(ConfigError) as caught:
        parse_config(text, source="seatkeeper.yml", env={"T": "set"})
    return str(caught.value)


def leaks(secret: str, text: str) -> bool:
    """Whether any 16 characters in a row of the secret appear in the text."""
    return any(secret[i : i + 16] in text for i in range(len(secret) - 15))


def written(template: str, secret: str) -> str:
    """The file with the secret written where YAML takes it: plain when it can be."""
    plain = template.startswith(("admins: *", "currency: !{")) or secret in (HEX, ENV_LIKE)
    value = secret if plain else json.dumps(secret)
    return template.replace("{s}", value)


@pytest.mark.parametrize(
    ("template", "secret", "path"),
    [pytest.param(t, s, p, id=name) for name, t, s, p in PLACES],
)
def test_a_secret_looking_value_is_described_and_never_written_out(
    template: str, secret: str, path: str
) -> None:
    found = message(written(template, secret))
    assert path in found
    assert not leaks(secret, found), found


def test_ordinary_mistakes_still_show_the_value_written() -> None:
    found = message(
        "currency: usd\nadmins: [bob]\nslack: {it_channel: general}\n"
        "schedule: {sync: '0 */6 * *'}\n" + APP.replace("key: standard", "key: Standard")
    )
    for value in ("'usd'", "'bob'", "'general'", "'0 */6 * *'", "'Standard'"):
        assert value in found


def test_a_time_of_day_in_a_mistake_is_shown() -> None:
    assert "got '09:30'" in message("currency: '09:30'\n")


def test_a_colon_beside_letters_still_hides_the_value() -> None:
    assert "'user:hunter2'" not in message("currency: 'user:hunter2'\n")
