"""The stats' definitions, each proved on hand-built calls (docs/stats.md): counts,
durations, sentiments, the window, tenancy, and all figures against a per-call reference."""

import random
from collections import Counter
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from humanadd.calls.records import CallRecord
from humanadd.dependencies import Services
from humanadd.questions.service import normalize
from humanadd.stats import service
from humanadd.stats.repository import MS_PER_DAY, UNANSWERED_REASONS, Window
from humanadd.stats.schemas import SentimentDistribution, Stats, TopQuestion
from tests.conftest import AddCalls, MakeAccount
from tests.stats.builders import call
from tests.stats.conftest import NOW, ComputeStats
from tests.topics import topic_named

# --- formatting and choosing, on small inputs -------------------------------------------------


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, "0:00"),
        (9, "0:09"),
        (59, "0:59"),
        (60, "1:00"),
        (82, "1:22"),
        (3599, "59:59"),
        (3600, "1:00:00"),
        (3725, "1:02:05"),
        (36000, "10:00:00"),
    ],
)
def test_durations_are_m_ss_below_an_hour_and_h_mm_ss_from_one(seconds: int, text: str) -> None:
    assert service.format_duration(seconds) == text


@pytest.mark.parametrize(
    ("total", "calls", "text"),
    [
        (0, 0, "0:00"),
        (3, 2, "0:02"),  # 1.5 → 2
        (5, 2, "0:03"),  # 2.5 → 3
        (4, 3, "0:01"),  # 1.33 → 1
        (5, 3, "0:02"),  # 1.67 → 2
        (119, 2, "1:00"),  # 59.5 → 60
        (7199, 2, "1:00:00"),  # 3599.5 → 3600
        (7197, 2, "59:59"),  # 3598.5 → 3599
    ],
)
def test_average_duration_rounds_to_the_nearest_second_halves_up(
    total: int, calls: int, text: str
) -> None:
    assert service.average_duration(total, calls) == text


# --- every figure, computed by the database -----------------------------------------------------


async def test_an_empty_window_gives_zeros_and_nulls(
    make_account: MakeAccount, add_calls: AddCalls, stats_of: ComputeStats
) -> None:
    account = await make_account()
    await add_calls(account, [call(NOW - 30 * MS_PER_DAY), call(NOW + 1)])
    assert await stats_of(account) == Stats(
        total_calls=0,
        avg_duration="0:00",
        answered=0,
        missed=0,
        inbound=0,
        outbound=0,
        sentiment_distribution=SentimentDistribution(positive=0, neutral=0, negative=0),
        busiest_day=None,
        peak_hours=None,
        top_questions=[],
    )


async def test_the_window_excludes_its_start_and_the_future_and_includes_now(
    make_account: MakeAccount, add_calls: AddCalls, stats_of: ComputeStats
) -> None:
    account = await make_account()
    start = NOW - 7 * MS_PER_DAY
    await add_calls(
        account,
        [
            call(start - 1, questions=["Too early?"]),
            call(start, questions=["Too early?"]),
            call(start + 1, questions=["In time?"]),
            call(NOW - 1),
            call(NOW, questions=["In time?"]),
            call(NOW + 1, questions=["Too late?"]),
            call(NOW + MS_PER_DAY),
        ],
    )
    stats = await stats_of(account, days=7)
    assert stats.total_calls == 3
    assert [(q.question, q.count) for q in stats.top_questions] == [("In time?", 2)]
    assert (await stats_of(account, days=8)).total_calls == 5


async def test_each_unanswered_disconnection_reason_makes_a_call_missed(
    make_account: MakeAccount, add_calls: AddCalls, stats_of: ComputeStats
) -> None:
    account = await make_account()
    await add_calls(
        account,
        [
            call(NOW - 60_000, duration_seconds=120, disconnection_reason=reason)
            for reason in UNANSWERED_REASONS
        ],
    )
    stats = await stats_of(account)
    assert (stats.total_calls, stats.answered, stats.missed) == (8, 0, 8)
    assert stats.avg_duration == "0:00"
    assert sorted(UNANSWERED_REASONS) == sorted(
        [
            "dial_no_answer",
            "dial_busy",
            "dial_failed",
            "voicemail_reached",
            "user_declined",
            "invalid_destination",
            "marked_as_spam",
            "registered_call_timeout",
        ]
    )


