"""A recording store for the proxy benchmark: one large WAV-sized body, Range honoured.

`python -m bench.upstream --port P --size BYTES` serves `GET /recording.wav`. The body is made
once in memory, so the store itself costs as little as uvicorn allows, alike for the direct
download and the proxied one.
"""

import argparse

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route


def app(size: int) -> Starlette:
    body = bytes(range(256)) * (size // 256) + bytes(size % 256)

    async def recording(request: Request) -> Response:
        start, end, status = 0, size - 1, 200
        ranged = request.headers.get("range", "")
        if ranged.startswith("bytes="):
            first, _, last = ranged.removeprefix("bytes=").partition("-")
            start = int(first or 0)
            end = min(int(last), size - 1) if last else size - 1
            status = 206
        headers = {"accept-ranges": "bytes"}
        if status == 206:
            headers["content-range"] = f"bytes {start}-{end}/{size}"
        return Response(body[start : end + 1], status, headers, media_type="audio/wav")

    async def healthz(_request: Request) -> Response:
        return Response(b'{"ok":true}', media_type="application/json")

    return Starlette(
        routes=[Route("/recording.wav", recording), Route("/healthz", healthz)],
    )


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.upstream", description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--size", type=int, required=True)
    args = parser.parse_args()
    uvicorn.run(app(args.size), host="127.0.0.1", port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
