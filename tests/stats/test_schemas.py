"""The OpenAPI schema of `GET /stats`'s answer requires every field the service always sends."""

import httpx
import jsonschema
import pytest

from tests.openapi_check import OpenApiChecker

STATS = "http://testserver/api/v1/stats?days=30"
ANSWER = {
    "ok": True,
    "period_days": 30,
    "stats": {
        "totalCalls": 0,
        "avgDuration": "0:00",
        "answered": 0,
        "missed": 0,
        "inbound": 0,
        "outbound": 0,
        "sentimentDistribution": {"positive": 0, "neutral": 0, "negative": 0},
        "busiestDay": None,
        "peakHours": None,
        "topQuestions": [],
    },
}


def test_stats_response_requires_ok_period_days_and_stats(openapi: OpenApiChecker) -> None:
    schema = openapi.document["components"]["schemas"]["StatsResponse"]

    assert schema["required"] == ["ok", "period_days", "stats"]
    assert schema["properties"]["ok"]["const"] is True


@pytest.mark.parametrize("missing", ["ok", "period_days", "stats"])
def test_an_answer_without_a_field_fails_the_openapi_check(
    openapi: OpenApiChecker, missing: str
) -> None:
    body = {name: value for name, value in ANSWER.items() if name != missing}
    response = httpx.Response(200, json=body, request=httpx.Request("GET", STATS))

    with pytest.raises(jsonschema.ValidationError, match=f"'{missing}' is a required property"):
        openapi.check(response)


def test_the_full_answer_passes_the_openapi_check(openapi: OpenApiChecker) -> None:
    openapi.check(httpx.Response(200, json=ANSWER, request=httpx.Request("GET", STATS)))
