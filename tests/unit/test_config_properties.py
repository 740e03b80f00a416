"""Property-based tests: any config file ends in a Config or in a clear ConfigError.

Generated files mix the real schema with unknown and secret-looking keys, random scalars and
tags, anchors and aliases, then get broken by hand: tabs, wrong indentation, repeated lines,
stray characters, cuts and bytes that are not UTF-8.
"""

from __future__ import annotations

import json
import re
import string
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from bot.config.loader import ConfigError, load_config, parse_config
from tests.unit.test_config_secrets import leaks
from workflows.catalog import Config

SOURCE = "seatkeeper.yml"
ENV = {"FIGMA_SCIM_TOKEN": "set", "OKTA_TOKEN": "set"}
ALNUM = string.ascii_letters + string.digits
PLAIN_SCALAR = re.compile(r"[A-Za-z0-9_./-][A-Za-z0-9 _./-]*(?<! )")
MAPPINGS = {  # the keys the schema has under each key, so examples reach deep validators
    "": ["slack", "admins", "currency", "directory", "schedule", "defaults", "apps"],
    "slack": ["it_channel", "approvals_channel", "dm_rate"],
    "directory": ["source", "path", "base_url", "token_env"],
    "schedule": ["sync", "reclaim", "digest", "reminders"],
    "defaults": ["approval", "reminder_hours", "escalate_hours", "expire_days", "reclaim"],
    "reclaim": [
        "enabled",
        "idle_days",
        "grace_days",
        "working_hours",
        "action",
        "downgrade_to",
        "review",
        "exempt",
    ],
    "apps": ["key", "name", "owner", "connector", "approval", "tiers", "contract", "reclaim"],
    "tiers": ["key", "name", "monthly_price", "approval"],
    "connector": ["type", "base_url", "token_env", "skus", "timeout_seconds", "org", "tenant_id"],
    "contract": ["seats", "renews_on", "notice_days", "auto_renew"],
    "skus": ["standard", "pro"],
}
LISTS = {"apps", "tiers", "admins", "approval", "exempt"}
REQUIRED = {"apps": ["key", "name", "tiers"], "tiers": ["key", "name"], "connector": ["type"]}
CRONTABS = ["0 */6 * * *", "0 9 * * 1-5", "null"]
GOOD = {  # values the schema takes, so that some examples load and others fail late
    "key": ["figma", "miro", "standard", "viewer"],
    "name": ["Figma", "Miro", "Standard"],
    "type": ["manual", "csv", "scim"],
    "source": ["csv", "slack"],
    "path": ["people.csv"],
    "base_url": ["https://x.example"],
    "token_env": ["FIGMA_SCIM_TOKEN", "OKTA_TOKEN", "MISSING"],
    "owner": ["U0FIGOWN1"],
    "it_channel": ["C0ITOPS01"],
    "currency": ["USD", "EUR"],
    "admins[]": ["U0ADMIN01"],
    "approval[]": ["manager", "owner", "admins", "U0APPROV1"],
    "action": ["revoke", "downgrade"],
    "downgrade_to": ["viewer", "standard"],
    "monthly_price": ["0", "15", "9.5"],
    "renews_on": ["2027-03-31"],
    "working_hours": ["Mon-Fri 09:00-17:00", "Sun-Thu 08:30-16:30", "always"],
    "exempt[]": ["ceo@acme.com", "Ada@Acme.com "],
    "dm_rate": ["1", "0.5", "20"],
    **{key: CRONTABS for key in ["sync", "reclaim", "digest", "reminders"]},
    **{key: ["7"] for key in ["seats", "idle_days", "grace_days", "notice_days", "expire_days"]},
}
ODD_KEYS = ["colour", "Name", "token", "password", "api_key", "client_secret", "1", "true"]
WORDS = ["figma", "miro", "standard", "viewer", "manual", "scim", "okta", "csv", "revoke"]
WORDS += ["downgrade", "manager", "owner", "admins", "USD", "usd", "Professional", "bob"]
SLACKISH = ["U0ADMIN01", "W012ABCDE", "C0ITOPS01", "FIGMA_SCIM_TOKEN", "MISSING", "people.csv"]
NUMBERS = ["0", "-1", "15", "1_000", "0x1F", "0b101", "1.5", ".inf", "-.nan", "1.0e+9999"]
NUMBERS += ["9" * 60, "0x" + "f" * 300, "2027-03-31", "2027-02-30", "2027-03-31T10:00:00Z"]
OTHER = ["true", "no", "~", "null", "", "0 */6 * *", "*/5 * * * *", "https://x.example"]
TAGS = ["!!int", "!!float", "!!bool", "!!timestamp", "!!str", "!!binary", "!!null", "!!map"]
TAGS += ["!!set", "!mine", "!!python/object:os.system", "!"]
STRAY = [*":-[]{}&*!|>'\"#%@`,?\t\r\x00\x07\x85\ufeff\u2028", "\\", "  ", "\n"]


