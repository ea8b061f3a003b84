"""The recording proxy: a provider's recording, streamed through to the client.

A provider-backed call stores the provider's recording URL as its `recording_ref` (an `https:`
reference, see `recordings`). Serving it:

- only hosts on the allowlist (`HUMANADD_RECORDING_HOSTS`) are ever fetched; a recording
  anywhere else is 500 `fetch_failed`, with a warning that names the host;
- the client's `Range` is forwarded and the upstream's 200/206 answer streamed through chunk
  by chunk, never held in memory, with its `Content-Length` and `Content-Range`;
- the upstream's `ETag` and `Last-Modified`, when it sends them, are the recording's: the
  client's `If-None-Match` and `If-Range` are forwarded, and checked again on the answer
  (`recordings`), for an upstream that ignores them; without validators upstream, the
  answer has none, and only `If-None-Match: *` matches;
- a URL the upstream refuses as expired or unknown (signed URLs last 24 h) is replaced: the
  call is fetched again from the provider for a fresh one, which is stored, and tried once (no
  fresh one: 500 `fetch_failed`, like any other upstream refusal);
- upstream errors, timeouts and refused connections before the answer starts are 500
  `fetch_failed`; a failure after it started aborts the response (the connection is closed
  before the body is complete), so a client never takes a truncated recording for a whole one;
- the upstream URL appears in no answer, header or log line: logs name the host only.
"""

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

import aiohttp
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from yarl import URL

from humanadd.accounts import service as accounts
from humanadd.calls import repository as calls
from humanadd.config import Settings
from humanadd.errors import FetchFailed, NotConfigured, RangeNotSatisfiable
from humanadd.providers.base import ProviderError
from humanadd.providers.registry import provider_for
from humanadd.recordings import (
    CallKey,
    Conditions,
    RecordingStream,
    Validators,
    not_modified,
    range_applies,
    unchanged,
)

logger = logging.getLogger(__name__)

CONNECT_TIMEOUT_SECONDS = 5.0
READ_TIMEOUT_SECONDS = 30.0
EXPIRED = frozenset({400, 401, 403, 404, 410})
"""What storage services answer for a signed URL that has expired (or never was valid)."""
PASSED_THROUGH = ("content-length", "content-range")
READ_BUFFER_BYTES = 1024 * 1024
"""How far the upstream may read ahead of the client, per recording being streamed."""

FreshUrl = Callable[[CallKey], Awaitable[str | None]]
"""Fetches the call again from its provider; its current recording URL (stored), if any."""


class RecordingInterrupted(Exception):
    """The upstream failed after the answer started: the response is aborted."""


@dataclass(frozen=True)
class HostAllowlist:
    """`host[:port]` entries; a bare host matches any port. Host names compare case-blind."""

    entries: frozenset[tuple[str, int | None]]

    @classmethod
    def parse(cls, text: str) -> "HostAllowlist":
        entries = set()
        for item in text.split(","):
            item = item.strip().lower()
            if not item:
                continue
            host, _, port = item.rpartition(":") if item.count(":") == 1 else (item, "", "")
            entries.add((host, int(port)) if port.isdigit() else (item, None))
        return cls(frozenset(entries))

    def allows(self, url: URL) -> bool:
        host = (url.host or "").lower()
        return (host, None) in self.entries or (host, url.port) in self.entries


