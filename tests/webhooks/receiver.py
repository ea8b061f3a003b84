"""A customer's webhook receiver: a real HTTP server on 127.0.0.1, in a thread of its own. It
keeps every request and answers from a script of responses (the last one repeats)."""

import asyncio
from dataclasses import dataclass, field

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tests.threaded_server import ThreadedServer


@dataclass(frozen=True)
class Answer:
    status: int = 200
    body: bytes = b"ok"
    delay: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Received:
    headers: dict[str, str]
    body: bytes


class Receiver(ThreadedServer):
    def __init__(self, *answers: Answer) -> None:
        self.answers = list(answers) or [Answer()]
        self.received: list[Received] = []
        super().__init__()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks"

    async def _hook(self, request: Request) -> Response:
        self.received.append(Received(dict(request.headers), await request.body()))
        answer = self.answers[min(len(self.received), len(self.answers)) - 1]
        if answer.delay:
            await asyncio.sleep(answer.delay)
        return Response(answer.body, answer.status, answer.headers)

    def start(self, port: int | None = None) -> "Receiver":
        """Listen on `port`, or a free one."""
        self.serve(Starlette(routes=[Route("/hooks", self._hook, methods=["POST"])]), port)
        return self