def secrets() -> st.SearchStrategy[str]:
    """Values shaped like real credentials."""
    core = st.text(ALNUM, min_size=25, max_size=40)
    prefixed = st.tuples(st.sampled_from(["xoxb-", "xoxp-", "xapp-1-", "ghp_", "sk-"]), core)
    return st.one_of(
        prefixed.map("".join),
        core.map(lambda c: f"github_pat_11{c}"),
        st.tuples(core, core).map(lambda p: f"eyJ{p[0]}.eyJ{p[1]}.{p[0][::-1]}"),
        core.map(lambda c: f"-----BEGIN PRIVATE KEY-----\n{c}\n-----END PRIVATE KEY-----"),
        core,
        st.text("0123456789abcdef", min_size=32, max_size=48),
    )


class Writer:
    """Draws one YAML document, remembering every secret it wrote."""

    def __init__(self, draw: st.DrawFn) -> None:
        self.draw = draw
        self.secrets: list[str] = []
        self.anchors: list[str] = []

    def chance(self, one_in: int) -> bool:
        return self.draw(st.integers(0, one_in - 1)) == 0

    def scalar(self, key: str = "") -> str:
        if key in GOOD and self.chance(2):
            return self.draw(st.sampled_from(GOOD[key]))
        kind = self.draw(st.sampled_from(["word", "id", "number", "other", "text", "secret"]))
        pools = {"word": WORDS, "id": SLACKISH, "number": NUMBERS, "other": OTHER}
        if kind in pools:
            text = self.draw(st.sampled_from(pools[kind]))
        elif kind == "text":
            text = self.draw(st.text(max_size=12))
        else:
            text = self.draw(secrets())
            self.secrets.append(text)
        written = text if PLAIN_SCALAR.fullmatch(text) else json.dumps(text, ensure_ascii=False)
        return f"{self.draw(st.sampled_from(TAGS))} {written}" if self.chance(6) else written

    def key(self, under: str) -> str:
        if self.chance(10):
            secret = self.draw(secrets())
            self.secrets.append(secret)
            return json.dumps(secret)
        if under not in MAPPINGS or self.chance(10):
            return self.draw(st.sampled_from(ODD_KEYS))
        return self.draw(st.sampled_from(MAPPINGS[under]))

    def keys(self, under: str) -> list[str]:
        """The keys of one mapping: mostly the required ones first, then any."""
        required = REQUIRED.get(under, []) if not self.chance(5) else []
        return required + [self.key(under) for _ in range(self.draw(st.integers(0, 3)))]

    def prefix(self) -> str:
        """An anchor, an alias in place of the value (mostly to an anchor before it), or nothing."""
        if self.chance(8):
            self.anchors.append(f"a{len(self.anchors)}")
            return f"&{self.anchors[-1]} "
        if self.chance(8) and (self.anchors or self.chance(4)):
            return "*" + self.draw(st.sampled_from([*self.anchors, "nowhere"]))
        return ""

    def block(self, key: str, depth: int, indent: int) -> list[str]:
        """The lines of a block mapping or list whose schema is the one under `key`."""
        pad, lines = " " * indent, []
        if key in LISTS:
            item = key if key in MAPPINGS else f"{key}[]"
            for _ in range(self.draw(st.integers(0, 3))):
                lines += self.entry(f"{pad}-", item, depth + 1, indent + 2)
        else:
            for child in self.keys(key) or [self.key(key)] * (depth == 0):
                lines += self.entry(f"{pad}{child}:", child, depth + 1, indent + 2)
        return lines or [f"{pad}{{}}"]

    def entry(self, head: str, key: str, depth: int, indent: int) -> list[str]:
        prefix = self.prefix()
        if prefix.startswith("*"):
            return [f"{head} {prefix}"]
        shape = self.draw(st.sampled_from(["scalar", "block", "flow"]))
        nested = key in MAPPINGS or key in LISTS
        if depth < 6 and (shape == "block" or (nested and shape != "scalar")):
            if shape == "flow":
                return [f"{head} {prefix}{self.flow(key, depth)}"]
            return [f"{head} {prefix}".rstrip(), *self.block(key, depth, indent)]
        return [f"{head} {prefix}{self.scalar(key)}"]

    def flow(self, key: str, depth: int, *, item: bool = False) -> str:
        """A flow list or mapping; `item` means one mapping of a list of mappings."""
        size = self.draw(st.integers(0, 3))
        if key in LISTS and not item:
            nested = key in MAPPINGS
            items = [
                self.flow(key, depth, item=True) if nested else self.scalar(key)
                for _ in range(size)
            ]
            return "[" + ", ".join(items) + "]"
        pairs = [f"{child}: {self.scalar(child)}" for child in self.keys(key)]
        return "{" + ", ".join(pairs) + "}"


