"""The stats' definitions, each proved on hand-built calls (DESIGN.md §3, GET /stats)."""

import random
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from humanadd.calls.questions import normalize
from humanadd.calls.repository import CallRecord
from humanadd.dependencies import Services
from humanadd.stats import service
from humanadd.stats.repository import MS_PER_DAY, UNANSWERED_REASONS, Window
from humanadd.stats.schemas import SentimentDistribution, Stats, TopQuestion
from tests.conftest import AddCalls, MakeAccount, TestAccount
from tests.stats.builders import at, call

NOW = at("2026-11-15T12:00:00Z")  # a Sunday
ComputeStats = Callable[..., Awaitable[Stats]]


@pytest.fixture
def stats_of(services: Services) -> ComputeStats:
    async def compute(
        account: TestAccount, *, days: int = 30, now: int = NOW, timezone: str = "UTC"
    ) -> Stats:
        async with services.sessions.begin() as session:
            return await service.compute(session, account.id, timezone, days=days, now_ms=now)

    return compute


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


@pytest.mark.parametrize(
    ("hour", "text"),
    [(0, "12am"), (1, "1am"), (9, "9am"), (11, "11am"), (12, "12pm"), (13, "1pm"), (23, "11pm")],
)
def test_hours_are_12_hour_clock_with_12am_at_midnight_and_12pm_at_noon(
    hour: int, text: str
) -> None:
    assert service.format_hour(hour) == text


def _hours(**starts: int) -> list[int]:
    counts = [0] * 24
    for name, count in starts.items():
        counts[int(name[1:])] = count
    return counts


def test_peak_hours_is_the_best_run_of_three_hours() -> None:
    assert service.peak_hours(_hours(h9=5, h10=1, h11=4, h15=6)) == "9am - 12pm"
    assert service.peak_hours(_hours(h12=1, h13=1, h14=1)) == "12pm - 3pm"
    assert service.peak_hours(_hours(h0=2, h1=2, h2=2, h12=1)) == "12am - 3am"
    assert service.peak_hours(_hours(h21=1, h22=1, h23=1)) == "9pm - 12am"


def test_peak_hours_wraps_past_midnight() -> None:
    assert service.peak_hours(_hours(h23=3, h0=3, h1=3, h9=4)) == "11pm - 2am"
    assert service.peak_hours(_hours(h22=1, h23=5, h0=5)) == "10pm - 1am"


def test_peak_hours_ties_go_to_the_earliest_start_hour() -> None:
    assert service.peak_hours(_hours(h15=2, h16=2, h17=2, h8=2, h9=2, h10=2)) == "8am - 11am"
    # One lone hour: the windows starting two hours and one hour before it tie with it.
    assert service.peak_hours(_hours(h5=1)) == "3am - 6am"
    assert service.peak_hours(_hours(h0=1)) == "12am - 3am"  # not 10pm or 11pm, later starts
    assert service.peak_hours([0] * 24) is None


def test_busiest_day_ties_go_to_the_earliest_weekday_monday_first() -> None:
    assert service.busiest_day([0, 0, 3, 0, 0, 0, 1]) == "Wednesday"
    assert service.busiest_day([0, 0, 3, 0, 0, 0, 3]) == "Wednesday"
    assert service.busiest_day([2, 0, 2, 0, 0, 0, 2]) == "Monday"
    assert service.busiest_day([0, 0, 0, 0, 0, 4, 4]) == "Saturday"
    assert service.busiest_day([0] * 7) is None


def test_utc_offsets_change_at_the_exact_dst_transitions() -> None:
    offsets = service.utc_offsets("America/New_York", service.window_for(365, NOW))
    assert offsets.initial_ms == -5 * 3_600_000
    assert offsets.changes == (
        (at("2026-03-08T07:00:00Z"), -4 * 3_600_000),  # 2am EST → 3am EDT
        (at("2026-11-01T06:00:00Z"), -5 * 3_600_000),  # 2am EDT → 1am EST
    )


def test_utc_offsets_hold_only_the_changes_inside_the_window() -> None:
    summer = service.utc_offsets(
        "America/New_York", service.window_for(30, at("2026-07-01T00:00Z"))
    )
    assert summer.initial_ms == -4 * 3_600_000
    assert summer.changes == ()
    ends_at_change = Window(at("2026-10-01T00:00Z"), at("2026-11-01T06:00:00Z"))
    assert service.utc_offsets("America/New_York", ends_at_change).changes == (
        (at("2026-11-01T06:00:00Z"), -5 * 3_600_000),
    )
    just_before = Window(at("2026-10-01T00:00Z"), at("2026-11-01T06:00:00Z") - 1)
    assert service.utc_offsets("America/New_York", just_before).changes == ()
    assert service.utc_offsets("UTC", service.window_for(365, NOW)) == service.UtcOffsets(0)


def test_utc_offsets_of_a_zone_with_half_hour_dst() -> None:
    offsets = service.utc_offsets("Australia/Lord_Howe", service.window_for(365, NOW))
    assert offsets.initial_ms == 11 * 3_600_000
    assert offsets.changes == (
        (at("2026-04-04T15:00:00Z"), 10 * 3_600_000 + 1_800_000),
        (at("2026-10-03T15:30:00Z"), 11 * 3_600_000),
    )


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


