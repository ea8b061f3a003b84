"""Retell's knowledge-base and LLM endpoints, as `FakeRetell` serves them.

From Retell's API reference: `POST /create-knowledge-base` and
`POST /add-knowledge-base-sources/{id}` (multipart forms; `knowledge_base_texts` is a JSON list
of `{"title", "text"}`), `GET /get-knowledge-base/{id}`, `GET /list-knowledge-bases`,
`DELETE /delete-knowledge-base/{id}`, `DELETE /delete-knowledge-base-source/{id}/source/{id}`,
`GET /get-retell-llm/{id}` and `PATCH /update-retell-llm/{id}`. A knowledge base is processed
after each change: its status is `in_progress` (new) or `refreshing_in_progress` for the next
`processing_polls` reads, and a new one lists no sources until then, as Retell's does.
"""

import asyncio
import email.parser
import email.policy
import itertools
import threading
from collections.abc import Callable
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

Authorized = Callable[[Request], bool]


async def _form(request: Request) -> dict[str, str]:
    """The fields of a multipart/form-data body, parsed as MIME."""
    head = f"Content-Type: {request.headers['content-type']}\r\n\r\n".encode()
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        head + await request.body()
    )
    fields = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True)
        fields[str(name)] = payload.decode() if isinstance(payload, bytes) else ""
    return fields


