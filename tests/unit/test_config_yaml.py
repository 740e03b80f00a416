"""YAML that is hostile or odd: alias bombs, deep nesting, tags, bad characters and bytes."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from bot.config.loader import ConfigError, load_config, parse_config

ROOT = Path(__file__).resolve().parents[2]
SOURCE = "seatkeeper.yml"


def problems(text: str) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse_config(text, source=SOURCE, env={})
    return [str(problem) for problem in caught.value.problems]


def alias_bomb() -> str:
    """The classic "billion laughs": each line repeats the one before nine times (9⁹ values)."""
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for before, name in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{name}: &{name} [{','.join(f'*{before}' for _ in range(9))}]")
    return "\n".join(lines) + "\n"


# Runs in a child process under a memory cap, so a regression fails this test with a
# MemoryError (or the timeout) instead of taking the whole test run down with it.
CHILD = textwrap.dedent(
    """
    import resource, sys
    resource.setrlimit(resource.RLIMIT_AS, (768 * 2**20, 768 * 2**20))
    from bot.config.loader import ConfigError, parse_config
    try:
        parse_config(sys.stdin.read(), source="bomb.yml", env={})
    except ConfigError as exc:
        print(exc)
    """
)


def test_an_alias_bomb_is_one_problem_at_its_line_without_exhausting_memory() -> None:
    bomb = alias_bomb()
    assert len(bomb) < 400

    child = subprocess.run(
        [sys.executable, "-c", CHILD],
        input=bomb,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        check=False,
    )

    assert (child.returncode, child.stderr) == (0, "")
    assert child.stdout == (
        "bomb.yml:5: the file expands to more than 10,000 values through aliases (*name); "
        "write the values out\n"
    )


def test_a_few_anchors_and_aliases_still_load() -> None:
    text = textwrap.dedent(
        """\
        defaults:
          approval: &chain [manager, owner]
        apps:
          - key: miro
            name: Miro
            approval: *chain
            tiers:
              - &standard {key: standard, name: Standard, monthly_price: 10, approval: *chain}
          - key: figma
            name: Figma
            tiers: [*standard]
        """
    )
    config = parse_config(text, source=SOURCE, env={})
    figma = config.app("figma")
    assert figma is not None and figma.tiers[0].approval == ["manager", "owner"]


def test_values_nested_too_deeply_are_refused_at_their_line() -> None:
    text = "apps:\n  - key: " + "[" * 5000 + "]" * 5000 + "\n"
    (found,) = problems(text)
    assert found == "seatkeeper.yml:2: not valid YAML: values are nested more than 64 levels deep"


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("!!timestamp soon", "cannot read 'soon' as !!timestamp"),
        ("!!bool maybe", "cannot read 'maybe' as !!bool"),
        ("!!int ''", "cannot read '' as !!int"),
        ("!!float ''", "cannot read '' as !!float"),
        ("!!int 12.5", "cannot read '12.5' as !!int"),
        ("2027-02-30", "cannot read '2027-02-30' as !!timestamp: day is out of range for month"),
        ("!mine seats", "the tag !mine is not supported"),
    ],
)
def test_a_value_that_does_not_fit_its_tag_is_refused_at_its_line(value: str, reason: str) -> None:
    text = f"apps:\n  - key: miro\n    name: Miro\n    contract: {{renews_on: {value}}}\n"
    assert problems(text + "    tiers: [{key: standard, name: Standard}]\n") == [
        f"seatkeeper.yml:4: apps[0].contract.renews_on: {reason}"
    ]


def test_a_character_yaml_does_not_allow_is_refused_at_its_line() -> None:
    assert problems("currency: USD\nadmins: [\x07]\n") == [
        "seatkeeper.yml:2: not valid YAML: unacceptable character #x0007: "
        "special characters are not allowed"
    ]


def test_a_file_that_is_not_utf8_is_refused_at_the_line_of_the_first_bad_byte(
    tmp_path: Path,
) -> None:
    path = tmp_path / SOURCE
    path.write_bytes(b"currency: USD\n\nadmins: [\xff\xfe]\n")
    with pytest.raises(ConfigError) as caught:
        load_config(path, env={})
    assert str(caught.value) == f"{path}:3: is not UTF-8 text"


def test_apps_written_as_a_single_value_is_refused_clearly() -> None:
    assert problems("apps: 5\n") == ["seatkeeper.yml:1: apps: should be a list like [a, b], got 5"]