async def test_busiest_day_and_peak_hours_use_the_account_time_zone(
    make_account: MakeAccount, add_calls: AddCalls, stats_of: ComputeStats
) -> None:
    account = await make_account()
    await add_calls(
        account,
        [
            # Tuesday early in UTC, Monday evening in New York (EST, UTC-5).
            call("2026-11-10T02:40:00Z"),
            call("2026-11-10T03:40:00Z"),
            call("2026-11-10T04:40:00Z"),
            call("2026-11-11T15:00:00Z"),  # Wednesday 10am in New York
        ],
    )
    utc = await stats_of(account)
    assert (utc.busiest_day, utc.peak_hours) == ("Tuesday", "2am - 5am")
    new_york = await stats_of(account, timezone="America/New_York")
    assert (new_york.busiest_day, new_york.peak_hours) == ("Monday", "9pm - 12am")
    kolkata = await stats_of(account, timezone="Asia/Kolkata")  # UTC+5:30
    assert (kolkata.busiest_day, kolkata.peak_hours) == ("Tuesday", "8am - 11am")


async def test_busiest_day_tie_goes_to_the_earliest_weekday(
    make_account: MakeAccount, add_calls: AddCalls, stats_of: ComputeStats
) -> None:
    account = await make_account()
    await add_calls(
        account,
        [
            call("2026-11-15T10:00:00Z"),  # Sunday
            call("2026-11-15T11:00:00Z"),
            call("2026-11-11T10:00:00Z"),  # Wednesday
            call("2026-11-11T23:00:00Z"),
            call("2026-11-14T10:00:00Z"),  # Saturday
        ],
    )
    assert (await stats_of(account)).busiest_day == "Wednesday"
    await add_calls(account, [call("2026-11-09T09:00:00Z"), call("2026-11-09T09:30:00Z")])
    assert (await stats_of(account)).busiest_day == "Monday"


async def test_peak_hours_wrap_past_midnight(
    make_account: MakeAccount, add_calls: AddCalls, stats_of: ComputeStats
) -> None:
    account = await make_account(timezone="America/New_York")
    await add_calls(
        account,
        [
            call("2026-11-13T04:30:00Z"),  # 11:30pm EST Thursday
            call("2026-11-13T05:30:00Z"),  # 12:30am Friday
            call("2026-11-13T06:30:00Z"),  # 1:30am
            call("2026-11-14T04:59:59.999Z"),  # 11:59pm Friday
            call("2026-11-13T14:00:00Z"),  # 9am
        ],
    )
    stats = await stats_of(account, timezone="America/New_York")
    assert stats.peak_hours == "11pm - 2am"
    assert stats.busiest_day == "Friday"


async def test_local_hours_follow_dst_changes_in_spring_and_autumn(
    make_account: MakeAccount, add_calls: AddCalls, stats_of: ComputeStats
) -> None:
    """14:30 UTC is 9:30am before the spring change and 10:30am after; the reverse in autumn."""
    account = await make_account()
    spring = [
        call("2026-03-06T14:30:00Z"),  # Friday 9:30am EST
        call("2026-03-09T13:30:00Z"),  # Monday 9:30am EDT
        call("2026-03-09T14:30:00Z"),  # Monday 10:30am EDT
        call("2026-03-10T15:30:00Z"),  # Tuesday 11:30am EDT
    ]
    await add_calls(account, spring)
    spring_now = at("2026-03-15T00:00:00Z")
    stats = await stats_of(account, now=spring_now, timezone="America/New_York")
    assert (stats.peak_hours, stats.busiest_day) == ("9am - 12pm", "Monday")
    stats = await stats_of(account, now=spring_now, timezone="UTC")
    assert stats.peak_hours == "1pm - 4pm"

    autumn_account = await make_account()
    await add_calls(
        autumn_account,
        [
            call("2026-10-30T13:30:00Z"),  # Friday 9:30am EDT
            call("2026-11-02T14:30:00Z"),  # Monday 9:30am EST
            call("2026-11-02T15:30:00Z"),  # Monday 10:30am EST
            call("2026-11-03T16:30:00Z"),  # Tuesday 11:30am EST
        ],
    )
    stats = await stats_of(autumn_account, timezone="America/New_York")
    assert (stats.peak_hours, stats.busiest_day) == ("9am - 12pm", "Monday")


async def test_calls_during_the_repeated_autumn_hour_are_both_at_1am(
    make_account: MakeAccount, add_calls: AddCalls, stats_of: ComputeStats
) -> None:
    account = await make_account()
    await add_calls(
        account,
        [
            call("2026-11-01T05:30:00Z"),  # Sunday 1:30am EDT
            call("2026-11-01T06:30:00Z"),  # Sunday 1:30am EST, an hour later
            call("2026-11-01T03:30:00Z"),  # Saturday 11:30pm EDT
            call("2026-11-02T07:00:00Z"),  # Monday 2am EST
            call("2026-11-03T08:00:00Z"),  # Tuesday 3am EST
        ],
    )
    stats = await stats_of(account, timezone="America/New_York")
    assert (stats.peak_hours, stats.busiest_day) == ("1am - 4am", "Sunday")


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