class FakeKnowledgeBases:
    def __init__(self, authorized: Authorized) -> None:
        self._authorized = authorized
        self.bases: dict[str, dict[str, Any]] = {}
        self.llms: dict[str, dict[str, Any]] = {}
        self.requests: list[tuple[str, Any]] = []
        """(endpoint, detail) of every knowledge-base request, in order."""
        self.processing_polls = 1
        self.processing_fails = False
        """Processing ends in status `error` instead of `complete`."""
        self.failures: list[tuple[str, int]] = []
        """(endpoint, status): the next request to that endpoint fails with that status."""
        self.hang_on: str | None = None
        """Requests to this endpoint wait until it is set to something else."""
        self.arrived = threading.Event()
        """Set when a request reaches `hang_on`'s endpoint."""
        self._ids = itertools.count(1)

    # -- what a test sets up and looks at ------------------------------------------------------

    def add_llm(self, llm_id: str, knowledge_base_ids: list[str] | None = None) -> None:
        self.llms[llm_id] = {
            "llm_id": llm_id,
            "version": 0,
            "knowledge_base_ids": list(knowledge_base_ids or []),
        }

    def named(self, name: str) -> list[dict[str, Any]]:
        return [base for base in self.bases.values() if base["knowledge_base_name"] == name]

    def texts(self, name: str) -> list[tuple[str, str]]:
        """(title, text) of the text sources of the only knowledge base called `name`."""
        [base] = self.named(name)
        return [
            (source["title"], source["text"])
            for source in base["sources"]
            if source["type"] == "text"
        ]

    # -- the endpoints ---------------------------------------------------------------------------

    async def _enter(self, request: Request, endpoint: str, detail: Any = None) -> Response | None:
        """Log the request; an error answer when it must fail."""
        self.requests.append((endpoint, detail))
        if endpoint == self.hang_on:
            self.arrived.set()
            while self.hang_on == endpoint:
                await asyncio.sleep(0.02)
        if not self._authorized(request):
            return JSONResponse({"error_message": "Unauthorized"}, 401)
        for failure in self.failures:
            if failure[0] == endpoint:
                self.failures.remove(failure)
                return JSONResponse({"error_message": f"{endpoint} failed"}, failure[1])
        return None

    def _shown(self, base: dict[str, Any]) -> dict[str, Any]:
        status = base["status"]
        if status not in ("complete", "error"):  # an error is for good, as Retell's is
            if base["polls_left"] <= 0:
                base["status"] = status = "error" if self.processing_fails else "complete"
            base["polls_left"] -= 1
        shown = {
            "knowledge_base_id": base["knowledge_base_id"],
            "knowledge_base_name": base["knowledge_base_name"],
            "status": status,
            "enable_auto_refresh": False,
        }
        if status != "in_progress":
            shown["knowledge_base_sources"] = [
                {key: value for key, value in source.items() if key != "text"}
                for source in base["sources"]
            ]
        return shown

    def _processing(self, base: dict[str, Any], status: str) -> None:
        base["status"], base["polls_left"] = status, self.processing_polls

    def _add_texts(self, base: dict[str, Any], texts: list[dict[str, str]]) -> None:
        for text in texts:
            source_id = f"source_{next(self._ids)}"
            base["sources"].append(
                {
                    "type": "text",
                    "source_id": source_id,
                    "title": text["title"],
                    "content_url": f"https://storage.example/{source_id}.txt",
                    "text": text["text"],
                }
            )

    def _base(self, request: Request) -> dict[str, Any] | None:
        return self.bases.get(request.path_params["knowledge_base_id"])

    async def _create(self, request: Request) -> Response:
        form = await _form(request)
        texts = orjson.loads(form.get("knowledge_base_texts", "[]"))
        refused = await self._enter(request, "create", [text["title"] for text in texts])
        if refused:
            return refused
        name = form["knowledge_base_name"]
        if len(name) >= 40:
            return JSONResponse({"error_message": "name must be less than 40 characters"}, 400)
        base_id = f"knowledge_base_{next(self._ids)}"
        base = {"knowledge_base_id": base_id, "knowledge_base_name": name, "sources": []}
        self._add_texts(base, texts)
        self._processing(base, "in_progress")
        self.bases[base_id] = base
        return JSONResponse(self._shown(base), 201)

    async def _get(self, request: Request) -> Response:
        refused = await self._enter(request, "get")
        if refused:
            return refused
        base = self._base(request)
        if base is None:
            return JSONResponse({"error_message": "Not found"}, 404)
        return JSONResponse(self._shown(base))

    async def _list(self, request: Request) -> Response:
        refused = await self._enter(request, "list")
        return refused or JSONResponse([self._shown(base) for base in self.bases.values()])

    async def _delete(self, request: Request) -> Response:
        refused = await self._enter(request, "delete", request.path_params["knowledge_base_id"])
        if refused:
            return refused
        if self.bases.pop(request.path_params["knowledge_base_id"], None) is None:
            return JSONResponse({"error_message": "Not found"}, 404)
        return Response(status_code=204)

    async def _add_sources(self, request: Request) -> Response:
        form = await _form(request)
        texts = orjson.loads(form.get("knowledge_base_texts", "[]"))
        refused = await self._enter(request, "add-sources", [text["title"] for text in texts])
        if refused:
            return refused
        base = self._base(request)
        if base is None:
            return JSONResponse({"error_message": "Not found"}, 404)
        self._add_texts(base, texts)
        self._processing(base, "refreshing_in_progress")
        return JSONResponse(self._shown(base), 201)

    async def _delete_source(self, request: Request) -> Response:
        source_id = request.path_params["source_id"]
        refused = await self._enter(request, "delete-source", source_id)
        if refused:
            return refused
        base = self._base(request)
        if base is None or not any(s["source_id"] == source_id for s in base["sources"]):
            return JSONResponse({"error_message": "Not found"}, 404)
        base["sources"] = [s for s in base["sources"] if s["source_id"] != source_id]
        self._processing(base, "refreshing_in_progress")
        return JSONResponse(self._shown(base))

    async def _get_llm(self, request: Request) -> Response:
        refused = await self._enter(request, "get-llm")
        if refused:
            return refused
        llm = self.llms.get(request.path_params["llm_id"])
        return JSONResponse(llm) if llm else JSONResponse({"error_message": "Not found"}, 404)

    async def _update_llm(self, request: Request) -> Response:
        body = orjson.loads(await request.body())
        refused = await self._enter(request, "update-llm", body)
        if refused:
            return refused
        llm = self.llms.get(request.path_params["llm_id"])
        if llm is None:
            return JSONResponse({"error_message": "Not found"}, 404)
        llm.update(body)
        return JSONResponse(llm)

    def routes(self) -> list[Route]:
        base = "{knowledge_base_id}"
        return [
            Route("/create-knowledge-base", self._create, methods=["POST"]),
            Route(f"/get-knowledge-base/{base}", self._get),
            Route("/list-knowledge-bases", self._list),
            Route(f"/delete-knowledge-base/{base}", self._delete, methods=["DELETE"]),
            Route(f"/add-knowledge-base-sources/{base}", self._add_sources, methods=["POST"]),
            Route(
                f"/delete-knowledge-base-source/{base}/source/{{source_id}}",
                self._delete_source,
                methods=["DELETE"],
            ),
            Route("/get-retell-llm/{llm_id}", self._get_llm),
            Route("/update-retell-llm/{llm_id}", self._update_llm, methods=["PATCH"]),
        ]
