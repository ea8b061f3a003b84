"""The benchmark's data set as rows: a million calls over a thousand accounts at full scale.

Rows come out as plain tuples in the column order of the `calls`, `call_tags` and
`call_questions` tables, ready for COPY (PostgreSQL) or `executemany` (SQLite). Everything is
derived from one seed, so two runs (or the two databases) hold the same calls.
"""

import itertools
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import orjson

from bench.corpus import (
    BUSINESSES,
    DISCONNECTIONS_ANSWERED,
    DISCONNECTIONS_MISSED,
    HOUR_WEIGHTS,
    PLANS,
    SENTIMENTS,
    TIMEZONES,
    WEEKDAY_WEIGHTS,
    Business,
    Conversation,
    conversation_pool,
)

SEED = 13
FULL_CALLS = 1_000_000
FULL_ACCOUNTS = 1_000
LARGEST_SHARE = 10
"""The largest account holds one call in this many (100,000 of 1,000,000)."""
DAY_MS = 86_400_000
SPAN_DAYS = 90
"""Calls of most accounts spread over this many days before generation."""
LARGEST_SPAN_DAYS = 28
"""The largest account's calls all fall in the last 28 days: a cached data set still has every
one of them inside `/stats?days=30` for two more days."""
DATA_VERSION = 3
"""Bump when the generated data changes: a cached database of another version is rebuilt."""
LARGEST_NAME = f"bench-largest (data v{DATA_VERSION})"

CALL_COLUMNS = (
    "id",
    "account_id",
    "call_id",
    "direction",
    "from_number",
    "to_number",
    "started_at",
    "ended_at",
    "duration_seconds",
    "status",
    "disconnection_reason",
    "sentiment",
    "summary",
    "tags",
    "booked",
    "transcript",
    "transcript_object",
    "recording_ref",
    "created_at",
    "updated_at",
)
TAG_COLUMNS = ("call_pk", "tag", "account_id")
QUESTION_COLUMNS = ("id", "call_pk", "account_id", "started_at", "normalized", "text", "topic_id")
TOPIC_COLUMNS = ("id", "account_id", "label", "size", "centroid", "created_at", "updated_at")
NO_CENTROID = bytes(4 * 256)
"""Topics here are one per distinct question wording (the stats read only their ids and labels)."""


