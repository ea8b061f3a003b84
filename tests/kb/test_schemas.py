"""The OpenAPI schema of `POST /kb`'s answer requires every field the service always sends."""

import httpx
import jsonschema
import pytest

from tests.openapi_check import OpenApiChecker

KB = "http://testserver/api/v1/kb"
QUEUED = {"ok": True, "queued": True, "change_id": "kbc_4fT9qLx2ZbN8wR1mK7pA"}


def test_kb_change_queued_requires_ok_queued_and_change_id(openapi: OpenApiChecker) -> None:
    schema = openapi.document["components"]["schemas"]["KbChangeQueued"]

    assert schema["required"] == ["ok", "queued", "change_id"]
    assert schema["properties"]["ok"]["const"] is True
    assert schema["properties"]["queued"]["const"] is True


@pytest.mark.parametrize("missing", ["ok", "queued", "change_id"])
def test_an_answer_without_a_field_fails_the_openapi_check(
    openapi: OpenApiChecker, missing: str
) -> None:
    body = {name: value for name, value in QUEUED.items() if name != missing}
    response = httpx.Response(200, json=body, request=httpx.Request("POST", KB))

    with pytest.raises(jsonschema.ValidationError, match=f"'{missing}' is a required property"):
        openapi.check(response)


def test_the_full_answer_passes_the_openapi_check(openapi: OpenApiChecker) -> None:
    openapi.check(httpx.Response(200, json=QUEUED, request=httpx.Request("POST", KB)))
