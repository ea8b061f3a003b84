"""Validates real responses against the app's own OpenAPI document."""

import re
from typing import Any

import httpx
import jsonschema
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012


class OpenApiChecker:
    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        resource = Resource(contents=document, specification=DRAFT202012)
        self._registry = Registry().with_resource("urn:openapi", resource)
        self._routes = [
            (re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", path) + "$"), path)
            for path in document["paths"]
        ]

    def _template(self, path: str) -> str:
        for pattern, template in self._routes:
            if pattern.match(path):
                return template
        raise AssertionError(f"{path} is not in the OpenAPI document")

    def check(self, response: httpx.Response) -> None:
        """Fail unless the response's status is documented and its JSON body fits the schema."""
        request = response.request
        template = self._template(request.url.path)
        operation = self.document["paths"][template][request.method.lower()]
        documented = operation["responses"]
        status = str(response.status_code)
        assert status in documented, f"{request.method} {template} does not document {status}"
        content = documented[status].get("content", {})
        media_type = response.headers.get("content-type", "").split(";")[0]
        assert media_type in content, f"{status} of {template} does not document {media_type}"
        schema = content[media_type].get("schema")
        if media_type == "application/json" and schema:
            validator = jsonschema.Draft202012Validator(
                _rebase(schema),
                registry=self._registry,
            )
            validator.validate(response.json())


def _rebase(schema: Any) -> Any:
    """Point the document's local `#/components/...` references at the registered resource."""
    if isinstance(schema, dict):
        return {
            key: (
                "urn:openapi" + value if key == "$ref" and value.startswith("#") else _rebase(value)
            )
            for key, value in schema.items()
        }
    if isinstance(schema, list):
        return [_rebase(item) for item in schema]
    return schema
