"""Acme, the demo organisation: its people and who holds which seat.

Dates are days before the day the demo starts, so every demo shows the same picture: most
seats in use, some idle long enough to be asked about, a few without activity data or too new
to ask, and a full contract.
"""

from __future__ import annotations

from dataclasses import dataclass

DOMAIN = "acme.example"


@dataclass(frozen=True)
class DemoPerson:
    """Someone at Acme; `handle` (their first name, lowercase) names them in this module."""

    handle: str
    name: str
    slack_user_id: str
    department: str
    manager: str | None  # the manager's handle

    @property
    def email(self) -> str:
        """first.last@acme.example"""
        local = self.name.lower().replace("'", "").replace(" ", ".")
        return f"{local}@{DOMAIN}"


def _people(*rows: tuple[str, str, str | None]) -> tuple[DemoPerson, ...]:
    """People from (name, department, manager's handle), Slack ids numbered in order."""
    return tuple(
        DemoPerson(name.split()[0].lower(), name, f"U0DEMO{n:03d}", department, manager)
        for n, (name, department, manager) in enumerate(rows, start=1)
    )


PEOPLE = _people(
    ("Olivia Bennett", "Executive", None),
    ("Marcus Chen", "Engineering", "olivia"),
    ("Priya Raman", "Design", "olivia"),
    ("Daniel Okafor", "Sales", "olivia"),
    ("Sofia Lindqvist", "Finance", "olivia"),
    ("Tom Hargreaves", "IT", "olivia"),
    ("Hannah Weiss", "Marketing", "olivia"),
    ("Luis Moreno", "Product", "olivia"),
    ("Grace Kim", "People", "olivia"),
    ("Aisha Rahman", "IT", "tom"),
    ("Ben Foster", "IT", "tom"),
    ("Elena Petrova", "Engineering", "marcus"),
    ("James O'Connor", "Engineering", "elena"),
    ("Yuki Tanaka", "Engineering", "elena"),
    ("Noah Williams", "Engineering", "elena"),
    ("Fatima El-Amin", "Engineering", "elena"),
    ("Lucas Silva", "Engineering", "marcus"),
    ("Chloe Dubois", "Engineering", "marcus"),
    ("Arjun Mehta", "Engineering", "marcus"),
    ("Emma Schultz", "Engineering", "elena"),
    ("Maya Patel", "Design", "priya"),
    ("Oliver Grant", "Design", "priya"),
    ("Zoe Nakamura", "Design", "priya"),
    ("Samuel Adeyemi", "Design", "priya"),
    ("Isabel Costa", "Product", "luis"),
    ("Ethan Brooks", "Product", "luis"),
    ("Rachel Goldberg", "Sales", "daniel"),
    ("Kevin Murphy", "Sales", "daniel"),
    ("Ana Ruiz", "Sales", "daniel"),
    ("Jack Thompson", "Sales", "daniel"),
    ("Lily Howard", "Marketing", "hannah"),
    ("Mateo Rossi", "Marketing", "hannah"),
    ("Nora Jensen", "Finance", "sofia"),
    ("Victor Alvarez", "Finance", "sofia"),
    ("Amara Osei", "People", "grace"),
    ("Connor Walsh", "Engineering", "marcus"),  # a contractor: his seats end with his contract
)
BY_HANDLE = {person.handle: person for person in PEOPLE}


def person(handle: str) -> DemoPerson:
    """The person with this handle."""
    return BY_HANDLE[handle]


def slack_id(handle: str) -> str:
    """The Slack user id of the person with this handle."""
    return BY_HANDLE[handle].slack_user_id


@dataclass(frozen=True)
class DemoSeat:
    """A seat held since `assigned` days ago, last used `active` days ago (None: no data)."""

    handle: str
    tier: str
    assigned: int
    active: int | None


def _seats(tier: str, *rows: tuple[str, int, int | None]) -> list[DemoSeat]:
    return [DemoSeat(handle, tier, assigned, active) for handle, assigned, active in rows]


