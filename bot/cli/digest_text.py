"""The digest as plain lines for a terminal (`seatkeeper run digest [--dry-run]`)."""

from __future__ import annotations

from decimal import Decimal

from workflows.digest import Digest


def digest_lines(d: Digest) -> list[str]:
    """Every section of the digest, a line per item, nothing cut."""
    cur = d.currency
    lines = [
        f"digest as of {d.at:%Y-%m-%d %H:%M} UTC, period from {d.period_start:%Y-%m-%d %H:%M} UTC",
        f"paid seats cost {_money(d.total_spend, cur)} a month; "
        f"overspend {_money(d.total_overspend, cur)} a month",
        f"renewals in the next {d.horizon_days} days:",
    ]
    for r in d.renewals:
        auto = ", renews by itself" if r.auto_renew else ""
        lines.append(
            f"  {r.app_key}: renews {r.renews_on}{auto}; notice by {r.notice_deadline} "
            f"(in {r.days_to_notice} days); paid {r.paid}, assigned {r.assigned}, "
            f"active {r.active}, waiting {r.waiting}; renew at {r.recommended}, "
            f"saves {_money(r.yearly_saving, cur)} a year"
        )
    lines.append("overspend per app:")
    lines += [
        f"  {a.app_key}: {_money(a.overspend, cur)} a month (paid {a.paid}, assigned "
        f"{a.assigned}, active {a.active}, idle {a.idle}, unassigned {a.unassigned})"
        for a in d.apps
        if a.overspend > 0
    ]
    rc = d.reclaims
    lines.append(
        f"reclaiming: {rc.removed} removed and {rc.downgraded} downgraded in the period, saving "
        f"{_money(rc.saved, cur)} a month ({_money(rc.saved_to_date, cur)} to date); "
        f"{rc.prompts_pending} asked, not answered; {rc.waves_open} review waves waiting"
    )
    lines.append(
        f"work waiting: {len(d.approvals)} approvals, {len(d.tasks)} IT tasks, waitlists: "
        + (", ".join(f"{name} {n}" for name, n in d.waitlists.items()) or "none")
    )
    lines += [
        f"  request #{a.request_id} ({a.app_name} {a.tier_name}) since {a.since:%Y-%m-%d}, "
        f"waiting for {', '.join(a.approvers) or 'nobody'}"
        for a in d.approvals
    ]
    if not d.first:
        lines.append("changes since the last digest:")
        lines += [
            f"  {c.app_key}: "
            + ", ".join(f"{name} {old} -> {new}" for name, (old, new) in c.moved.items())
            for c in d.changes
        ]
    return lines


def _money(value: Decimal, currency: str) -> str:
    return f"{currency} {value:,.2f}"
