"""Jinja2 filters that turn values into safe Slack text.

Slack parses `&`, `<` and `>` in mrkdwn (and in a message's `text`) as entities, links and
mentions, so anything a person or a vendor typed is escaped before it reaches mrkdwn; the
templates then pass every value through `tojson`, which keeps the JSON document intact.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, date, datetime, time
from decimal import Decimal

ELLIPSIS = "…"
DEFAULT_LIMIT = 200
_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
_USER_ID = re.compile(r"[UW][A-Z0-9]{2,}")
_MENTION = re.compile(r"<@([UW][A-Z0-9]{2,})>")


def _fit(pieces: Iterable[str], limit: int) -> str:
    """Join `pieces` whole, stopping with an ellipsis before the result would pass `limit`."""
    items = list(pieces)
    if sum(len(piece) for piece in items) <= limit:
        return "".join(items)
    out: list[str] = []
    used = 0
    for piece in items:
        if used + len(piece) > limit - len(ELLIPSIS):
            break
        out.append(piece)
        used += len(piece)
    return "".join(out).rstrip() + ELLIPSIS


def _escaped_chars(text: str) -> Iterator[str]:
    for char in text:
        yield _ENTITIES.get(char, char)


def clip(text: object, limit: int = DEFAULT_LIMIT) -> str:
    """Plain text cut to `limit` characters (for plain_text fields, which Slack never parses)."""
    return _fit(str(text), limit)


def esc(text: object, limit: int = DEFAULT_LIMIT) -> str:
    """Untrusted text as inert mrkdwn, cut to `limit` characters without splitting an entity."""
    return _fit(_escaped_chars(str(text)), limit)


def mrkdwn(text: object, limit: int = DEFAULT_LIMIT) -> str:
    """Like `esc`, but well-formed user mentions such as `<@U123>` stay mentions."""
    return _fit(_mention_pieces(str(text)), limit)


def _mention_pieces(text: str) -> Iterator[str]:
    start = 0
    for match in _MENTION.finditer(text):
        yield from _escaped_chars(text[start : match.start()])
        yield match.group(0)
        start = match.end()
    yield from _escaped_chars(text[start:])


def quote(text: object, limit: int = DEFAULT_LIMIT) -> str:
    """Untrusted, possibly multi-line text as an escaped mrkdwn block quote."""
    pieces = [">"]
    pieces.extend("\n>" if char == "\n" else piece for char, piece in _pairs(str(text)))
    return _fit(pieces, limit)


def _pairs(text: str) -> Iterator[tuple[str, str]]:
    normalised = text.replace("\r\n", "\n").replace("\r", "\n").strip("\n")
    for char in normalised:
        yield char, _ENTITIES.get(char, char)


def mention(user_id: str) -> str:
    """A Slack user mention, or the escaped text when `user_id` is not a user id."""
    if _USER_ID.fullmatch(user_id):
        return f"<@{user_id}>"
    return esc(user_id, 40)


def people(user_ids: Sequence[str], most: int = 5) -> str:
    """Mentions joined as in a sentence: "<@A>", "<@A> or <@B>", "<@A>, <@B> or 3 others"."""
    mentions = [mention(user_id) for user_id in user_ids[:most]]
    if len(user_ids) > most:
        mentions[-1] = f"{len(user_ids) - most + 1} others"
    if len(mentions) <= 1:
        return "".join(mentions)
    return ", ".join(mentions[:-1]) + " or " + mentions[-1]


def slackdate(value: date | datetime) -> str:
    """A date Slack shows in each reader's own time zone, with an ISO fallback."""
    if isinstance(value, datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=UTC)
        fallback = moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%MZ")
        return f"<!date^{int(moment.timestamp())}^{{date_short_pretty}} at {{time}}|{fallback}>"
    # Noon UTC falls on the same calendar day in nearly every time zone.
    noon = datetime.combine(value, time(12), tzinfo=UTC)
    return f"<!date^{int(noon.timestamp())}^{{date_short_pretty}}|{value.isoformat()}>"


def amount(value: Decimal | int, currency: str) -> str:
    """An amount of money, such as "USD 4,320.00"."""
    return f"{esc(currency, 10)} {Decimal(value).quantize(Decimal('0.01')):,}"


def money(price: Decimal | int, currency: str) -> str:
    """A monthly price per seat, such as "USD 15.00/month", or "free"."""
    amount = Decimal(price)
    if amount == 0:
        return "free"
    return f"{esc(currency, 10)} {amount.quantize(Decimal('0.01')):,}/month"


FILTERS = {
    "clip": clip,
    "esc": esc,
    "mrkdwn": mrkdwn,
    "quote": quote,
    "mention": mention,
    "people": people,
    "slackdate": slackdate,
    "money": money,
    "amount": amount,
}