class ProxySource:
    """A `RecordingSource` for `https:` and `http:` references.

    Its HTTP client is aiohttp's: passing a large recording through costs a few Python calls
    per network read, where httpx's costs many more (`bench.providers` measured the proxy at
    29 % of a direct download with httpx, over 70 % with aiohttp).
    """

    def __init__(self, allowlist: HostAllowlist, fresh_url: FreshUrl) -> None:
        self._allowlist = allowlist
        self._fresh_url = fresh_url
        self._http: aiohttp.ClientSession | None = None

    def _session(self) -> aiohttp.ClientSession:
        """Made on first use: a session belongs to the event loop that creates it."""
        if self._http is None:
            self._http = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(
                    sock_connect=CONNECT_TIMEOUT_SECONDS, sock_read=READ_TIMEOUT_SECONDS
                ),
                auto_decompress=False,
                read_bufsize=READ_BUFFER_BYTES,
            )
        return self._http

    async def close(self) -> None:
        if self._http is not None:
            await self._http.close()

    async def open(self, reference: str, conditions: Conditions, call: CallKey) -> RecordingStream:
        response = await self._get(reference, conditions)
        if response.status in EXPIRED:
            response.release()
            fresh = await self._fresh_url(call)
            if fresh is None:
                logger.warning(
                    "recording refused upstream, and the provider has no other URL for it",
                    extra={"host": response.url.host, "status": response.status},
                )
                raise FetchFailed()
            reference = fresh
            response = await self._get(reference, conditions)
        validators = _validators(response)
        if response.status == 304 or (
            response.status in (200, 206) and not_modified(conditions, validators)
        ):
            response.release()
            return unchanged(validators)
        if response.status == 206 and not range_applies(conditions, validators):
            # The upstream ignored If-Range: the part it sent may be of another version.
            response.release()
            response = await self._get(reference, Conditions())
            validators = _validators(response)
        if response.status == 416:
            response.release()
            content_range = response.headers.get("content-range")
            raise RangeNotSatisfiable(
                headers={"Content-Range": content_range} if content_range else None
            )
        if response.status not in (200, 206):
            response.release()
            logger.warning(
                "recording upstream refused",
                extra={"host": response.url.host, "status": response.status},
            )
            raise FetchFailed()
        headers = {"Accept-Ranges": "bytes", **validators.headers()}
        for name in PASSED_THROUGH:
            if name in response.headers:
                headers[name.title()] = response.headers[name]

        async def close() -> None:
            response.close()

        return RecordingStream(response.status, headers, self._body(response), close)

    async def _get(self, reference: str, conditions: Conditions) -> aiohttp.ClientResponse:
        try:
            url = URL(reference)
        except ValueError:
            url = URL()
        if url.scheme not in ("http", "https") or not url.host:
            logger.warning("recording reference is not an http(s) URL")
            raise FetchFailed()
        if not self._allowlist.allows(url):
            logger.warning("recording host not allowed", extra={"host": url.host})
            raise FetchFailed()
        forwarded = {
            "Range": conditions.range,
            "If-None-Match": conditions.if_none_match,
            "If-Range": conditions.if_range,
        }
        headers = {name: value for name, value in forwarded.items() if value}
        try:
            return await self._session().get(url, headers=headers, allow_redirects=False)
        except (aiohttp.ClientError, TimeoutError) as error:
            logger.warning(
                "recording upstream failed",
                extra={"host": url.host, "error": type(error).__name__},
            )
            raise FetchFailed() from None

    @staticmethod
    async def _body(response: aiohttp.ClientResponse) -> AsyncIterator[bytes]:
        try:
            # Each piece as it came off the socket: no joining of pieces, no copy.
            async for chunk, _ in response.content.iter_chunks():
                yield chunk
        except (aiohttp.ClientError, TimeoutError) as error:
            logger.warning(
                "recording upstream failed mid-stream; the response is aborted",
                extra={"host": response.url.host, "error": type(error).__name__},
            )
            raise RecordingInterrupted(type(error).__name__) from None
        finally:
            response.close()


def _validators(response: aiohttp.ClientResponse) -> Validators:
    return Validators(response.headers.get("etag"), response.headers.get("last-modified"))


async def fresh_recording_url(
    sessions: async_sessionmaker[AsyncSession], settings: Settings, call: CallKey
) -> str | None:
    """Fetch the call again from its account's provider and store its current recording URL
    (upstream URLs expire); None when the provider has no recording of it."""
    async with sessions() as session:
        account = await accounts.require(session, call.account_id)
    if account.provider is None:
        return None
    try:
        recordings = provider_for(account.provider).recordings(settings)
    except NotConfigured:
        raise FetchFailed() from None
    try:
        url = await recordings.recording_url(call.call_id)
    except ProviderError as error:
        logger.warning(
            "provider call fetch failed",
            extra={"error": error.message, "retryable": error.retryable},
        )
        raise FetchFailed() from None
    finally:
        await recordings.close()
    if not url:
        return None
    async with sessions.begin() as session:
        await calls.set_recording_ref(session, call.account_id, call.call_id, url)
    return url