async def test_answered_calls_have_a_conversation_and_ongoing_calls_count_as_answered(
    make_account: MakeAccount, add_calls: AddCalls, stats_of: ComputeStats
) -> None:
    account = await make_account()
    minute_ago = NOW - 60_000
    await add_calls(
        account,
        [
            call(minute_ago, duration_seconds=30, disconnection_reason="user_hangup"),  # answered
            call(minute_ago, duration_seconds=50, disconnection_reason=None),  # answered
            call(minute_ago, duration_seconds=1, disconnection_reason="agent_hangup"),  # answered
            call(minute_ago, duration_seconds=40, status="error"),  # answered: it talked
            call(minute_ago, duration_seconds=0, status="ongoing"),  # answered: ongoing
            call(
                minute_ago,
                duration_seconds=0,
                status="ongoing",
                disconnection_reason="dial_no_answer",
            ),  # answered: ongoing
            call(minute_ago, duration_seconds=0, disconnection_reason="user_hangup"),  # missed
            call(minute_ago, duration_seconds=0, disconnection_reason=None),  # missed
            call(minute_ago, duration_seconds=900, disconnection_reason="voicemail_reached"),
        ],
    )
    stats = await stats_of(account)
    assert (stats.total_calls, stats.answered, stats.missed) == (9, 6, 3)
    assert stats.avg_duration == "0:20"  # (30 + 50 + 1 + 40 + 0 + 0) / 6 = 20.17


async def test_avg_duration_rounds_half_up_over_answered_calls_only(
    make_account: MakeAccount, add_calls: AddCalls, stats_of: ComputeStats
) -> None:
    account = await make_account()
    await add_calls(
        account,
        [
            call(NOW - 1000, duration_seconds=81),
            call(NOW - 2000, duration_seconds=82),
            call(NOW - 3000, duration_seconds=3000, disconnection_reason="dial_busy"),
        ],
    )
    assert (await stats_of(account)).avg_duration == "1:22"  # 81.5 → 82


async def test_avg_duration_from_one_hour_shows_hours(
    make_account: MakeAccount, add_calls: AddCalls, stats_of: ComputeStats
) -> None:
    account = await make_account()
    await add_calls(
        account, [call(NOW - 1000, duration_seconds=3599), call(NOW, duration_seconds=3600)]
    )
    assert (await stats_of(account)).avg_duration == "1:00:00"  # 3599.5 → 3600
    await add_calls(account, [call(NOW - 5000, duration_seconds=3 * 3600 + 125 * 3 - 3599 - 3600)])
    assert (await stats_of(account)).avg_duration == "1:02:05"


async def test_directions_and_sentiments_are_counted_and_unknown_sentiment_is_not(
    make_account: MakeAccount, add_calls: AddCalls, stats_of: ComputeStats
) -> None:
    account = await make_account()
    await add_calls(
        account,
        [
            call(NOW - 1, direction="inbound", sentiment="positive"),
            call(NOW - 2, direction="inbound", sentiment="positive"),
            call(NOW - 3, direction="outbound", sentiment="negative"),
            call(NOW - 4, direction="inbound", sentiment=None),
            call(NOW - 5, direction="outbound", sentiment=None, duration_seconds=0),
        ],
    )
    stats = await stats_of(account)
    assert (stats.inbound, stats.outbound) == (3, 2)
    assert stats.sentiment_distribution == SentimentDistribution(positive=2, neutral=0, negative=1)


async def test_another_accounts_calls_are_never_counted(
    make_account: MakeAccount, add_calls: AddCalls, stats_of: ComputeStats
) -> None:
    mine, theirs = await make_account(name="Mine"), await make_account(name="Theirs")
    await add_calls(mine, [call(NOW - 1000, sentiment="neutral", questions=["Open today?"])])
    await add_calls(
        theirs,
        [
            call(NOW - 2000 - n, sentiment="negative", questions=["Do you do refunds?"])
            for n in range(5)
        ],
    )
    stats = await stats_of(mine)
    assert stats.total_calls == 1
    assert stats.sentiment_distribution == SentimentDistribution(positive=0, neutral=1, negative=0)
    assert [(q.question, q.count) for q in stats.top_questions] == [("Open today?", 1)]


# --- the database against a per-call reference ---------------------------------------------------


