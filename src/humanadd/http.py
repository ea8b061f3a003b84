"""JSON rendering shared by responses built outside FastAPI's response models."""

from typing import Any

import orjson
from starlette.responses import JSONResponse


def json_bytes(content: Any) -> bytes:
    return orjson.dumps(content)


class JsonResponse(JSONResponse):
    """A JSON response rendered with orjson."""

    def render(self, content: Any) -> bytes:
        return json_bytes(content)
