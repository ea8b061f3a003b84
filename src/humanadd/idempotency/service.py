"""Idempotent POSTs: a retry sent with the same `Idempotency-Key` gets the first answer back.

A POST that carries a key claims it, runs its operation and stores the answer (status and exact
body bytes) in the caller's transaction, so the key, the answer and whatever the operation wrote
are committed together or not at all. A retry within `KEY_LIFETIME` replays the stored answer
without running the operation; the same key with a different request is a conflict. Keys are
scoped to the account. Concurrent first requests are serialised by the record's primary key: the
later one waits for the earlier one's transaction and then replays its answer. Each request
with a key also deletes its account's expired records, so the table holds about one day of keys.
"""

import hashlib
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import orjson
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from humanadd.db import utcnow
from humanadd.errors import IdempotencyConflict, InvalidRequest
from humanadd.http import json_bytes
from humanadd.idempotency import repository

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
KEY_LIFETIME = timedelta(hours=24)
"""How long an answer is replayed; an older record counts as absent."""
MAX_KEY_LENGTH = 255

_VALID_KEY = re.compile(rf"[\x21-\x7e]{{1,{MAX_KEY_LENGTH}}}")


@dataclass(frozen=True, slots=True)
class IdempotentRequest:
    """A request that may be retried: the client's key and a fingerprint of what it asked."""

    key: str
    fingerprint: str


@dataclass(frozen=True, slots=True)
class Answer:
    """A JSON answer as it is sent and stored: status and the exact body bytes."""

    status_code: int
    body: bytes
    replayed: bool = False

    @classmethod
    def of(cls, model: BaseModel, status_code: int = 200) -> "Answer":
        return cls(status_code, json_bytes(model.model_dump(mode="json")))

    @property
    def headers(self) -> dict[str, str]:
        """`Idempotent-Replayed: true` on a replay, so a client can tell one apart."""
        return {REPLAYED_HEADER: "true"} if self.replayed else {}


def parse_key(value: str | None) -> str | None:
    """The `Idempotency-Key` header's value, or None when absent; 400 when malformed."""
    if value is None:
        return None
    if not _VALID_KEY.fullmatch(value):
        raise InvalidRequest(
            f"Invalid header '{HEADER}': use 1 to {MAX_KEY_LENGTH} visible ASCII characters."
        )
    return value


def fingerprint(method: str, path: str, payload: Any) -> str:
    """SHA-256 of the method, the path and the canonical JSON of the (validated) body.

    Canonical means sorted keys and no insignificant whitespace, so two bodies that differ only
    in key order or formatting are the same request.
    """
    digest = hashlib.sha256(f"{method.upper()} {path}\n".encode())
    digest.update(orjson.dumps(payload, option=orjson.OPT_SORT_KEYS))
    return digest.hexdigest()


def request_for(key: str | None, method: str, path: str, payload: Any) -> IdempotentRequest | None:
    """The idempotent identity of a request, or None when it carries no key (400 when bad)."""
    valid_key = parse_key(key)
    if valid_key is None:
        return None
    return IdempotentRequest(valid_key, fingerprint(method, path, payload))


async def perform(
    session: AsyncSession,
    account_id: str,
    request: IdempotentRequest | None,
    operation: Callable[[], Awaitable[Answer]],
) -> Answer:
    """Run `operation` once per key and account; replay its answer to retries.

    Raises `IdempotencyConflict` when the key was used with another request. If `operation`
    raises, the caller must roll back (the request boundary does): nothing is then kept, and a
    retry with the same key runs the operation afresh.
    """
    if request is None:
        return await operation()
    # Expired records are never replayed; dropping the account's own here keeps the table from
    # growing without a job of its own.
    await repository.delete_expired(session, account_id, utcnow() - KEY_LIFETIME)
    # A record can vanish between a failed claim and the read (it expired and was purged);
    # claiming again then succeeds, or finds the record of whoever claimed it meanwhile.
    for _attempt in range(3):
        now = utcnow()
        claimed = await repository.claim(
            session,
            account_id,
            request.key,
            request.fingerprint,
            now=now,
            expired_before=now - KEY_LIFETIME,
        )
        if claimed:
            answer = await operation()
            await repository.store_answer(
                session,
                account_id,
                request.key,
                status=answer.status_code,
                body=answer.body.decode(),
            )
            return answer
        record = await repository.get(session, account_id, request.key)
        if record is not None:
            if record.fingerprint != request.fingerprint:
                raise IdempotencyConflict()
            return Answer(record.response_status, record.response_body.encode(), replayed=True)
    raise RuntimeError(f"idempotency key of account {account_id} could be neither claimed nor read")
