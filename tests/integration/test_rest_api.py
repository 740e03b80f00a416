"""The REST API under /api/v1/: a bearer token first, then the reports' rows, page by page."""

from __future__ import annotations

import base64
import datetime as dt
import json
import math
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest

from tests.integration.rest_api import ALICE, ALICE_EMAIL, Served, seed, serve
from workflows.audit import record
from workflows.reports import FILTERS, KINDS, Filters, report
from workflows.tokens import RevokeToken, new_secret, revoke_token, token_hash

REFUSED = {"status": 401, "error": "invalid token"}


@pytest.fixture
def served(database_url: str) -> Iterator[Served]:
    with serve(database_url) as running:
        seed(running)
        yield running


@pytest.fixture
def token(served: Served) -> str:
    return served.new_token()


def as_json(value: Any, money: bool) -> Any:
    """A report's value as the API must show it."""
    if money and value is not None:
        return f"{Decimal(value):.2f}"
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def report_rows(served: Served, kind: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    """What `workflows.reports.report` gives for these parameters, as JSON values."""
    since = params.get("since")
    filters = Filters(**{**params, "since": dt.date.fromisoformat(since) if since else None})
    with served.app.runner.uow() as uow:
        found = report(kind, filters, uow=uow, config=served.app.config, now=served.clock.now())
    rows = [{c: as_json(row[c], c in found.money) for c in found.columns} for row in found.rows]
    for row in rows if kind == "audit" else ():
        row["data"] = json.loads(row["data"])
    return rows


def authorised(served: Served, authorization: str | None) -> dict[str, Any]:
    headers = {"Authorization": authorization} if authorization is not None else {}
    answer = served.http.get("/api/v1/seats", headers=headers)
    return {"status": answer.status_code, "body": answer.json(), **_auth_header(answer.headers)}


def _auth_header(headers: Any) -> dict[str, str]:
    return {"www-authenticate": headers.get("www-authenticate", "")}


# Authentication


@pytest.mark.parametrize(
    "authorization",
    [None, "", "Bearer", "Bearer ", "Basic c2VhdDprZWVwZXI=", "Token skp_x", "skp_abc"],
    ids=["none", "empty", "scheme only", "scheme and space", "basic", "other scheme", "bare"],
)
def test_a_missing_or_malformed_authorization_gets_401_and_nothing_else(
    served: Served, token: str, authorization: str | None
) -> None:
    assert authorised(served, authorization) == {
        "status": 401,
        "body": {"error": "invalid token"},
        "www-authenticate": "Bearer",
    }


def test_a_wrong_token_gets_the_same_401_as_no_token(served: Served, token: str) -> None:
    nothing = authorised(served, None)

    for wrong in (new_secret(), token + "x", token[:-1], token.upper(), token_hash(token)):
        assert authorised(served, f"Bearer {wrong}") == nothing


def test_a_revoked_token_gets_401(served: Served, token: str) -> None:
    served.app.runner(revoke_token, RevokeToken("reports"))

    assert served.get("/api/v1/seats", token) == REFUSED


def test_a_valid_token_gets_200_whichever_case_the_scheme_is_written_in(
    served: Served, token: str
) -> None:
    assert authorised(served, f"Bearer {token}")["status"] == 200
    assert authorised(served, f"bearer {token}")["status"] == 200


def test_without_a_valid_token_bad_parameters_are_not_looked_at(served: Served) -> None:
    assert served.get("/api/v1/seats", None, app="nope", idle_days="x", bogus=1) == REFUSED
    assert served.get("/api/v1/spend", new_secret(), idle_days=3, cursor="?") == REFUSED
    assert served.get("/api/v1/spend", new_secret(), limit=501) == REFUSED


def test_a_tokens_use_is_noted_at_most_once_a_minute(served: Served, token: str) -> None:
    start = served.clock.now()

    def last_used() -> dt.datetime | None:
        with served.app.runner.uow() as uow:
            return uow.tokens.all()[0].last_used_at

    assert last_used() is None
    served.get("/api/v1/spend", token)
    served.clock.advance(seconds=30)
    served.get("/api/v1/spend", token)
    assert last_used() == start
    served.clock.advance(seconds=30)
    served.get("/api/v1/spend", token)
    assert last_used() == start + dt.timedelta(minutes=1)


# Rows

ROWS = [
    ("seats", {}),
    ("seats", {"app": "miro"}),
    ("seats", {"person": ALICE_EMAIL.upper()}),
    ("seats", {"person": ALICE}),
    ("seats", {"idle_days": 40}),
    ("seats", {"since": "2026-09-01"}),
    ("seats", {"app": "figma", "idle_days": 10, "since": "2026-06-01"}),
    ("spend", {}),
    ("spend", {"app": "miro"}),
    ("renewals", {}),
    ("renewals", {"since": "2027-01-01"}),
    ("renewals", {"app": "miro"}),
    ("requests", {}),
    ("requests", {"app": "miro"}),
    ("requests", {"person": ALICE}),
    ("requests", {"since": "2026-10-01"}),
    ("reclaims", {}),
    ("reclaims", {"app": "miro"}),
    ("reclaims", {"person": "p02@acme.test"}),
    ("reclaims", {"since": "2026-11-01"}),
    ("audit", {}),
    ("audit", {"app": "miro"}),
    ("audit", {"person": ALICE}),
    ("audit", {"since": "2026-11-01"}),
]


@pytest.mark.parametrize(("kind", "params"), ROWS, ids=[f"{k} {p}" for k, p in ROWS])
def test_each_endpoint_answers_the_rows_of_its_report_for_the_same_filters(
    served: Served, token: str, kind: str, params: dict[str, Any]
) -> None:
    expected = report_rows(served, kind, params)

    answer = served.get(f"/api/v1/{kind}", token, limit=500, **params)

    assert answer == {"status": 200, "items": expected, "next": None, "total": len(expected)}
    assert expected  # the seed gives every case something to compare
    if params:
        assert len(expected) < len(report_rows(served, kind, {}))  # and the filter narrows


def test_amounts_are_strings_with_two_decimals_and_times_are_utc(
    served: Served, token: str
) -> None:
    [miro] = served.get("/api/v1/spend", token, app="miro")["items"]
    [request, *_] = served.get("/api/v1/requests", token)["items"]

    assert (miro["seat_price"], miro["monthly_spend"]) == ("10.50", "126.00")
    assert request["created_at"] == "2026-11-22T09:00:00Z"


# Paging


@pytest.mark.parametrize("kind", KINDS)
def test_paging_walks_every_row_exactly_once(served: Served, token: str, kind: str) -> None:
    everything = served.get(f"/api/v1/{kind}", token, limit=500)
    pages, cursor = [], None
    while True:
        params = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        page = served.get(f"/api/v1/{kind}", token, **params)
        pages.append(page)
        cursor = page["next"]
        if cursor is None:
            break

    walked = [item for page in pages for item in page["items"]]
    assert walked == everything["items"]
    assert len(pages) == max(math.ceil(len(walked) / 3), 1)
    assert {page["total"] for page in pages} == {len(walked)}


def test_a_page_is_100_rows_unless_limit_says_otherwise(served: Served, token: str) -> None:
    with served.app.runner.uow() as uow:
        for n in range(70):
            record(uow, served.clock, "sync", "seat.checked", f"seat:figma:p{n:02d}@acme.test")
        uow.commit()

    page = served.get("/api/v1/audit", token)

    assert (page["total"], len(page["items"]), page["next"] is not None) == (106, 100, True)
    assert len(served.get("/api/v1/audit", token, limit=500)["items"]) == 106
    assert len(served.get("/api/v1/audit", token, limit=1)["items"]) == 1


def test_filters_apply_across_pages(served: Served, token: str) -> None:
    first = served.get("/api/v1/seats", token, app="figma", limit=5)
    second = served.get("/api/v1/seats", token, app="figma", limit=5, cursor=first["next"])

    items = [*first["items"], *second["items"]]
    assert {item["app"] for item in items} == {"figma"}
    assert first["total"] == second["total"] == 12
    assert len(items) == 10


# Parameters


@pytest.mark.parametrize("kind", KINDS)
def test_a_filter_that_does_not_apply_is_refused_with_400_naming_what_does(
    served: Served, token: str, kind: str
) -> None:
    taken = ", ".join([*FILTERS[kind], "limit", "cursor"])
    for name in {"app", "person", "idle_days", "since"} - set(FILTERS[kind]):
        answer = served.get(f"/api/v1/{kind}", token, **{name: "1"})

        assert answer == {
            "status": 400,
            "error": f"{name} does not apply to /{kind}; it takes {taken}",
        }


def forged(text: str) -> str:
    """A cursor made by hand, encoded as the API encodes its own."""
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


BAD = [
    ({"apps": "figma"}, "apps is not a parameter of /seats; it takes "),
    ({"idle_days": "-1"}, "idle_days must be a whole number of days, 0 or more"),
    ({"idle_days": "ten"}, "idle_days must be a whole number of days, 0 or more"),
    ({"since": "2026-13-01"}, "since must be a date as YYYY-MM-DD"),
    ({"since": "yesterday"}, "since must be a date as YYYY-MM-DD"),
    ({"limit": "0"}, "limit must be a whole number from 1 to 500"),
    ({"limit": "501"}, "limit must be a whole number from 1 to 500"),
    ({"person": ""}, "person must be an email or a Slack user id (1 to 320 characters)"),
    ({"cursor": "not-a-cursor"}, "cursor is not one this API gave; start again without it"),
    ({"cursor": forged("o:" + "9" * 5000)}, "cursor is not one this API gave"),
    ({"cursor": forged("o:\u00b2")}, "cursor is not one this API gave"),  # a digit, not 0-9
    ({"cursor": forged("o:-1")}, "cursor is not one this API gave"),
    ({"app": "figmaa"}, "unknown app 'figmaa'; the apps are: figma, miro"),
]


@pytest.mark.parametrize(("params", "error"), BAD, ids=[str(p)[:40] for p, _ in BAD])
def test_a_bad_parameter_gets_400_saying_what_is_wrong(
    served: Served, token: str, params: dict[str, str], error: str
) -> None:
    answer = served.get("/api/v1/seats", token, **params)

    assert answer["status"] == 400
    assert str(answer["error"]).startswith(error)


def test_a_parameter_given_twice_gets_400(served: Served, token: str) -> None:
    answer = served.http.get(
        "/api/v1/seats?app=figma&app=miro", headers={"Authorization": f"Bearer {token}"}
    )

    assert (answer.status_code, answer.json()) == (400, {"error": "app is given more than once"})


NARROWING = {"app": "miro", "person": ALICE, "idle_days": 40, "since": "2026-11-01"}


@pytest.mark.parametrize("kind", KINDS)
def test_a_filter_refused_for_an_endpoint_is_one_its_report_does_not_read(
    served: Served, kind: str
) -> None:
    everything = report_rows(served, kind, {})

    for name in set(NARROWING) - set(FILTERS[kind]):
        assert report_rows(served, kind, {name: NARROWING[name]}) == everything, name
