"""The IT channel's digest and notice alerts as Block Kit, and an app's report as a modal.

The digest is one list of blocks split into as many messages as Slack's limits need; each
section shows its biggest items first and "…and N more" with the command that lists them all.
"""

from __future__ import annotations

from typing import Any

from messages.filters import amount
from messages.render import Payload, cap, render_template
from messages.views import AppReport
from workflows.digest import Digest

DIGEST_RENEWALS = 10
DIGEST_APPS = 15
DIGEST_WORK = 10
DIGEST_CHANGES = 15
# Each message of the digest stays below Slack's 50 blocks and ~12,000 characters of text.
MESSAGE_BLOCKS = 45
MESSAGE_CHARACTERS = 10_000


def digest(d: Digest) -> list[Payload]:
    """The IT channel's digest as one or more messages, the biggest items of each section
    first and "…and N more" (with the command that lists them all) past a few."""
    renewals, renewals_more = cap(d.renewals, DIGEST_RENEWALS)
    apps, apps_more = cap([a for a in d.apps if a.overspend > 0], DIGEST_APPS)
    approvals, approvals_more = cap(d.approvals, DIGEST_WORK)
    tasks, tasks_more = cap(d.tasks, DIGEST_WORK)
    waitlists, waitlists_more = cap(sorted(d.waitlists.items(), key=lambda i: -i[1]), DIGEST_WORK)
    changes, changes_more = cap(d.changes, DIGEST_CHANGES)
    blocks = render_template(
        "digest.j2",
        digest=d,
        renewals=renewals,
        renewals_more=renewals_more,
        apps=apps,
        apps_more=apps_more,
        approvals=approvals,
        approvals_more=approvals_more,
        tasks=tasks,
        tasks_more=tasks_more,
        waitlists=waitlists,
        waitlists_more=waitlists_more,
        changes=changes,
        changes_more=changes_more,
    )["blocks"]
    title = f"Seatkeeper digest: {amount(d.total_overspend, d.currency)} a month of overspend"
    return _pack(blocks, title)


def _pack(blocks: list[dict[str, Any]], title: str) -> list[Payload]:
    """Blocks in messages of at most MESSAGE_BLOCKS blocks and MESSAGE_CHARACTERS of text; a
    header starts a new message when the current one is more than half full."""
    messages: list[list[dict[str, Any]]] = [[]]
    used = 0
    for block in blocks:
        size = _text_size(block)
        current = messages[-1]
        full = len(current) >= MESSAGE_BLOCKS or used + size > MESSAGE_CHARACTERS
        late_header = block["type"] == "header" and used > MESSAGE_CHARACTERS // 2
        if current and (full or late_header):
            messages.append([])
            used = 0
        messages[-1].append(block)
        used += size
    if len(messages) == 1:
        return [{"text": title, "blocks": messages[0]}]
    total = len(messages)
    return [
        {"text": f"{title} ({n} of {total})", "blocks": part} for n, part in enumerate(messages, 1)
    ]


def _text_size(value: object) -> int:
    """The characters of text a block holds, as Slack counts them (every text field)."""
    if isinstance(value, dict):
        own = len(value["text"]) if isinstance(value.get("text"), str) else 0
        return own + sum(_text_size(v) for k, v in value.items() if k != "text" or not own)
    if isinstance(value, list):
        return sum(_text_size(item) for item in value)
    return 0


def notice_alert(report: AppReport) -> Payload:
    """Tells IT an app's notice deadline is near, with the advice and an Open report button."""
    if report.notice_deadline is None or report.renews_on is None:
        raise ValueError(f"{report.app_key} has no renewal date to alert about")
    return render_template("notice_alert.j2", report=report)


def app_report(report: AppReport) -> Payload:
    """One app's report as a modal: figures, renewal, advice and its idlest seats."""
    return render_template("app_report.j2", report=report)