# --- top questions ----------------------------------------------------------------------------


async def test_top_questions_group_by_normalised_text_in_the_most_used_wording(
    make_account: MakeAccount, add_calls: AddCalls, stats_of: ComputeStats
) -> None:
    account = await make_account()
    await add_calls(
        account,
        [
            call(NOW - 1, questions=["What are your hours?"]),
            call(NOW - 2, questions=["what are your hours"]),
            call(NOW - 3, questions=["What are  your HOURS?!"]),
            call(NOW - 4, questions=["What are your hours?", "Do you take Visa?"]),
            call(NOW - 5, questions=["Do you take visa?"]),
            call(NOW - 6, questions=["Can I book for Friday?"]),
        ],
    )
    stats = await stats_of(account)
    assert [(q.question, q.count) for q in stats.top_questions] == [
        ("What are your hours?", 4),
        ("Do you take Visa?", 2),  # tie between wordings: alphabetically first ("D" < "d")
        ("Can I book for Friday?", 1),
    ]


async def test_a_call_asking_a_question_twice_counts_once(
    make_account: MakeAccount, add_calls: AddCalls, stats_of: ComputeStats
) -> None:
    account = await make_account()
    await add_calls(
        account,
        [
            call(NOW - 1, questions=["Are you open?", "are you open?", "Are you OPEN?"]),
            call(NOW - 2, questions=["Is parking free?"]),
            call(NOW - 3, questions=["Is parking free?"]),
        ],
    )
    stats = await stats_of(account)
    assert [(q.question, q.count) for q in stats.top_questions] == [
        ("Is parking free?", 2),
        ("Are you open?", 1),  # the call counts once, with the wording it used first
    ]


async def test_wordings_tied_between_calls_show_the_first_in_character_order(
    make_account: MakeAccount, add_calls: AddCalls, stats_of: ComputeStats
) -> None:
    account = await make_account()
    await add_calls(
        account,
        [
            call(NOW - 1, questions=["are you open?"]),
            call(NOW - 2, questions=["Are you OPEN?"]),
            call(NOW - 3, questions=["Are you open?"]),
        ],
    )
    stats = await stats_of(account)
    assert [(q.question, q.count) for q in stats.top_questions] == [("Are you OPEN?", 3)]


async def test_the_wording_shown_is_the_one_most_calls_used(
    make_account: MakeAccount, add_calls: AddCalls, stats_of: ComputeStats
) -> None:
    account = await make_account()
    await add_calls(
        account,
        [
            call(NOW - 1, questions=["how much is a tune-up?"]),
            call(NOW - 2, questions=["How much is a tune up?"]),
            call(NOW - 3, questions=["How much is a tune up?"]),
        ],
    )
    stats = await stats_of(account)
    assert [(q.question, q.count) for q in stats.top_questions] == [("How much is a tune up?", 3)]


async def test_top_questions_are_at_most_ten_most_asked_first_ties_by_text(
    make_account: MakeAccount, add_calls: AddCalls, stats_of: ComputeStats
) -> None:
    account = await make_account()
    asked = {
        f"Question {letter}?": count
        for letter, count in zip("abcdefghijkl", range(12), strict=True)
    }
    asked.update({"Question m?": 5, "Question n?": 5, "Another one?": 5})
    records = [
        call(NOW - 1000 * n - i, questions=[text])
        for n, (text, count) in enumerate(asked.items())
        for i in range(count)
    ]
    await add_calls(account, records)
    stats = await stats_of(account)
    assert [(q.question, q.count) for q in stats.top_questions] == [
        ("Question l?", 11),
        ("Question k?", 10),
        ("Question j?", 9),
        ("Question i?", 8),
        ("Question h?", 7),
        ("Question g?", 6),
        ("Another one?", 5),
        ("Question f?", 5),
        ("Question m?", 5),
        ("Question n?", 5),
    ]


# --- the database against a per-call reference ---------------------------------------------------


def _reference(records: list[CallRecord], zone_name: str, window: Window) -> Stats:
    """The stats computed call by call in Python, the slow obvious way."""
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
        top_questions=_reference_questions(inside),
    )


def _reference_questions(calls: list[CallRecord]) -> list[TopQuestion]:
    wordings: defaultdict[str, Counter[str]] = defaultdict(Counter)
    for record in calls:
        first_wordings: dict[str, str] = {}
        for question in record.questions:
            first_wordings.setdefault(normalize(question), question)
        for key, question in first_wordings.items():
            wordings[key][question] += 1
    ranked = sorted(wordings.items(), key=lambda item: (-item[1].total(), item[0]))[:10]
    return [
        TopQuestion(
            question=min(used.items(), key=lambda wording: (-wording[1], wording[0]))[0],
            count=used.total(),
        )
        for _, used in ranked
    ]


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
    make_account: MakeAccount, add_calls: AddCalls, stats_of: ComputeStats, zone_name: str
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
    assert await stats_of(account, days=365, timezone=zone_name) == expected