@st.composite
def broken(draw: st.DrawFn, text: str) -> str:
    """The text with up to three hand-made mistakes."""
    for _ in range(draw(st.sampled_from([0, 0, 1, 1, 2, 3]))):
        lines = text.split("\n")
        at = draw(st.integers(0, len(lines) - 1))
        mistake = draw(st.sampled_from(["tab", "indent", "dedent", "repeat", "stray", "cut"]))
        if mistake == "tab":
            lines[at] = "\t" + lines[at]
        elif mistake in ("indent", "dedent"):
            lines[at] = " " + lines[at] if mistake == "indent" else lines[at][1:]
        elif mistake == "repeat":
            lines.insert(at, lines[at])
        elif mistake == "stray":
            place = draw(st.integers(0, len(lines[at])))
            lines[at] = lines[at][:place] + draw(st.sampled_from(STRAY)) + lines[at][place:]
        else:
            lines = lines[: at + 1]
        text = "\n".join(lines)
    return text


@st.composite
def documents(draw: st.DrawFn) -> tuple[str, list[str]]:
    """A config file's text and the secret-looking values written in it."""
    writer = Writer(draw)
    if draw(st.integers(0, 9)) == 0:
        text = writer.scalar() + "\n"  # a file that is not a mapping
    else:
        text = "\n".join(writer.block("", 0, 0)) + "\n"
    return draw(broken(text)), writer.secrets


def outcome(load: Callable[[], Config], text_lines: int, secrets: list[str]) -> None:
    """Either a Config, or a ConfigError naming file, line and reason, and no secret."""
    try:
        config = load()
    except ConfigError as error:
        assert error.problems
        for problem in error.problems:
            assert problem.file.endswith(SOURCE) and problem.reason.strip()
            assert problem.line is not None and 1 <= problem.line <= text_lines + 1, problem
        for secret in secrets:
            assert not leaks(secret, str(error)), (secret, str(error))
    else:
        assert isinstance(config, Config)


@settings(max_examples=300, deadline=None)
@given(documents())
def test_any_config_text_gives_a_config_or_clear_problems_without_secrets(
    document: tuple[str, list[str]],
) -> None:
    text, secrets = document
    lines = len(text.splitlines())
    outcome(lambda: parse_config(text, source=SOURCE, env=ENV), lines, secrets)


@settings(max_examples=100, deadline=None)
@given(documents(), st.binary(max_size=4), st.data())
def test_any_config_file_gives_a_config_or_clear_problems_even_with_stray_bytes(
    document: tuple[str, list[str]], stray: bytes, data: st.DataObject
) -> None:
    text, secrets = document
    raw = text.encode("utf-8")
    at = data.draw(st.integers(0, len(raw)))
    raw = raw[:at] + stray + raw[at:]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / SOURCE
        path.write_bytes(raw)
        lines = len(raw.decode("utf-8", errors="replace").splitlines())
        outcome(lambda: load_config(path, env=ENV), lines, secrets)


def alias_chain(levels: int, width: int) -> tuple[str, int]:
    """Each level a list of `width` aliases to the one before, and how many values they add."""
    lines = [f"l0: &l0 [{', '.join(['x'] * width)}]"]
    size, added = width + 1, 0
    for level in range(1, levels):
        lines.append(f"l{level}: &l{level} [{', '.join([f'*l{level - 1}'] * width)}]")
        added, size = added + width * size, width * size + 1
    return "defaults:\n" + "".join(f"  {line}\n" for line in lines), added


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 12), st.integers(1, 12))
def test_aliases_are_refused_exactly_when_they_add_more_than_ten_thousand_values(
    levels: int, width: int
) -> None:
    text, added = alias_chain(levels, width)
    assume(added < 200_000)  # so that a loader without the limit fails here, not runs out
    with pytest.raises(ConfigError) as caught:  # l0, l1, … are not keys of defaults
        parse_config(text, source=SOURCE, env=ENV)
    problems = caught.value.problems
    expanded = [problem for problem in problems if "values through aliases" in problem.reason]
    assert bool(expanded) == (added > 10_000)
    assert all(problem.line is not None for problem in problems)
