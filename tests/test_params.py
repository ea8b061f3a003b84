"""One query-parameter rule for every /api/v1 route (`humanadd.params`): the documented forms
only, one wording of errors, and no parameter given twice."""

import httpx
import pytest

from tests.conftest import MakeAccount
from tests.openapi_check import OpenApiChecker

INTEGER_PARAMETERS = [
    ("/api/v1/calls", "limit"),
    ("/api/v1/calls", "after"),
    ("/api/v1/calls", "before"),
    ("/api/v1/stats", "days"),
    ("/api/v1/kb/changes", "limit"),
    ("/api/v1/webhooks/deliveries", "limit"),
]
NOT_DIGITS = ["10.0", "%2B5", "%205", "5%20", "1e1", "0x5", "1_0", "%D9%A5", ""]


@pytest.mark.parametrize(("path", "name"), INTEGER_PARAMETERS)
@pytest.mark.parametrize("value", NOT_DIGITS)
async def test_an_integer_not_written_in_digits_is_400_on_every_route(
    client: httpx.AsyncClient,
    make_account: MakeAccount,
    openapi: OpenApiChecker,
    path: str,
    name: str,
    value: str,
) -> None:
    account = await make_account()
    response = await client.get(f"{path}?{name}={value}", headers=account.headers)
    openapi.check(response)
    assert (response.status_code, response.json()) == (
        400,
        {
            "ok": False,
            "error": "invalid_request",
            "message": f"Invalid query parameter '{name}': "
            "Input should be an integer written in digits.",
        },
    )


@pytest.mark.parametrize(
    ("path", "name", "low", "high"),
    [
        ("/api/v1/calls", "limit", 1, 200),
        ("/api/v1/stats", "days", 1, 365),
        ("/api/v1/kb/changes", "limit", 1, 100),
        ("/api/v1/webhooks/deliveries", "limit", 1, 200),
    ],
)
async def test_an_integer_outside_its_range_is_400_worded_alike(
    client: httpx.AsyncClient, make_account: MakeAccount, path: str, name: str, low: int, high: int
) -> None:
    account = await make_account()
    low_response = await client.get(f"{path}?{name}={low - 1}", headers=account.headers)
    high_response = await client.get(f"{path}?{name}={high + 1}", headers=account.headers)
    assert low_response.json()["message"] == (
        f"Invalid query parameter '{name}': Input should be greater than or equal to {low}."
    )
    assert high_response.json()["message"] == (
        f"Invalid query parameter '{name}': Input should be less than or equal to {high}."
    )


@pytest.mark.parametrize(
    "query",
    [
        "limit=5&limit=6",
        "limit=5&limit=5",
        "direction=inbound&direction=outbound",
        "booked=true&limit=1&booked=true",
        "cursor=a&cursor=b",
    ],
)
async def test_a_parameter_given_twice_is_400_naming_it(
    client: httpx.AsyncClient, make_account: MakeAccount, openapi: OpenApiChecker, query: str
) -> None:
    """`limit=5&limit=6` used to be read as 6."""
    account = await make_account()
    name = query.split("=")[0]
    response = await client.get(f"/api/v1/calls?{query}", headers=account.headers)
    openapi.check(response)
    assert (response.status_code, response.json()["message"]) == (
        400,
        f"The query parameter '{name}' was sent more than once: send it once.",
    )


@pytest.mark.parametrize(
    "path", ["/api/v1/stats", "/api/v1/kb/changes", "/api/v1/webhooks/deliveries"]
)
async def test_every_route_refuses_a_repeated_parameter(
    client: httpx.AsyncClient, make_account: MakeAccount, path: str
) -> None:
    account = await make_account()
    name = "days" if path.endswith("stats") else "limit"
    response = await client.get(f"{path}?{name}=5&{name}=6", headers=account.headers)
    assert (response.status_code, response.json()["message"]) == (
        400,
        f"The query parameter '{name}' was sent more than once: send it once.",
    )


@pytest.mark.parametrize("value", ["yes", "no", "1", "0", "off", "on", "True", "FALSE", ""])
async def test_booked_is_true_or_false_and_nothing_else(
    client: httpx.AsyncClient, make_account: MakeAccount, openapi: OpenApiChecker, value: str
) -> None:
    account = await make_account()
    response = await client.get(f"/api/v1/calls?booked={value}", headers=account.headers)
    openapi.check(response)
    assert (response.status_code, response.json()["message"]) == (
        400,
        "Invalid query parameter 'booked': Input should be true or false.",
    )


async def test_the_documented_forms_are_accepted(
    client: httpx.AsyncClient, make_account: MakeAccount
) -> None:
    account = await make_account()
    for query in ("booked=true", "booked=false", "limit=200", "limit=007", "after=0"):
        response = await client.get(f"/api/v1/calls?{query}", headers=account.headers)
        assert response.status_code == 200, (query, response.text)
    response = await client.get("/api/v1/kb/changes?limit=100", headers=account.headers)
    assert response.status_code == 200
    response = await client.get(
        "/api/v1/webhooks/deliveries?limit=200&status=failed", headers=account.headers
    )
    assert response.status_code == 404  # the query is fine; there is no webhook yet
