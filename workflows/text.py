"""What text from people and other sources may hold before it is stored or shown.

PostgreSQL cannot store NUL at all, a lone surrogate cannot be encoded, and other control
characters show in Slack as garbage; a reason made only of spaces or zero-width characters
says nothing. Text someone can correct (a form, a CSV file) is refused with a reason naming
what is wrong; text nobody here can correct (a vendor's message, a profile) is made storable.
"""

from __future__ import annotations

import re
import unicodedata

MAX_REASON = 1000  # request and deny reasons; the modals' max_length says the same
# Widths of the columns people's details are stored in (store/tables.py).
MAX_EMAIL, MAX_NAME, MAX_SLACK_ID = 320, 200, 32
ELLIPSIS = "…"
LINE_BREAKS = frozenset("\t\n\r")  # allowed in multi-line text such as a reason
# Categories a visible character is never in: controls, format (zero-width) characters,
# surrogates, spaces and separators, and marks that only combine with another character.
_INVISIBLE = frozenset({"Cc", "Cf", "Cs", "Zs", "Zl", "Zp", "Mn", "Me"})
_BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")  # fillers that render as nothing


# The characters of categories Cc (controls) and Cs (surrogates), which `unstorable` refuses.
_UNSTORABLE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_UNSTORABLE_MULTILINE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def unstorable(char: str, *, multiline: bool = False) -> bool:
    """True for a control character or lone surrogate (tab and line breaks pass if multiline)."""
    if multiline and char in LINE_BREAKS:
        return False
    return unicodedata.category(char) in ("Cc", "Cs")


def control_problem(value: str, what: str, *, multiline: bool = False) -> str | None:
    """Why `value` cannot be stored as it is (it holds a control character), or None."""
    # One regular expression search instead of a category lookup per character: a CSV
    # import checks every value of millions of lines.
    found = (_UNSTORABLE_MULTILINE if multiline else _UNSTORABLE).search(value)
    if found is None:
        return None
    bad = found.group()
    kind = "a control character" if unicodedata.category(bad) == "Cc" else "half a character"
    return f"{what} contains {kind} (U+{ord(bad):04X}); remove it"


def visible(value: str) -> bool:
    """True when `value` has at least one character that shows (not only blanks or zero-width)."""
    return any(
        unicodedata.category(char) not in _INVISIBLE and char not in _BLANK_LETTERS
        for char in value
    )


def length_problem(value: str, what: str, limit: int) -> str | None:
    """Why `value` is too long for `limit` characters, or None."""
    if len(value) <= limit:
        return None
    return f"{what} is {len(value):,} characters long; keep it to {limit:,}"


def reason_problem(value: str) -> str | None:
    """Why `value` cannot be stored as a reason (too long, control characters), or None."""
    return length_problem(value, "The reason", MAX_REASON) or control_problem(
        value, "The reason", multiline=True
    )


def storable(value: str, limit: int) -> str:
    """Text nobody here can correct, made storable: tabs and line breaks become spaces, other
    control characters and lone surrogates go, and it is cut to `limit` characters."""
    if _UNSTORABLE.search(value) is None:  # the usual text: nothing to replace or remove
        kept = value.strip()
    else:
        kept = "".join(
            " " if char in LINE_BREAKS else char
            for char in value
            if not unstorable(char, multiline=True)
        ).strip()
    return kept if len(kept) <= limit else kept[: limit - len(ELLIPSIS)] + ELLIPSIS
