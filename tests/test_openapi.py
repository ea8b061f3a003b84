"""The OpenAPI document: served, 3.1, every error status documented with the envelope."""

import json
import re
from typing import Any

import httpx
import pytest

from humanadd.app import create_app
from humanadd.config import Settings
from tests.openapi_check import OpenApiChecker

ERROR_REF = {"$ref": "#/components/schemas/ErrorBody"}
AUTHENTICATED = {"400", "401", "403", "429", "500"}
PROBES = {"/healthz", "/readyz"}


@pytest.fixture
async def document(client: httpx.AsyncClient) -> dict[str, object]:
    response = await client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.headers["x-request-id"].startswith("req_")
    result: dict[str, object] = response.json()
    return result


def operations(document: dict[str, object]) -> list[tuple[str, str, dict[str, object]]]:
    paths = document["paths"]
    assert isinstance(paths, dict)
    return [
        (path, method, operation)
        for path, item in paths.items()
        for method, operation in item.items()
    ]


async def test_document_is_served_as_openapi_3_1_without_a_key(
    document: dict[str, object], openapi: OpenApiChecker
) -> None:
    assert str(document["openapi"]).startswith("3.1.")
    assert document["info"]["title"] == "humanadd API"  # type: ignore[index]
    assert document == openapi.document
    assert {path for path, _, _ in operations(document)} >= {
        "/api/v1/calls",
        "/api/v1/calls/{call_id}",
        "/api/v1/calls/{call_id}/recording",
        "/api/v1/questions",
    }
    assert {path for path, _, _ in operations(document) if not path.startswith("/api/v1/")} == {
        "/healthz",
        "/readyz",
    }


async def test_every_operation_documents_its_errors_with_the_envelope(
    document: dict[str, object],
) -> None:
    for path, method, operation in operations(document):
        responses = operation["responses"]
        assert isinstance(responses, dict)
        assert "405" in responses, (method, path)
        if path in PROBES:
            continue
        assert set(responses) >= AUTHENTICATED, (method, path)
        if "{call_id}" in path:
            assert "404" in responses, path
        for status, response in responses.items():
            if int(status) >= 400:
                schema = response["content"]["application/json"]["schema"]
                assert schema == ERROR_REF, (method, path, status)
                assert response["description"], (method, path, status)
        assert operation.get("description") or operation.get("summary"), (method, path)
    recording = document["paths"]["/api/v1/calls/{call_id}/recording"]["get"]  # type: ignore[index]
    assert set(recording["responses"]) >= {"200", "206", "404", "416"}
    assert list(recording["responses"]["200"]["content"]) == ["audio/wav"]
    assert list(recording["responses"]["206"]["content"]) == ["audio/wav"]


def resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        name = schema["$ref"].removeprefix("#/components/schemas/")
        schema = document["components"]["schemas"][name]
    return schema


async def test_every_operation_is_secured_by_the_bearer_key(document: dict[str, Any]) -> None:
    """So that /docs offers "Authorize" and sends `Authorization: Bearer …` with each try."""
    assert document["components"]["securitySchemes"] == {
        "ApiKey": {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "hak_ + 32 base62 characters + a 6-character checksum",
            "description": "Your API key, sent as `Authorization: Bearer hak_…`.",
        }
    }
    for path, method, operation in operations(document):
        if path in PROBES:
            assert "security" not in operation
        else:
            assert operation["security"] == [{"ApiKey": []}], (method, path)
    assert "security" not in document  # nothing outside the API needs a key


# Fields a success body always has, beyond `ok`.
ALWAYS_SENT = {("post", "/api/v1/kb"): {"queued", "change_id"}}


async def test_every_success_body_schema_requires_ok(document: dict[str, Any]) -> None:
    """Bodies always carry `ok` (and the kb answer `queued` and `change_id`), so the schema
    must say they are required: a client generated from it would otherwise treat them as
    optional."""
    checked = 0
    for path, method, operation in operations(document):
        for status, response in operation["responses"].items():
            content = response.get("content", {})
            if not status.startswith("2") or "application/json" not in content:
                continue
            schema = resolve(document, content["application/json"]["schema"])
            required = set(schema.get("required", []))
            expected = {"ok"} | ALWAYS_SENT.get((method, path), set())
            assert expected <= required, (method, path, status, required)
            assert schema["properties"]["ok"]["const"] is True, (method, path, status)
            checked += 1
    assert checked >= 4


