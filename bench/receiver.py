"""A customer's webhook receiver for the webhook benchmark.

`python -m bench.receiver --port P --delay SECONDS` answers `POST /hooks` with 204 after
`--delay`, noting when each event arrived (before the delay); `GET /arrivals` returns
`{call_id or webhook-id: unix seconds}`.
"""

import argparse
import asyncio
import time

import orjson
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route


def app(delay: float) -> Starlette:
    arrivals: dict[str, float] = {}

    async def hook(request: Request) -> Response:
        arrived = time.time()
        body = orjson.loads(await request.body())
        arrivals[str(body.get("call_id") or request.headers.get("webhook-id"))] = arrived
        await asyncio.sleep(delay)
        return Response(status_code=204)

    async def listed(_request: Request) -> Response:
        return Response(orjson.dumps(arrivals), media_type="application/json")

    async def healthz(_request: Request) -> Response:
        return Response(b'{"ok":true}', media_type="application/json")

    return Starlette(
        routes=[
            Route("/hooks", hook, methods=["POST"]),
            Route("/arrivals", listed),
            Route("/healthz", healthz),
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.receiver", description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--delay", type=float, default=0.2)
    args = parser.parse_args()
    uvicorn.run(app(args.delay), host="127.0.0.1", port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