def _steady(tier: str, handles: str, *, since: int) -> list[DemoSeat]:
    """Seats held for months and used every week: the first since `since` days ago, each
    next one a fortnight later; last used 0 to 6 days ago."""
    return [
        DemoSeat(handle, tier, since - 14 * n, n % 7) for n, handle in enumerate(handles.split())
    ]


# What each app's last activity is, as its holders are told (others: "usage report", from
# the usage files IT imports).
ACTIVITY = {
    "zoom": "last sign-in",
    "notion": "last sign-in",
    "1password": "last sign-in",
}

SEATS: dict[str, list[DemoSeat]] = {
    "figma": _seats(
        "professional",
        ("priya", 700, 0),
        ("maya", 520, 1),
        ("oliver", 410, 2),
        ("zoe", 300, 1),
        ("samuel", 260, 6),
        ("luis", 480, 3),
        ("isabel", 200, 9),
        ("ethan", 350, 70),  # idle: asked to keep it or move to a viewer seat
        ("lily", 240, 95),  # idle
        ("olivia", 600, 100),  # idle but exempt
    )
    + _seats("viewer", ("marcus", 400, 12), ("elena", 380, 4), ("chloe", 90, 20)),
    "miro": _seats(
        "standard",
        ("luis", 500, 2),
        ("isabel", 210, 5),
        ("ethan", 330, 8),
        ("maya", 450, 3),
        ("zoe", 280, 11),
        ("elena", 360, 14),
        ("yuki", 150, 1),
        ("jack", 420, 60),  # idle
        ("noah", 180, None),  # no activity data
    ),
    "notion": _steady(
        "plus",
        "olivia marcus daniel sofia tom hannah luis grace aisha elena james yuki noah isabel nora",
        since=500,
    )
    + _seats(
        "plus",
        ("victor", 410, 45),  # idle
        ("kevin", 380, 120),  # idle
        ("rachel", 260, None),  # no activity data
        ("ben", 150, None),  # no activity data
        ("amara", 4, None),  # new: not asked yet
    )
    + _seats("business", ("priya", 520, 2), ("maya", 300, 0)),
    "zoom": _seats(
        "pro",
        ("daniel", 800, 0),
        ("rachel", 640, 1),
        ("kevin", 600, 2),
        ("ana", 410, 50),  # idle
        ("jack", 390, 3),
        ("grace", 300, 7),
        ("olivia", 900, 1),
        ("hannah", 350, 5),
    ),
    "github-copilot": _seats(
        "business",
        ("marcus", 400, 1),
        ("elena", 390, 0),
        ("james", 380, 2),
        ("yuki", 300, 1),
        ("noah", 280, 4),
        ("fatima", 260, 3),
        ("lucas", 250, 85),  # idle
        ("chloe", 120, 2),
        ("emma", 6, 1),  # new
    )
    + _seats("enterprise", ("arjun", 200, 0)),
    "adobe-cc": _seats(
        "all-apps",
        ("priya", 900, 1),
        ("maya", 610, 3),
        ("samuel", 400, 110),  # idle: IT reviews before it is taken back
        ("lily", 300, 8),
    )
    # Mateo's seat is idle; with Oliver's, all six seats of the contract are taken.
    + _seats("photoshop", ("mateo", 220, 42), ("oliver", 180, 5)),
    "jira": _steady(
        "standard", "marcus elena james yuki noah lucas chloe arjun luis isabel ethan", since=420
    )
    + _seats(
        "standard",
        ("ben", 300, 65),  # idle
        ("aisha", 280, 3),
        ("fatima", 240, None),  # no activity data
        ("emma", 6, 0),  # new
        ("connor", 9, 1),  # new
    ),
    "loom": _seats(
        "business",
        ("hannah", 300, 1),
        ("lily", 280, 4),
        ("mateo", 200, 2),
        ("daniel", 260, 6),
        ("rachel", 240, 41),  # idle
    ),
    "1password": _steady("business", " ".join(p.handle for p in PEOPLE), since=700),
}