async def test_no_422_anywhere(document: dict[str, object]) -> None:
    text = json.dumps(document)
    assert '"422"' not in text
    assert "HTTPValidationError" not in text
    assert "ValidationError" not in document["components"]["schemas"]  # type: ignore[index]


async def test_error_envelope_schema_requires_all_three_fields(
    document: dict[str, object],
) -> None:
    schema = document["components"]["schemas"]["ErrorBody"]  # type: ignore[index]
    assert schema["required"] == ["ok", "error", "message"]
    assert schema["properties"]["ok"]["const"] is False
    for name in ("CallList", "CallDetailResponse"):
        assert "ok" in document["components"]["schemas"][name]["required"]  # type: ignore[index]


async def test_list_parameters_are_documented(document: dict[str, object]) -> None:
    operation = document["paths"]["/api/v1/calls"]["get"]  # type: ignore[index]
    parameters = {parameter["name"]: parameter for parameter in operation["parameters"]}
    assert set(parameters) == {
        "limit",
        "after",
        "before",
        "cursor",
        "direction",
        "status",
        "sentiment",
        "booked",
        "tag",
        "topic",
    }
    limit = parameters["limit"]["schema"]
    assert (limit["minimum"], limit["maximum"], limit["default"]) == (1, 200, 50)
    sentiment = json.dumps(parameters["sentiment"]["schema"])
    assert all(value in sentiment for value in ("positive", "neutral", "negative", "unknown"))
    for name in ("after", "before"):
        integer, null = parameters[name]["schema"]["anyOf"]
        assert integer == {"type": "integer", "minimum": 0, "maximum": 253_402_300_799_999}
        assert null == {"type": "null"}
    tag, null = parameters["tag"]["schema"]["anyOf"]
    assert tag == {"type": "string", "maxLength": 64}
    topic, null = parameters["topic"]["schema"]["anyOf"]
    assert topic == {"type": "string", "pattern": "^tq_[0-9A-Za-z]{20}$"}


async def test_a_calls_detail_documents_its_questions(document: dict[str, object]) -> None:
    schemas = document["components"]["schemas"]  # type: ignore[index]
    detail = schemas["CallDetail"]
    assert "questions" in detail["required"]
    assert detail["properties"]["questions"]["items"] == {
        "$ref": "#/components/schemas/CallQuestion"
    }
    assert set(schemas["CallQuestion"]["required"]) == {"text", "topic_id", "topic"}
    assert "questions" not in schemas["CallSummary"]["properties"]


async def test_stats_days_documents_its_range(document: dict[str, object]) -> None:
    operation = document["paths"]["/api/v1/stats"]["get"]  # type: ignore[index]
    (days,) = operation["parameters"]
    assert days["name"] == "days"
    schema = days["schema"]
    assert (schema["type"], schema["minimum"], schema["maximum"], schema["default"]) == (
        "integer",
        1,
        365,
        30,
    )
    assert "ge" not in schema
    assert "le" not in schema


async def test_docs_page_is_html_pointing_at_the_document(client: httpx.AsyncClient) -> None:
    response = await client.get("/docs")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "url: '/api/v1/openapi.json'" in response.text
    assert response.headers["x-request-id"].startswith("req_")


async def test_docs_work_offline_with_assets_served_locally(client: httpx.AsyncClient) -> None:
    """No CDN: every script, style and icon of the page is ours, and each one answers."""
    html = (await client.get("/docs")).text
    assert "http://" not in html
    assert "https://" not in html
    assert '"validatorUrl": null' in html  # no badge fetched from the public validator
    assets = re.findall(r'(?:src|href)="([^"]*)"', html)
    assert len(assets) == 3
    expected_types = {".js": "text/javascript", ".css": "text/css", ".png": "image/png"}
    for url in assets:
        assert url.startswith("/docs/assets/"), url
        response = await client.get(url)
        assert response.status_code == 200, url
        suffix = url[url.rindex(".") :]
        assert response.headers["content-type"].startswith(expected_types[suffix]), url
        assert len(response.content) > 1000, url
    # Swagger UI 5 or later: version 4 cannot render an OpenAPI 3.1 document.
    script = (await client.get("/docs/assets/swagger-ui-bundle.js")).text
    assert "openapi: 3.1.x" in script


