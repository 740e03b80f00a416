"""The strict `seatkeeper.yml` loader, the embedded default config and the settings."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from pathlib import Path

import pytest

from bot.config.loader import (
    ConfigError,
    Problem,
    load_config,
    load_config_or_default,
    load_default_config,
    parse_config,
)
from bot.config.settings import Settings, settings_from_env
from workflows.catalog import Config
from workflows.hours import parse_working_hours

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "tests" / "data" / "seatkeeper.example.yml"
ENV = {"FIGMA_SCIM_TOKEN": "scim-secret"}

APP = """\
apps:
  - key: miro
    name: Miro
    tiers:
      - {key: standard, name: Standard, monthly_price: 10}
"""


def problems(text: str, env: dict[str, str] | None = None) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse_config(text, source="seatkeeper.yml", env=ENV if env is None else env)
    return [str(problem) for problem in caught.value.problems]


def yaml_blocks(markdown: str) -> list[str]:
    return re.findall(r"^```yaml\n(.*?)^```", markdown, flags=re.S | re.M)


def test_the_documented_example_loads_as_it_is() -> None:
    config = load_config(EXAMPLE, env=ENV)
    figma = config.app("figma")
    assert figma is not None and config.app("miro") is not None
    assert figma.contract.renews_on == dt.date(2027, 3, 31)
    assert figma.tier("professional").monthly_price == Decimal(15)  # type: ignore[union-attr]
    assert config.reclaim_policy(figma).downgrade_to == "viewer"
    assert config.schedule.digest == "0 9 * * 1"


def test_the_example_in_the_readme_is_the_tested_example() -> None:
    blocks = yaml_blocks((ROOT / "README.md").read_text(encoding="utf-8"))
    assert EXAMPLE.read_text(encoding="utf-8") in blocks


def test_an_empty_file_gives_the_default_config() -> None:
    assert parse_config("# nothing yet\n", source="seatkeeper.yml", env={}) == Config()


def test_an_unknown_top_level_key_is_refused_at_its_line_with_the_allowed_keys() -> None:
    found = problems("currency: USD\ncolour: blue\n")
    assert found == [
        "seatkeeper.yml:2: unknown key 'colour'; allowed keys: slack, admins, currency, "
        "directory, schedule, digest, defaults, apps"
    ]


def test_an_unknown_nested_key_is_refused_at_its_own_line() -> None:
    text = APP + "    colour: blue\n"
    assert problems(text) == [
        "seatkeeper.yml:6: apps[miro]: unknown key 'colour'; allowed keys: key, name, owner, "
        "connector, approval, tiers, contract, reclaim"
    ]


def test_an_unknown_connector_key_lists_that_connectors_keys() -> None:
    text = APP + "    connector: {type: scim, base_url: 'https://x', token_env: T, tenant: x}\n"
    (found,) = problems(text, env={"T": "t"})
    assert found.startswith("seatkeeper.yml:6: apps[miro].connector: unknown key 'tenant'")
    assert "base_url, token_env, tiers_as, timeout_seconds" in found


def test_a_missing_key_points_at_the_enclosing_mapping() -> None:
    text = "apps:\n  - key: miro\n    tiers: [{key: standard, name: Standard}]\n"
    assert problems(text) == ["seatkeeper.yml:2: apps[miro]: missing required key 'name'"]


def test_a_wrong_type_says_what_was_expected_and_what_was_found() -> None:
    text = APP.replace("monthly_price: 10", "monthly_price: ten") + "    contract: {seats: -1}\n"
    assert problems(text) == [
        "seatkeeper.yml:5: apps[miro].tiers[standard].monthly_price: should be a number, got 'ten'",
        "seatkeeper.yml:6: apps[miro].contract.seats: should be at least 0, got -1",
    ]


def test_a_bad_approval_step_is_named_with_its_path() -> None:
    text = APP.replace("monthly_price: 10", "approval: [manager, bob]")
    assert problems(text) == [
        "seatkeeper.yml:5: apps[miro].tiers[standard].approval[1]: approval step 'bob' is not "
        "one of manager, owner, admins or a Slack user id (U…)"
    ]


def test_downgrade_to_must_name_one_of_the_apps_tiers() -> None:
    text = APP + "    reclaim:\n      action: downgrade\n      downgrade_to: free\n"
    (found,) = problems(text)
    assert found.startswith("seatkeeper.yml:8: apps[miro].reclaim.downgrade_to: ")
    assert "'free' is not one of its tiers" in found


def test_a_default_downgrade_needs_a_matching_tier_in_every_app() -> None:
    text = "defaults:\n  reclaim: {action: downgrade, downgrade_to: viewer}\n" + APP
    (found,) = problems(text)
    assert found.startswith("seatkeeper.yml:4: apps[miro]: app miro: reclaim action downgrade")


def test_reclaim_is_on_in_working_hours_and_dms_go_out_one_a_second_by_default() -> None:
    config = parse_config(APP, source="seatkeeper.yml", env={})
    policy = config.reclaim_policy(config.apps[0])

    assert policy.enabled is True and policy.exempt == []
    assert policy.working_hours == "Mon-Fri 09:00-17:00"
    assert policy.hours == parse_working_hours("Mon-Fri 09:00-17:00")
    assert config.slack.dm_rate == 1.0


def test_an_apps_reclaim_keys_replace_only_those_of_the_defaults() -> None:
    text = (
        "slack: {dm_rate: 0.5}\n"
        "defaults:\n  reclaim: {working_hours: 'Sun-Thu 08:30-16:30', exempt: [ceo@acme.com]}\n"
        + APP
        + "    reclaim: {enabled: false, working_hours: always}\n"
    )
    config = parse_config(text, source="seatkeeper.yml", env={})
    policy = config.reclaim_policy(config.apps[0])

    assert (policy.enabled, policy.working_hours, policy.hours.always) == (False, "always", True)
    assert policy.exempt == ["ceo@acme.com"]
    assert config.defaults.reclaim.hours.days == frozenset({6, 0, 1, 2, 3})
    assert config.slack.dm_rate == 0.5


def test_exempt_emails_are_stored_trimmed_and_lowercase() -> None:
    text = "defaults: {reclaim: {exempt: [' CEO@Acme.com ', cfo@acme.com]}}\n"

    config = parse_config(text, source="seatkeeper.yml", env={})

    assert config.defaults.reclaim.exempt == ["ceo@acme.com", "cfo@acme.com"]


def test_exempt_refuses_anything_but_an_email_at_its_line_naming_the_value() -> None:
    text = APP + "    reclaim:\n      exempt:\n        - U0ALICE01\n        - Ada Lovelace\n"
    text += "        - ''\n        - ada@\n"
    wanted = "; exempt takes email addresses, such as ceo@acme.com"
    assert problems(text) == [
        f"seatkeeper.yml:8: apps[miro].reclaim.exempt[0]: 'U0ALICE01' is a Slack user id{wanted}",
        f"seatkeeper.yml:9: apps[miro].reclaim.exempt[1]: 'Ada Lovelace' is not an email "
        f"address{wanted}",
        f"seatkeeper.yml:10: apps[miro].reclaim.exempt[2]: a blank entry is not an email "
        f"address{wanted}",
        f"seatkeeper.yml:11: apps[miro].reclaim.exempt[3]: 'ada@' is not an email address{wanted}",
    ]


@pytest.mark.parametrize(
    ("hours", "reason"),
    [
        ("Mon-Fri 9-5", "'9' is not a time of day from 00:00 to 23:59 (such as 09:00)"),
        ("Mon-Fri 09:00-25:00", "'25:00' is not a time of day from 00:00 to 23:59"),
        ("Mon-Fri 17:00-09:00", "the hours start at 17:00 but end at 09:00: the start must be"),
        ("Weekdays 09:00-17:00", "'Weekdays' is not a day: use Mon, Tue, Wed, Thu, Fri, Sat"),
        ("office 09:00 - 17:00 daily", "'office 09:00 - 17:00 daily' is not days then hours"),
    ],
)
def test_unreadable_working_hours_are_refused_at_their_line_with_the_reason(
    hours: str, reason: str
) -> None:
    text = f"defaults:\n  reclaim:\n    idle_days: 30\n    working_hours: '{hours}'\n"

    (found,) = problems(text)

    assert found.startswith(f"seatkeeper.yml:4: defaults.reclaim.working_hours: {reason}")
    assert found.endswith(
        "write working hours like Mon-Fri 09:00-17:00, Mon,Wed,Fri 10:00-14:00 or always"
    )


def test_an_apps_working_hours_are_checked_like_the_defaults() -> None:
    (found,) = problems(APP + "    reclaim: {working_hours: 'Mon-Fri'}\n")

    assert found.startswith("seatkeeper.yml:6: apps[miro].reclaim.working_hours: 'Mon-Fri' is not")


@pytest.mark.parametrize(
    ("rate", "reason"),
    [
        ("0", "should be more than 0"),
        ("-2", "should be more than 0"),
        ("fast", "should be a number, got 'fast'"),
        (".inf", "should be a finite number"),
    ],
)
def test_a_dm_rate_that_is_not_a_number_above_zero_is_refused(rate: str, reason: str) -> None:
    (found,) = problems(f"slack:\n  it_channel: C0ITOPS01\n  dm_rate: {rate}\n")

    assert found.startswith(f"seatkeeper.yml:3: slack.dm_rate: {reason}")


def test_reclaim_enabled_is_true_or_false() -> None:
    assert problems("defaults: {reclaim: {enabled: sometimes}}\n") == [
        "seatkeeper.yml:1: defaults.reclaim.enabled: should be true or false, got 'sometimes'"
    ]


def test_a_duplicate_app_key_is_refused_at_the_second_app() -> None:
    text = APP + APP.removeprefix("apps:\n").replace("name: Miro", "name: Miro again")
    assert problems(text) == [
        "seatkeeper.yml:6: apps[miro].key: duplicate app key 'miro' (first at line 2)"
    ]


def test_a_duplicate_yaml_key_is_refused_at_its_second_occurrence() -> None:
    text = "currency: USD\nadmins: []\ncurrency: EUR\n"
    assert problems(text) == [
        "seatkeeper.yml:3: duplicate key 'currency' (first at line 1); "
        "YAML would silently keep only the last one"
    ]


def test_a_token_env_that_is_not_set_is_refused() -> None:
    found = problems(EXAMPLE.read_text(encoding="utf-8"), env={"FIGMA_SCIM_TOKEN": ""})
    assert found == [
        "seatkeeper.yml:20: apps[figma].connector.token_env: FIGMA_SCIM_TOKEN is not set in the "
        "environment; connector secrets come only from environment variables"
    ]


def test_a_directory_token_env_must_be_set_too() -> None:
    text = "directory: {source: okta, base_url: 'https://acme.okta.com', token_env: OKTA_TOKEN}\n"
    assert problems(text) == [
        "seatkeeper.yml:1: directory.token_env: OKTA_TOKEN is not set in the environment; "
        "connector secrets come only from environment variables"
    ]


def test_without_secrets_a_config_whose_token_envs_are_not_set_loads(tmp_path: Path) -> None:
    path = tmp_path / "seatkeeper.yml"
    path.write_text(
        EXAMPLE.read_text(encoding="utf-8")
        + "  - key: okta-app\n    name: Okta app\n    tiers: [{key: user, name: User}]\n"
        "    connector: {type: okta, base_url: 'https://acme.okta.com', app_id: a1,"
        " token_env: OKTA_TOKEN}\n",
        encoding="utf-8",
    )
    config = load_config(path, env={}, secrets=False)
    assert [app.key for app in config.apps] == ["figma", "miro", "okta-app"]


def test_without_secrets_a_directory_token_env_need_not_be_set_either() -> None:
    text = "directory: {source: okta, base_url: 'https://acme.okta.com', token_env: OKTA_TOKEN}\n"
    config = parse_config(text, source="seatkeeper.yml", env={}, secrets=False)
    assert config.directory.token_env == "OKTA_TOKEN"


def test_without_secrets_everything_else_is_still_checked() -> None:
    text = EXAMPLE.read_text(encoding="utf-8").replace("[manager, owner]", "[manager, bob]")
    with pytest.raises(ConfigError) as caught:
        parse_config(text, source="seatkeeper.yml", env={}, secrets=False)
    found = [str(problem) for problem in caught.value.problems]
    assert len(found) == 1 and "approval step 'bob'" in found[0]


def test_without_secrets_a_secret_written_as_token_env_is_still_refused() -> None:
    text = APP + "    connector: {type: scim, base_url: 'https://x', token_env: xoxb-1-2}\n"
    with pytest.raises(ConfigError) as caught:
        parse_config(text, source="seatkeeper.yml", env={}, secrets=False)
    (found,) = [str(problem) for problem in caught.value.problems]
    assert "names an environment variable" in found and "xoxb" not in found


def test_a_bad_crontab_is_refused_with_its_line() -> None:
    (found,) = problems("schedule:\n  sync: '0 */6 * *'\n  digest: null\n")
    assert found.startswith("seatkeeper.yml:2: schedule.sync: '0 */6 * *' is not a valid crontab")


def test_a_csv_directory_needs_a_path() -> None:
    assert problems("directory: {source: csv}\n") == [
        "seatkeeper.yml:1: directory: source csv needs path, the people CSV file (path: people.csv)"
    ]


def test_a_yaml_syntax_error_is_one_problem_with_its_line() -> None:
    (found,) = problems("slack:\n  it_channel: [C0ITOPS01\nadmins: []\n")
    assert found.startswith("seatkeeper.yml:3: not valid YAML: ")


def test_a_top_level_list_is_refused_clearly() -> None:
    (found,) = problems("- figma\n- miro\n")
    assert "the file should be a mapping of keys" in found and "found a list" in found


def test_several_problems_are_reported_together_in_line_order() -> None:
    text = "currency: usd\nadmins: [bob]\ncolour: red\nschedule: {sync: never}\n"
    lines = [found.split(": ")[0] for found in problems(text)]
    assert lines == ["seatkeeper.yml:1", "seatkeeper.yml:2", "seatkeeper.yml:3", "seatkeeper.yml:4"]


def test_a_secret_written_in_the_file_is_refused_without_echoing_it() -> None:
    text = APP + "    connector: {type: scim, base_url: 'https://x', token: hunter2}\n"
    found = problems(text)
    assert any(
        "apps[miro].connector.token: looks like a secret; secrets go in environment "
        "variables, named with token_env" in line
        for line in found
    )
    assert not any("hunter2" in line for line in found)


def test_a_secret_given_as_token_env_is_refused_without_echoing_it() -> None:
    text = APP + "    connector: {type: scim, base_url: 'https://x', token_env: xoxb-1-2}\n"
    (found,) = problems(text)
    assert "names an environment variable" in found and "xoxb" not in found


def test_the_error_lists_each_problem_as_file_line_reason() -> None:
    error = ConfigError([Problem("seatkeeper.yml", 14, "apps[0]: bad"), Problem("x", None, "y")])
    assert str(error) == "seatkeeper.yml:14: apps[0]: bad\nx: y"


def test_an_unreadable_file_is_one_problem(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path / "missing.yml", env={})
    assert caught.value.problems[0].line is None


def test_the_embedded_default_loads_with_an_empty_environment(tmp_path: Path) -> None:
    config = load_default_config(env={})
    assert config.admins == [] and {app.key for app in config.apps} == {"miro", "figma"}
    assert all(app.connector.type == "manual" for app in config.apps)
    assert load_config_or_default(tmp_path / "absent.yml", env={}) == config


def test_settings_have_documented_defaults() -> None:
    settings = settings_from_env({"UNRELATED": "x"})
    assert settings.slack_bot_token is None and settings.slack_app_token is None
    assert settings.slack_api_url == "https://slack.com/api/"
    assert settings.seatkeeper_database_url == "sqlite:///seatkeeper.db"
    assert settings.seatkeeper_config is None and not settings.config_named
    assert settings.config_path == Path("seatkeeper.yml")
    assert settings.seatkeeper_log_level == "INFO"
    assert settings.seatkeeper_worker_interval == 1.0


def test_settings_read_only_the_given_mapping(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-from-process")
    assert settings_from_env({}).slack_bot_token is None
    assert settings_from_env().slack_bot_token.get_secret_value() == "xoxb-from-process"  # type: ignore[union-attr]


def test_settings_never_show_secrets() -> None:
    settings = settings_from_env({"SLACK_BOT_TOKEN": "xoxb-123", "SLACK_SIGNING_SECRET": "s3cr3t"})
    assert "xoxb-123" not in repr(settings) and "s3cr3t" not in str(settings)
    assert settings.slack_signing_secret.get_secret_value() == "s3cr3t"  # type: ignore[union-attr]


def test_the_slack_api_url_always_ends_with_a_slash() -> None:
    settings = settings_from_env({"SLACK_API_URL": "http://localhost:8001/api"})
    assert settings.slack_api_url == "http://localhost:8001/api/"
    assert isinstance(settings, Settings)


# --- helpful words -----------------------------------------------------------------------


def test_a_mistyped_key_gets_a_did_you_mean() -> None:
    text = "defaults:\n  reclaim: {idle_day: 30}\n"

    assert problems(text) == [
        "seatkeeper.yml:2: defaults.reclaim: unknown key 'idle_day' (did you mean 'idle_days'?); "
        "allowed keys: enabled, idle_days, grace_days, reminder_days, new_seat_days, "
        "working_hours, action, downgrade_to, review, exempt"
    ]


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("slack: it_channel: C0ITOPS01\n", "a ':' where none can be: check this line's"),
        ("slack:\n\tit_channel: C0ITOPS01\n", "a tab: YAML indents with spaces only"),
        ("admins:\n  - U0ADMIN01\n other: 1\n", "this line's indentation does not match"),
    ],
    ids=["a value holding ': '", "a tab", "a key out of line"],
)
def test_indentation_slips_are_explained_in_plain_words(text: str, reason: str) -> None:
    [found] = problems(text)

    assert reason in found
    assert "while scanning" not in found and "block mapping" not in found


def test_a_google_tier_without_a_sku_is_refused_when_the_config_is_read() -> None:
    text = (
        "apps:\n"
        "  - key: gws\n"
        "    name: Google Workspace\n"
        "    connector: {type: google_workspace, product_id: Google-Apps,\n"
        "                skus: {starter: '1010020027'}, credentials_env: GWS_KEY,\n"
        "                subject: admin@acme.test}\n"
        "    tiers: [{key: starter, name: Starter}, {key: plus, name: Plus}]\n"
    )

    [found] = problems(text, env={"GWS_KEY": "{}"})

    assert found.endswith("skus names nothing for tier plus: every tier needs one")


@pytest.mark.parametrize(
    ("text", "hint"),
    [
        (
            "apps:\n  - key: m365\n    name: M365\n    tiers: [{key: e3, name: E3}]\n"
            "    connector: {type: microsoft365, tenant_id: t, client_id: c,\n"
            "                client_secret_env: M365_SECRET, skus: {e3: X},\n"
            "                client_secret: hunter2hunter2}\n",
            "named with client_secret_env",
        ),
        ("slack:\n  bot_token: xoxb-1-2-abc\n", "SLACK_BOT_TOKEN environment variable"),
    ],
    ids=["a Microsoft 365 secret", "the Slack bot token"],
)
def test_a_pasted_secret_is_told_the_setting_that_names_its_variable(text: str, hint: str) -> None:
    found = problems(text, env={"M365_SECRET": "x"})

    assert any(hint in problem for problem in found), found
    assert not any("hunter2" in problem or "xoxb" in problem for problem in found)
