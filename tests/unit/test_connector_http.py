from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest

from connectors.http import HttpRejected, Vendor, retry_after_seconds, send, status_of
from connectors.scim import ScimConnector
from workflows.ports import (
    Assignee,
    ConnectorError,
    NotSupported,
    Rejected,
    Retryable,
    UnknownUser,
)

NOW = dt.datetime(2025, 3, 14, 12, 0, 0, tzinfo=dt.UTC)
TOKEN = "s3cr3t-token-value"
FIGMA = Vendor("Figma", "the SCIM service", "the token in FIGMA_SCIM_TOKEN")
Handler = Callable[[httpx.Request], httpx.Response]


def call(
    handler: Handler, method: str = "GET", path: str = "/Users", **options: Any
) -> httpx.Response:
    with httpx.Client(transport=httpx.MockTransport(handler)) as client:
        return send(
            client,
            FIGMA,
            method,
            f"https://scim.example.com/v2{path}",
            headers={"Authorization": f"Bearer {TOKEN}"},
            now=lambda: NOW,
            **options,
        )


def answer(status: int, body: Any = None, **headers: str) -> Handler:
    return lambda request: httpx.Response(status, json=body, headers=headers)


def test_a_successful_call_returns_the_response() -> None:
    assert call(answer(200, {"totalResults": 0})).json() == {"totalResults": 0}


def test_429_with_retry_after_in_seconds_is_retryable_after_that_many_seconds() -> None:
    with pytest.raises(Retryable) as error:
        call(answer(429, {"detail": "slow down"}, **{"Retry-After": "30"}))

    assert error.value.retry_after == 30
    assert "HTTP 429" in str(error.value)


def test_429_with_retry_after_as_an_http_date_waits_until_that_date() -> None:
    later = "Fri, 14 Mar 2025 12:02:00 GMT"

    with pytest.raises(Retryable) as error:
        call(answer(429, None, **{"Retry-After": later}))

    assert error.value.retry_after == 120


def test_a_retry_after_date_in_the_past_means_no_wait_and_garbage_means_unknown() -> None:
    assert retry_after_seconds("Fri, 14 Mar 2025 11:00:00 GMT", NOW) == 0
    assert retry_after_seconds("soon", NOW) is None
    assert retry_after_seconds(None, NOW) is None


def test_503_is_retryable() -> None:
    with pytest.raises(Retryable) as error:
        call(answer(503, {"detail": "maintenance"}))

    assert error.value.retry_after is None
    assert "maintenance" in str(error.value)


def test_412_from_a_stale_etag_is_retryable_so_the_write_is_redone_on_fresh_data() -> None:
    with pytest.raises(Retryable, match="HTTP 412"):
        call(answer(412, {"detail": "Resource has changed on the server"}), "PATCH")


def test_a_connect_error_is_retryable() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    with pytest.raises(Retryable, match="Figma: could not reach the SCIM service"):
        call(refuse)