async def test_unknown_docs_asset_is_the_404_envelope(client: httpx.AsyncClient) -> None:
    response = await client.get("/docs/assets/nope.js")
    assert response.status_code == 404
    assert response.json() == {"ok": False, "error": "not_found", "message": "No such route."}


async def test_every_answer_declares_the_headers_the_service_adds(
    document: dict[str, Any],
) -> None:
    headers = document["components"]["headers"]
    assert set(headers) == {
        "X-Request-Id",
        "X-RateLimit-Limit",
        "X-RateLimit-Remaining",
        "X-RateLimit-Reset",
        "RateLimit-Policy",
        "RateLimit",
        "Retry-After",
        "WWW-Authenticate",
        "Allow",
    }
    assert all(header["description"] and header["schema"] for header in headers.values())
    rate_limit = {"X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset", "RateLimit"}
    for path, method, operation in operations(document):
        for status, response in operation["responses"].items():
            declared = set(response["headers"])
            assert "X-Request-Id" in declared, (method, path, status)
            if path not in PROBES and status != "401":
                assert rate_limit | {"RateLimit-Policy"} <= declared, (method, path, status)
            expected = {"401": "WWW-Authenticate", "405": "Allow", "429": "Retry-After"}
            if status in expected:
                assert expected[status] in declared, (method, path, status)
    recording = document["paths"]["/api/v1/calls/{call_id}/recording"]["get"]["responses"]
    assert {"Content-Range", "Accept-Ranges", "ETag"} <= set(recording["206"]["headers"])


async def test_every_parameter_is_described(document: dict[str, Any]) -> None:
    described = 0
    for path, method, operation in operations(document):
        for parameter in operation.get("parameters", []):
            assert parameter.get("description"), (method, path, parameter["name"])
            described += 1
    assert described >= 20


async def test_the_servers_entry_is_the_public_url(settings: Settings) -> None:
    document = create_app(settings.model_copy(update={"public_url": "https://api.example.com"}))
    assert document.openapi()["servers"] == [
        {"url": "https://api.example.com", "description": "This service."}
    ]


TIME_LIKE = re.compile(r"(_at|_time|^time|timestamp)$")
"""Property names that hold a time: `started_at`, `expires_at`, `attempted_at`, …"""


def properties(node: Any, where: str = "") -> list[tuple[str, dict[str, Any]]]:
    """Every (location, schema) of a named property anywhere in the document."""
    if isinstance(node, list):
        return [found for item in node for found in properties(item, where)]
    if not isinstance(node, dict):
        return []
    found = [
        (f"{where}.{name}", schema)
        for name, schema in node.get("properties", {}).items()
        if isinstance(schema, dict)
    ]
    return found + [
        item for key, value in node.items() for item in properties(value, f"{where}/{key}")
    ]


def alternatives(document: dict[str, Any], schema: dict[str, Any]) -> list[dict[str, Any]]:
    """The schemas a value may match: the branches of `anyOf`/`oneOf`, references followed."""
    schema = resolve(document, schema)
    branches = schema.get("anyOf") or schema.get("oneOf")
    if branches is None:
        return [schema]
    return [leaf for branch in branches for leaf in alternatives(document, branch)]


async def test_every_time_field_is_declared_a_date_time(document: dict[str, Any]) -> None:
    """A time typed as a plain string would let any format through the OpenAPI checker."""
    times = [
        (where, leaf)
        for where, schema in properties(document)
        if TIME_LIKE.search(where.rsplit(".", 1)[1])
        for leaf in alternatives(document, schema)
        if leaf.get("type") != "null"
    ]

    plain = [where for where, leaf in times if leaf.get("format") != "date-time"]
    assert plain == []
    assert {where.rsplit(".", 1)[1] for where, _ in times} >= {
        "started_at", "ended_at", "created_at", "decided_at", "pushed_at", "added_at",
        "expires_at", "attempted_at",
    }  # fmt: skip
    assert all(leaf["examples"] == ["2025-01-15T18:22:04.000Z"] for _, leaf in times)
