"""A tier's `idp_group`: the SCIM group whose members get the tier."""

from __future__ import annotations

import pytest

from bot.config.loader import ConfigError, parse_config

CONFIG = """
apps:
  - key: figma
    name: Figma
    tiers:
      - {{key: professional, name: Professional, {pro}}}
      - {{key: viewer, name: Viewer, {viewer}}}
  - key: miro
    name: Miro
    tiers: [{{key: standard, name: Standard, idp_group: design}}]
"""


def parsed(pro: str, viewer: str) -> object:
    return parse_config(CONFIG.format(pro=pro, viewer=viewer), source="seatkeeper.yml", env={})


def problems(pro: str, viewer: str) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parsed(pro, viewer)
    return [str(problem) for problem in caught.value.problems]


def test_a_group_names_the_tiers_its_members_get_one_an_app() -> None:
    config = parse_config(
        CONFIG.format(pro="idp_group: figma-pro", viewer="idp_group: design"),
        source="seatkeeper.yml",
        env={},
    )
    assert [(a.key, t.key) for a, t in config.group_tiers("design")] == [
        ("figma", "viewer"),
        ("miro", "standard"),
    ]
    assert [(a.key, t.key) for a, t in config.group_tiers("figma-pro")] == [
        ("figma", "professional")
    ]
    assert config.group_tiers("nobody") == []


def test_one_group_on_two_tiers_of_an_app_an_empty_one_or_an_unknown_key_is_refused() -> None:
    [twice] = problems("idp_group: design", "idp_group: design")
    assert "idp_group names at most one of its tiers" in twice
    assert problems('idp_group: ""', "monthly_price: 0")
    [unknown] = problems("idp_groups: design", "monthly_price: 0")
    assert "idp_groups" in unknown