def _reference(records: list[CallRecord], zone_name: str, window: Window) -> Stats:
    """The stats computed call by call in Python, the slow obvious way."""
    labels: dict[str, str] = {}
    for record in records:
        for question in record.questions:
            labels.setdefault(normalize(question), question)
    zone = ZoneInfo(zone_name)
    inside = [r for r in records if window.start_ms < r.started_at <= window.end_ms]
    answered = [
        r
        for r in inside
        if r.status == "ongoing"
        or (r.duration_seconds > 0 and r.disconnection_reason not in UNANSWERED_REASONS)
    ]
    per_weekday, per_hour = [0] * 7, [0] * 24
    for r in inside:
        local = datetime.fromtimestamp(r.started_at / 1000, UTC).astimezone(zone)
        per_weekday[local.weekday()] += 1
        per_hour[local.hour] += 1
    return Stats(
        total_calls=len(inside),
        avg_duration=service.average_duration(
            sum(r.duration_seconds for r in answered), len(answered)
        ),
        answered=len(answered),
        missed=len(inside) - len(answered),
        inbound=sum(r.direction == "inbound" for r in inside),
        outbound=sum(r.direction == "outbound" for r in inside),
        sentiment_distribution=SentimentDistribution(
            **{
                s: sum(r.sentiment == s for r in inside)
                for s in ("positive", "neutral", "negative")
            }
        ),
        busiest_day=service.busiest_day(per_weekday),
        peak_hours=service.peak_hours(per_hour),
        top_questions=_reference_questions(inside, labels),
    )


def _reference_questions(calls: list[CallRecord], labels: dict[str, str]) -> list[TopQuestion]:
    """Each folded wording is a topic (`tests.topics`) labelled `labels[key]`; the topic ids
    are left empty, for the test to fill in."""
    asked: Counter[str] = Counter()
    for record in calls:
        asked.update({normalize(question) for question in record.questions})
    ranked = sorted(asked.items(), key=lambda item: (-item[1], labels[item[0]]))[:10]
    return [TopQuestion(question=labels[key], count=count, topic_id="") for key, count in ranked]


QUESTION_TOPICS = [
    "hours",
    "prices",
    "parking",
    "visa",
    "weekends",
    "emergencies",
    "refunds",
    "warranty",
    "booking",
    "location",
    "staff",
    "insurance",
    "discounts",
    "pets",
]
QUESTION_WORDINGS = [
    f"{wording}?"
    for topic in QUESTION_TOPICS
    for wording in (f"What about {topic}", f"what about {topic}", f"WHAT ABOUT {topic}")
]


def _random_calls(rng: random.Random, window: Window, transitions: list[int]) -> list[CallRecord]:
    def moment() -> int:
        if rng.random() < 0.4:  # crowd the DST changes, to the millisecond
            return rng.choice(transitions) + rng.randint(-3 * 3_600_000, 3 * 3_600_000)
        return rng.randint(window.start_ms - MS_PER_DAY, window.end_ms + MS_PER_DAY)

    fields: dict[str, list[Any]] = {
        "direction": ["inbound", "outbound"],
        "status": ["ended", "ended", "ongoing", "error"],
        "duration_seconds": [0, 1, 7, 59, 60, 61, 300, 3601],
        "disconnection_reason": [None, "user_hangup", "agent_hangup", *UNANSWERED_REASONS],
        "sentiment": [None, "positive", "neutral", "negative"],
    }
    return [
        call(
            moment(),
            questions=rng.sample(QUESTION_WORDINGS, rng.randint(0, 3)),
            **{name: rng.choice(values) for name, values in fields.items()},
        )
        for _ in range(400)
    ]


@pytest.mark.parametrize("zone_name", ["America/New_York", "Europe/London", "Australia/Sydney"])
async def test_database_figures_match_a_call_by_call_reference(
    services: Services,
    make_account: MakeAccount,
    add_calls: AddCalls,
    stats_of: ComputeStats,
    zone_name: str,
) -> None:
    window = service.window_for(365, NOW)
    offsets = service.utc_offsets(zone_name, window)
    transitions = [at_ms for at_ms, _ in offsets.changes]
    assert len(transitions) == 2
    rng = random.Random(zone_name)
    account, neighbour = await make_account(), await make_account()
    records = _random_calls(rng, window, transitions)
    await add_calls(account, records)
    await add_calls(neighbour, _random_calls(rng, window, transitions))
    expected = _reference(records, zone_name, window)
    assert len(expected.top_questions) == 10  # 14 questions asked: the cap applies
    for question in expected.top_questions:
        question.topic_id = await topic_named(services, account.id, question.question)
    assert await stats_of(account, days=365, timezone=zone_name) == expected
