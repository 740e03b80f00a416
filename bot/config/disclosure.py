"""Which values from the config file a message may write out: the one rule, in one place.

A value reaches a config problem only through `shown` or `bare` (or, inside a library's
message, `masked`): it is written out when it cannot be a credential, and otherwise only
described ("a 57-character value"), so a token pasted in the wrong place is never echoed.
"""

from __future__ import annotations

import ast
import datetime as dt
import re
from collections.abc import Iterable
from typing import Any

SECRET_KEY = re.compile(r"^(.*[_-])?(token|secret|password|passwd|api_?key|private_?key)$", re.I)
# Text that cannot be a credential: words, keys, Slack ids, crontabs, file names, numbers,
# times of day (a colon only between digits adds nothing a token could hide in).
PLAIN = re.compile(r"(?:[\w .,+*/<>@-]|(?<=\d):(?=\d)){1,40}")
# How well-known credentials start: Slack, GitHub, OpenAI/Stripe, GitLab, AWS, JWT, PEM.
CREDENTIAL = re.compile(
    r"(?<![^\W_])(xox[a-z]-|xapp-|gh[opsur]_|github_pat_|sk[-_]|glpat-|AKIA|eyJ|-----BEGIN)"
)
LONG_RUN = re.compile(r"[^\W_]{12,}")
QUOTED = re.compile(r"""'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*\"""")


def showable(value: Any, loc: Iterable[str | int] = ()) -> bool:
    """The one rule: a value is written out only when it cannot be a credential."""
    if _under_secret_key(loc):
        return False
    if value is None or isinstance(value, bool | dt.date):
        return True
    if isinstance(value, int) and value.bit_length() > 64:
        return False  # too long to be a count, and str() of a huge int is itself refused
    if isinstance(value, int | float):
        return _plain(str(value))
    return isinstance(value, str) and _plain(value)


def shown(value: Any, loc: Iterable[str | int] = ()) -> str:
    """A value as a config author would recognise it, or described when it may be a secret."""
    if isinstance(value, dict | list):
        return "a mapping" if isinstance(value, dict) else "a list"
    if not showable(value, loc):
        return _described(value)
    if value is None or isinstance(value, bool):
        return {None: "nothing (null)", True: "true", False: "false"}[value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return repr(value) if isinstance(value, str) else str(value)


def bare(value: Any) -> str:
    """Like `shown`, but text that may be written out is written without quotes."""
    return value if isinstance(value, str) and showable(value) else shown(value)


class Shown:
    """A value for str.format: `{name!r}` writes it as `shown` does, `{name}` as `bare`."""

    def __init__(self, value: Any) -> None:
        self.value = value

    def __repr__(self) -> str:
        return shown(self.value)

    def __str__(self) -> str:
        return bare(self.value)


def masked(text: str) -> str:
    """A library's message with every value it quotes written out only as `shown` allows."""
    return QUOTED.sub(lambda match: shown(_unquoted(match.group())), text)


def _unquoted(literal: str) -> str:
    try:
        value = ast.literal_eval(literal)
    except (ValueError, SyntaxError):
        return literal[1:-1]
    return value if isinstance(value, str) else literal[1:-1]


def _plain(text: str) -> bool:
    if len(text) <= 3:
        return True  # too short to be a credential; PyYAML quotes single characters
    if not PLAIN.fullmatch(text) or CREDENTIAL.search(text):
        return False
    return not any(_looks_random(run) for run in LONG_RUN.findall(text))


def _looks_random(run: str) -> bool:
    """A long run of letters and digits that is not a word: part of a key or token."""
    word = run.isalpha() and (run.islower() or run.isupper() or run.istitle())
    return len(run) > 24 or not word


def _under_secret_key(loc: Iterable[str | int]) -> bool:
    return any(isinstance(part, str) and SECRET_KEY.match(part) for part in loc)


def _described(value: Any) -> str:
    if isinstance(value, str):
        return f"{_a(len(value))}-character value"
    if isinstance(value, bytes):
        return f"{_a(len(value))}-byte value"
    if isinstance(value, int) and value.bit_length() < 10_000:  # str() refuses far longer
        return f"{_a(len(str(abs(value))))}-digit number"
    return "a long number" if isinstance(value, int | float) else "a value"


def _a(count: int) -> str:
    """'a 57' or 'an 86', as the number is said."""
    said = str(count)
    an = said.startswith("8") or (len(said) % 3 == 2 and said[:2] in ("11", "18"))
    return f"{'an' if an else 'a'} {said}"