def test_a_timeout_is_retryable() -> None:
    def hang(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    with pytest.raises(Retryable, match="timed out"):
        call(hang)


def test_401_is_rejected_naming_the_app_and_the_variable_but_not_the_token() -> None:
    with pytest.raises(Rejected) as error:
        call(answer(401, {"detail": f"bad token {TOKEN}"}))

    assert str(error.value) == (
        "Figma: the SCIM service refused the token in FIGMA_SCIM_TOKEN (HTTP 401); "
        "check that it is valid and not expired"
    )
    assert not isinstance(error.value, Retryable)


def test_403_is_rejected_with_a_hint_about_permissions() -> None:
    with pytest.raises(Rejected, match=r"FIGMA_SCIM_TOKEN \(HTTP 403\); check that it is allowed"):
        call(answer(403))


def test_400_with_a_scim_detail_is_rejected_carrying_the_vendors_message() -> None:
    body = {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
        "status": "400",
        "scimType": "invalidValue",
        "detail": "Field 'userName' is required",
    }

    with pytest.raises(HttpRejected) as error:
        call(answer(400, body), "POST")

    assert error.value.status == 400
    assert error.value.detail == "Field 'userName' is required (invalidValue)"
    assert str(error.value) == (
        "Figma: the SCIM service refused POST /v2/Users (HTTP 400): "
        "Field 'userName' is required (invalidValue)"
    )


def test_a_vendor_message_that_echoes_the_token_is_redacted() -> None:
    with pytest.raises(Rejected) as error:
        call(answer(422, {"message": f"token {TOKEN} cannot do that"}))

    assert TOKEN not in str(error.value)
    assert "[redacted]" in str(error.value)


def test_a_plain_text_error_body_is_carried_as_it_is() -> None:
    def plain(request: httpx.Request) -> httpx.Response:
        return httpx.Response(404, text="no such tenant")

    with pytest.raises(Rejected, match="HTTP 404\\): no such tenant"):
        call(plain)


def test_assigning_a_tier_whose_group_the_service_lacks_is_rejected() -> None:
    seen: list[str] = []

    def scim(request: httpx.Request) -> httpx.Response:
        seen.append(f"{request.method} {request.url.path}")
        assert request.headers["Authorization"] == f"Bearer {TOKEN}"
        return httpx.Response(200, json={"totalResults": 0, "Resources": []})

    with httpx.Client(transport=httpx.MockTransport(scim)) as client:
        figma = ScimConnector("figma", "Figma", "https://scim.example.com/v2", TOKEN, client)
        with pytest.raises(Rejected, match="Figma: the SCIM service has no group named pro"):
            figma.assign(Assignee("ann@example.com"), "pro")

    assert seen == ["GET /v2/Groups"]


def test_scim_responses_are_read_whatever_the_case_of_their_attribute_names() -> None:
    user = {
        "ID": "u1",
        "USERNAME": "Ann@Example.com",
        "Active": True,
        "Roles": [{"Value": "pro", "Primary": True}],
    }

    def scim(request: httpx.Request) -> httpx.Response:
        assert request.headers["Accept"] == "application/scim+json"
        return httpx.Response(200, json={"TOTALRESULTS": 1, "resources": [user]})

    with httpx.Client(transport=httpx.MockTransport(scim)) as client:
        figma = ScimConnector(
            "figma", "Figma", "https://scim.example.com/v2", TOKEN, client, "roles"
        )
        seats = figma.list_seats()

    assert [(seat.email, seat.tier) for seat in seats] == [("ann@example.com", "pro")]


def test_a_success_that_is_not_json_is_rejected_with_a_hint_about_the_base_url() -> None:
    def html(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, text="<html>Sign in</html>")

    with httpx.Client(transport=httpx.MockTransport(html)) as client:
        figma = ScimConnector("figma", "Figma", "https://scim.example.com/v2", TOKEN, client)
        with pytest.raises(Rejected, match="something other than JSON; check its base URL"):
            figma.revoke(Assignee("ann@example.com"))


# Form bodies, the status and headers every error carries, and the vendor hooks


def test_a_form_body_is_sent_url_encoded() -> None:
    seen: list[httpx.Request] = []

    def token(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"access_token": "t"})

    call(token, "POST", "/token", data={"grant_type": "client_credentials", "scope": "a b"})

    assert seen[0].headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert parse_qs(seen[0].content.decode()) == {
        "grant_type": ["client_credentials"],
        "scope": ["a b"],
    }


@pytest.mark.parametrize("field", ["client_secret", "assertion"])
def test_a_secret_sent_as_a_form_field_is_redacted_from_the_vendors_message(field: str) -> None:
    secret = "form-secret-0123456789"
    echo = answer(400, {"error": "invalid_request", "error_description": f"bad {secret}"})

    with pytest.raises(HttpRejected) as error:
        call(echo, "POST", "/token", data={field: secret, "client_id": "figma-app"})

    assert secret not in str(error.value) and secret not in error.value.detail
    assert "bad [redacted]" in str(error.value)


@pytest.mark.parametrize(
    ("status", "raised"),
    [(401, Rejected), (403, Rejected), (404, HttpRejected), (429, Retryable), (503, Retryable)],
)
def test_every_error_carries_the_http_status_and_the_answers_headers(
    status: int, raised: type[ConnectorError]
) -> None:
    with pytest.raises(raised) as error:
        call(answer(status, {"detail": "no"}, **{"X-Request-Id": "r-42"}))

    assert error.value.status == status  # type: ignore[attr-defined]
    assert error.value.headers["x-request-id"] == "r-42"  # type: ignore[attr-defined]
    assert status_of(error.value) == status


def test_a_transport_error_carries_no_status_and_no_headers() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    with pytest.raises(Retryable) as error:
        call(refuse)

    assert error.value.status is None  # type: ignore[attr-defined]
    assert dict(error.value.headers) == {}  # type: ignore[attr-defined]
    assert status_of(error.value) is None


def test_an_error_that_did_not_come_from_send_has_no_status() -> None:
    assert status_of(Rejected("Figma: not JSON")) is None