@dataclass(frozen=True)
class Shape:
    """How big the data set is: `scale` 1 is the size issue 2 asks for."""

    calls: int
    accounts: int
    largest: int

    @classmethod
    def at(cls, scale: float) -> "Shape":
        calls = max(1_000, round(FULL_CALLS * scale))
        accounts = max(10, round(FULL_ACCOUNTS * scale))
        return cls(calls=calls, accounts=accounts, largest=calls // LARGEST_SHARE)


@dataclass(frozen=True)
class AccountSpec:
    index: int
    name: str
    plan: str
    timezone: str
    business: Business
    calls: int


def account_specs(shape: Shape) -> list[AccountSpec]:
    """The accounts, largest first; the others' sizes follow a long-tailed distribution."""
    rng = random.Random(SEED)
    others = shape.accounts - 1
    weights = [rng.lognormvariate(0, 1.2) for _ in range(others)]
    remaining = shape.calls - shape.largest
    sizes = [max(1, int(remaining * weight / sum(weights))) for weight in weights]
    sizes = [min(size, shape.largest - 1) for size in sizes]
    for position in itertools.cycle(range(others)):
        if sum(sizes) >= remaining:
            break
        if sizes[position] < shape.largest - 1:
            sizes[position] += 1
    while sum(sizes) > remaining:
        sizes[sizes.index(max(sizes))] -= 1
    specs = [
        AccountSpec(0, LARGEST_NAME, "enterprise", "America/New_York", BUSINESSES[0], shape.largest)
    ]
    for index, size in enumerate(sizes, start=1):
        business = BUSINESSES[index % len(BUSINESSES)]
        specs.append(
            AccountSpec(
                index=index,
                name=f"bench-{index:04d} {business.kind}",
                plan=rng.choice(PLANS),
                timezone=rng.choice(TIMEZONES),
                business=business,
                calls=size,
            )
        )
    return specs


def call_id_for(pk: int) -> str:
    """A unique, random-looking public id (an odd multiplier is a bijection modulo 2**64)."""
    return f"call_{(pk * 0x9E3779B97F4A7C15) % 2**64:016x}"


def _phone(rng: random.Random) -> str:
    return f"+1{rng.randint(201, 989)}555{rng.randint(0, 9999):04d}"


@dataclass
class Rows:
    calls: list[tuple[Any, ...]]
    tags: list[tuple[Any, ...]]
    questions: list[tuple[Any, ...]]
    topics: list[tuple[Any, ...]]


class Generator:
    """Produces every account's rows in batches; primary keys are assigned here."""

    def __init__(self, now_ms: int, created: Any) -> None:
        self.now_ms = now_ms
        self.created = created
        """`created_at`/`updated_at` as the target database wants it."""
        self.pool = conversation_pool(SEED)
        self.tag_sets = {
            business.kind: [
                (combo, orjson.dumps(list(combo)).decode())
                for size in (0, 1, 1, 2, 2, 3)
                for combo in itertools.combinations(business.tags, size)
            ]
            for business in BUSINESSES
        }
        self.next_call_pk = 1
        self.next_question_pk = 1
        self.topic_ids: dict[tuple[str, str], str] = {}

    def rows(self, account_id: str, spec: AccountSpec, batch: int) -> Iterator[Rows]:
        rng = random.Random(SEED * 1_000_003 + spec.index)
        span_ms = (LARGEST_SPAN_DAYS if spec.index == 0 else SPAN_DAYS) * DAY_MS
        offset = datetime.now(ZoneInfo(spec.timezone)).utcoffset() or timedelta()
        offset_ms = int(offset.total_seconds() * 1000)
        starts = sorted(self._start(rng, span_ms, offset_ms) for _ in range(spec.calls))
        own_number = _phone(rng)
        rows = Rows([], [], [], [])
        for started_at in starts:
            self._call(rows, rng, account_id, spec.business, own_number, started_at)
            if len(rows.calls) >= batch:
                yield rows
                rows = Rows([], [], [], [])
        if rows.calls:
            yield rows

    def _start(self, rng: random.Random, span_ms: int, offset_ms: int) -> int:
        """A start time in the span, mostly in local business hours on weekdays."""
        while True:
            started_at = self.now_ms - rng.randrange(60_000, span_ms)
            local_hours = (started_at + offset_ms) // 3_600_000
            weekday = (local_hours // 24 + 3) % 7  # 1970-01-01 was a Thursday
            weight = HOUR_WEIGHTS[local_hours % 24] * WEEKDAY_WEIGHTS[weekday]
            if rng.random() < weight:
                return started_at

    def _call(
        self,
        rows: Rows,
        rng: random.Random,
        account_id: str,
        business: Business,
        own_number: str,
        started_at: int,
    ) -> None:
        pk = self.next_call_pk
        self.next_call_pk += 1
        inbound = rng.random() < 0.85
        caller = _phone(rng)
        ongoing = self.now_ms - started_at < 600_000
        missed = not ongoing and rng.random() < 0.12
        reason: str | None
        conversation: Conversation | None
        if missed:
            duration, reason, conversation = 0, rng.choice(DISCONNECTIONS_MISSED), None
            sentiment, summary, booked = None, "Missed call.", False
        else:
            duration = 0 if ongoing else int(rng.lognormvariate(4.4, 0.6))
            reason = None if ongoing else rng.choice(DISCONNECTIONS_ANSWERED)
            conversation = rng.choice(self.pool[business.kind])
            sentiment = rng.choice(SENTIMENTS)
            summary = rng.choice(business.summaries)
            booked = rng.random() < 0.35
        status = "ongoing" if ongoing else ("error" if rng.random() < 0.01 else "ended")
        tags, tags_json = rng.choice(self.tag_sets[business.kind])
        call_id = call_id_for(pk)
        rows.calls.append(
            (
                pk,
                account_id,
                call_id,
                "inbound" if inbound else "outbound",
                caller if inbound else own_number,
                own_number if inbound else caller,
                started_at,
                None if ongoing else started_at + duration * 1000,
                duration,
                status,
                reason,
                sentiment,
                summary,
                tags_json,
                booked,
                conversation.transcript if conversation else None,
                conversation.transcript_json if conversation else None,
                f"file:{call_id}.wav" if conversation and not ongoing else None,
                self.created,
                self.created,
            )
        )
        rows.tags.extend((pk, tag, account_id) for tag in tags)
        if conversation:
            for text, normalized in conversation.questions:
                topic_id = self._topic(rows, account_id, normalized, text)
                rows.questions.append(
                    (self.next_question_pk, pk, account_id, started_at, normalized, text, topic_id)
                )
                self.next_question_pk += 1

    def _topic(self, rows: Rows, account_id: str, normalized: str, text: str) -> str:
        """The account's topic of a wording, made (into `rows.topics`) the first time."""
        key = (account_id, normalized)
        topic_id = self.topic_ids.get(key)
        if topic_id is None:
            topic_id = self.topic_ids[key] = f"tq_b{len(self.topic_ids):011d}"
            rows.topics.append(
                (topic_id, account_id, text, 1, NO_CENTROID, self.created, self.created)
            )
        return topic_id
