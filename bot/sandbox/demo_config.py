"""The demo's `seatkeeper.yml`: Acme's catalog, written as an admin would write it.

Renewal dates are written `$in_N_days` and become dates counted from the day the demo
starts, so every demo shows the same picture: a notice deadline close enough for an alert,
renewals inside the digest's horizon, one contract that renews by itself.
"""

from __future__ import annotations

import datetime as dt
import re

# The SCIM apps' tokens: placeholders, as the demo's vendor calls are recorded, never sent.
ENV = {
    name: "dry-run-not-a-real-token"
    for name in (
        "DEMO_FIGMA_SCIM_TOKEN",
        "DEMO_NOTION_SCIM_TOKEN",
        "DEMO_ZOOM_SCIM_TOKEN",
        "DEMO_JIRA_SCIM_TOKEN",
        "DEMO_1PASSWORD_SCIM_TOKEN",
    )
}
RELATIVE_DATE = re.compile(r"\$in_(\d+)_days")

TEMPLATE = """\
# Acme, the organisation of `seatkeeper demo`. Vendor calls are recorded, never sent: the
# SCIM tokens are placeholders and the vendors' addresses are made up (.example).
slack:
  it_channel: C0DEMOIT1            # digests, IT tasks, reclaim reviews
  approvals_channel: null          # approvals go to each approver by DM
admins: [U0DEMO006, U0DEMO010]     # Tom Hargreaves and Aisha Rahman, IT
currency: USD
directory: {source: csv, path: people.csv}
digest: {horizon_days: 120}
defaults:
  approval: [manager]
  reminder_hours: 24
  escalate_hours: 48
  expire_days: 7
  # A demo is tried at any hour, so deadlines do not wait for office hours.
  reclaim: {idle_days: 30, grace_days: 7, reminder_days: 3, new_seat_days: 14,
            working_hours: always}
apps:
  - key: figma
    name: Figma
    owner: U0DEMO003               # Priya Raman, Head of Design
    connector: {type: scim, base_url: "https://figma.example/scim/v2",
                token_env: DEMO_FIGMA_SCIM_TOKEN}
    tiers:
      - {key: professional, name: Professional, monthly_price: 15, approval: [manager, owner]}
      - {key: viewer, name: Viewer, monthly_price: 0, approval: []}
    contract: {seats: 12, renews_on: $in_80_days, notice_days: 30, auto_renew: true}
    reclaim: {idle_days: 45, action: downgrade, downgrade_to: viewer,
              exempt: [olivia.bennett@acme.example]}
  - key: miro
    name: Miro
    owner: U0DEMO008               # Luis Moreno, Head of Product
    connector: {type: manual}
    tiers: [{key: standard, name: Standard, monthly_price: 10}]
    contract: {seats: 15, renews_on: $in_200_days, notice_days: 30}
  - key: notion
    name: Notion
    owner: U0DEMO009               # Grace Kim, Head of People
    connector: {type: scim, base_url: "https://notion.example/scim/v2",
                token_env: DEMO_NOTION_SCIM_TOKEN}
    approval: [manager]
    tiers:
      - {key: plus, name: Plus, monthly_price: 10}
      - {key: business, name: Business, monthly_price: 15}
    contract: {seats: 30, renews_on: $in_110_days, notice_days: 45}
  - key: zoom
    name: Zoom
    owner: U0DEMO006               # Tom Hargreaves, Head of IT
    connector: {type: scim, base_url: "https://zoom.example/scim/v2",
                token_env: DEMO_ZOOM_SCIM_TOKEN}
    tiers: [{key: pro, name: Pro, monthly_price: 15.99, approval: []}]
    # The notice deadline is 12 days away: IT gets the 14-day notice alert.
    contract: {seats: 10, renews_on: $in_19_days, notice_days: 7}
  - key: github-copilot
    name: GitHub Copilot
    owner: U0DEMO002               # Marcus Chen, VP Engineering
    connector: {type: manual}
    tiers:
      - {key: business, name: Business, monthly_price: 19}
      - {key: enterprise, name: Enterprise, monthly_price: 39, approval: [manager, admins]}
  - key: adobe-cc
    name: Adobe Creative Cloud
    owner: U0DEMO007               # Hannah Weiss, Head of Marketing
    connector: {type: csv}
    tiers:
      - {key: all-apps, name: All Apps, monthly_price: 89.99, approval: [manager, owner]}
      - {key: photoshop, name: Photoshop, monthly_price: 34.49}
    # All six seats are taken: the next request waits for one.
    contract: {seats: 6, renews_on: $in_150_days, notice_days: 60}
    reclaim: {review: true}        # IT confirms each reclaim of these expensive seats
  - key: jira
    name: Jira
    owner: U0DEMO012               # Elena Petrova, Engineering Manager
    connector: {type: scim, base_url: "https://jira.example/scim/v2",
                token_env: DEMO_JIRA_SCIM_TOKEN}
    tiers:
      - {key: standard, name: Standard, monthly_price: 8.6, approval: []}
      - {key: premium, name: Premium, monthly_price: 17, approval: [manager, admins]}
    contract: {seats: 25, renews_on: $in_50_days, notice_days: 14}
  - key: loom
    name: Loom
    owner: U0DEMO007               # Hannah Weiss, Head of Marketing
    connector: {type: csv}
    tiers: [{key: business, name: Business, monthly_price: 15, approval: []}]
    contract: {seats: 10, renews_on: $in_300_days, notice_days: 30}
  - key: 1password
    name: 1Password
    owner: U0DEMO010               # Aisha Rahman, IT
    connector: {type: scim, base_url: "https://1password.example/scim/v2",
                token_env: DEMO_1PASSWORD_SCIM_TOKEN}
    tiers: [{key: business, name: Business, monthly_price: 7.99, approval: []}]
    contract: {seats: 40, renews_on: $in_250_days, notice_days: 60, auto_renew: true}
    reclaim: {enabled: false}      # everyone keeps the password manager, used or not
"""


def config_text(today: dt.date) -> str:
    """The demo's config file, its dates counted from `today`."""
    return RELATIVE_DATE.sub(
        lambda found: (today + dt.timedelta(days=int(found.group(1)))).isoformat(), TEMPLATE
    )