@pytest.mark.parametrize(
    "error",
    [ConnectorError("x"), Retryable("x", 5), Rejected("x"), UnknownUser("x"), NotSupported("x")],
)
def test_every_connector_error_has_a_status_and_headers_which_no_answer_leaves_empty(
    error: ConnectorError,
) -> None:
    assert error.status is None
    assert dict(error.headers) == {}


def test_a_retryable_error_keeps_its_wait_beside_the_answers_status() -> None:
    error = Retryable("Figma: busy", 30, status=503, headers={"Retry-After": "30"})

    assert (error.retry_after, error.status, error.headers) == (30, 503, {"Retry-After": "30"})


def reset_in_header(response: httpx.Response) -> float | None:
    """A rate-limit hook: seconds until ``X-Reset`` (epoch seconds), if the answer has it."""
    reset = response.headers.get("X-Reset")
    return float(reset) - NOW.timestamp() if reset else None


def test_a_rate_limit_hook_makes_even_a_403_retryable_after_the_vendors_reset() -> None:
    reset = str(int(NOW.timestamp()) + 90)
    limited = answer(403, {"message": "API rate limit exceeded"}, **{"X-Reset": reset})

    with pytest.raises(Retryable) as error:
        call(limited, retry_after=reset_in_header)

    assert error.value.retry_after == 90
    assert status_of(error.value) == 403
    assert str(error.value) == (
        "Figma: the SCIM service rate limit reached on GET /v2/Users (HTTP 403): "
        "API rate limit exceeded"
    )


def test_the_rate_limit_hook_wins_over_retry_after_when_it_answers() -> None:
    reset = str(int(NOW.timestamp()) + 90)

    with pytest.raises(Retryable) as error:
        call(
            answer(429, None, **{"X-Reset": reset, "Retry-After": "5"}), retry_after=reset_in_header
        )

    assert error.value.retry_after == 90


def test_a_rate_limit_hook_that_answers_none_leaves_the_usual_mapping() -> None:
    with pytest.raises(Retryable) as throttled:
        call(answer(429, None, **{"Retry-After": "5"}), retry_after=reset_in_header)
    with pytest.raises(Rejected) as refused:
        call(answer(403), retry_after=reset_in_header)

    assert throttled.value.retry_after == 5
    assert "could not serve" in str(throttled.value)
    assert "check that it is allowed" in str(refused.value)
    assert not isinstance(refused.value, Retryable)


def test_the_hooks_are_not_asked_about_a_success() -> None:
    def never(*args: object) -> None:
        raise AssertionError("a hook was called on a success")

    assert call(answer(200, {"ok": True}), retry_after=never, refused=never).json() == {"ok": True}


def test_a_refusal_hook_words_the_refusal_from_the_redacted_detail_and_send_adds_the_status() -> (
    None
):
    told: list[str] = []

    def unknown(response: httpx.Response, detail: str) -> ConnectorError | None:
        told.append(detail)
        return UnknownUser(f"Figma has no such user ({detail})")

    gone = answer(404, {"detail": f"no user for {TOKEN}"}, **{"X-Request-Id": "r-7"})
    with pytest.raises(UnknownUser) as error:
        call(gone, refused=unknown)

    assert told == ["no user for [redacted]"]
    assert str(error.value) == "Figma has no such user (no user for [redacted])"
    assert status_of(error.value) == 404
    assert error.value.headers["x-request-id"] == "r-7"  # type: ignore[attr-defined]


def test_a_refusal_hook_that_answers_none_keeps_the_usual_words_and_is_not_asked_to_retry() -> None:
    asked: list[int] = []

    def nothing(response: httpx.Response, detail: str) -> ConnectorError | None:
        asked.append(response.status_code)
        return None

    with pytest.raises(Rejected, match=r"FIGMA_SCIM_TOKEN \(HTTP 401\); check that it is valid"):
        call(answer(401), refused=nothing)
    with pytest.raises(Retryable):
        call(answer(503), refused=nothing)

    assert asked == [401]


def test_oktas_error_summary_and_code_are_the_vendors_message() -> None:
    body = {
        "errorCode": "E0000007",
        "errorSummary": "Not found: Resource not found: ann@example.com (User)",
        "errorLink": "E0000007",
        "errorId": "oae1",
        "errorCauses": [],
    }

    with pytest.raises(HttpRejected) as error:
        call(answer(404, body))

    assert error.value.detail == "Not found: Resource not found: ann@example.com (User) (E0000007)"
