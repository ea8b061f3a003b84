"""The demo's generated calls: reproducible, realistic and consistent with the API's rules."""

import dataclasses
import re
from collections import Counter
from datetime import UTC, datetime
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest

from humanadd.calls.analysis import complete
from humanadd.calls.records import CallRecord
from humanadd.clock import iso_from_ms
from humanadd.demo.businesses import HVAC
from humanadd.demo.generator import CALL_COUNT, EXAMPLE_CALL_ID, demo_calls
from humanadd.questions.service import normalize
from tests.demo.wording import PROPER_QUESTION, SPOKEN_QUESTION

NOW = 1_764_340_000_000  # 2025-11-28T14:26:40Z
DAY_MS = 86_400_000
MISSED_REASONS = {
    "dial_no_answer", "dial_busy", "dial_failed", "voicemail_reached", "user_declined",
    "invalid_destination", "marked_as_spam", "registered_call_timeout",
}  # fmt: skip
PHONE = re.compile(r"^\+1\d{10}$")


@pytest.fixture(scope="module")
def calls() -> list[CallRecord]:
    return demo_calls(NOW, "America/New_York")


def test_the_same_now_gives_the_same_calls(calls: list[CallRecord]):
    assert demo_calls(NOW, "America/New_York") == calls


def test_a_later_now_keeps_the_call_ids_and_moves_the_calls(calls: list[CallRecord]):
    later = demo_calls(NOW + 3 * DAY_MS, "America/New_York")

    assert [call.call_id for call in later] == [call.call_id for call in calls]
    assert max(call.started_at for call in later) > max(call.started_at for call in calls)


def test_about_500_unique_calls_over_the_last_60_days(calls: list[CallRecord]):
    assert len(calls) == CALL_COUNT == 500
    assert len({call.call_id for call in calls}) == 500
    assert all(NOW - 60 * DAY_MS < call.started_at <= NOW for call in calls)
    days = {(NOW - call.started_at) // DAY_MS for call in calls}
    assert len(days) >= 55


def test_the_documents_example_call_is_there_exactly(calls: list[CallRecord]):
    example = next(call for call in calls if call.call_id == "call_abc123")

    assert example.started_at % 1000 == 0
    assert NOW - 2 * 3_600_000 < example.started_at < NOW - 30 * 60_000
    assert iso_from_ms(example.started_at)[13:] == ":22:04.000Z"
    assert (
        example.direction, example.from_number, example.to_number, example.duration_seconds,
        example.ended_at, example.status, example.disconnection_reason, example.sentiment,
        example.summary, example.tags, example.booked,
    ) == (
        "inbound", "+15551234567", "+15559876543", 82,
        example.started_at + 82_000, "ended", "user_hangup", "positive",
        "Caller booked an HVAC maintenance appointment for Thursday.", ["booking"], True,
    )  # fmt: skip
    assert example.transcript is not None
    assert example.transcript.startswith("AI: Hello")
    assert example.recording_ref == "demo:call_abc123"
    assert example.transcript_object is not None
    assert example.transcript_object[-1]["words"][-1]["end"] <= 82


def test_the_mix_looks_like_real_receptionist_traffic(calls: list[CallRecord]):
    directions = Counter(call.direction for call in calls)
    statuses = Counter(call.status for call in calls)
    sentiments = Counter(call.sentiment for call in calls)
    missed = [call for call in calls if call.disconnection_reason in MISSED_REASONS]

    assert 0.8 < directions["inbound"] / 500 < 0.95
    assert statuses["ongoing"] == 2
    assert 1 <= statuses["error"] <= 10
    assert statuses["ended"] > 480
    assert set(sentiments) == {"positive", "neutral", "negative", None}
    assert sentiments["positive"] > sentiments["neutral"] > sentiments["negative"] > 0
    assert 0.04 < len(missed) / 500 < 0.15
    assert {call.disconnection_reason for call in missed} >= {"dial_no_answer", "voicemail_reached"}
    assert all(
        call.from_number and PHONE.match(call.from_number) and call.to_number for call in calls
    )


def test_missed_calls_have_no_conversation_and_answered_ones_have_one(calls: list[CallRecord]):
    for call in calls:
        if call.disconnection_reason in MISSED_REASONS:
            assert (call.duration_seconds, call.sentiment, call.transcript) == (0, None, None)
            assert call.recording_ref is None
        else:
            assert call.duration_seconds > 0
            assert call.transcript is not None
            assert call.transcript_object is not None
            assert len(call.transcript_object) >= 2


def test_transcripts_alternate_ai_and_caller_lines(calls: list[CallRecord]):
    for call in calls:
        if call.transcript_object is None:
            continue
        roles = [turn["role"] for turn in call.transcript_object]
        assert roles[0] == "agent"
        assert all(a != b for a, b in pairwise(roles))
        assert call.transcript == "\n".join(
            f"{'AI' if turn['role'] == 'agent' else 'Caller'}: {turn['content']}"
            for turn in call.transcript_object
        )


def test_a_seeded_call_leaves_tags_and_booked_to_our_analysis(calls: list[CallRecord]):
    """As the simulated provider's live calls do: Retell's built-in analysis has a summary and
    a sentiment (now and then unknown), no custom data; the documented example has them all."""
    seeded = [call for call in calls if call.call_id != EXAMPLE_CALL_ID]
    answered = [call for call in seeded if call.transcript and call.status == "ended"]

    assert [(call.tags, call.booked) for call in seeded] == [([], None)] * 499
    assert all(call.summary for call in answered)
    assert 10 <= sum(call.sentiment is None for call in answered) < 60
    assert all(call.questions == [] for call in calls), "the questions are found on import"


def test_every_faq_wording_is_asked_and_found_as_the_caller_said_it(calls: list[CallRecord]):
    questions = [
        question for call in calls for question in complete(dataclasses.replace(call)).questions
    ]
    asked = Counter(questions)

    for faq in HVAC.faqs:
        wordings = set(faq.questions)
        assert wordings <= set(asked), (faq.subject, wordings - set(asked))
        assert len({normalize(wording) for wording in wordings}) >= 4, faq.subject
    assert asked.most_common(1)[0][1] >= 20


def test_a_faq_wording_is_a_proper_sentence_or_as_speech_to_text_writes_it():
    wordings = [question for faq in HVAC.faqs for question in faq.questions]
    spoken = [wording for wording in wordings if SPOKEN_QUESTION.fullmatch(wording)]

    assert len(set(wordings)) > 25
    assert [w for w in wordings if w not in spoken and not PROPER_QUESTION.fullmatch(w)] == []
    assert {wording[:20] for wording in spoken} >= {"what are your hours", "can I pay in install"}


@pytest.mark.parametrize(
    "sloppy",
    [
        "how much does a tune-up cost?",
        "How much does a tune-up cost??",
        "How much does a tune-up cost ?",
        "How much does a  tune-up cost?",
        "How much does a tune-up cost,?",
        "Sorry,, what are your hours?",
        "What are your hours",
    ],
)
def test_sloppy_wordings_are_not_proper_sentences(sloppy: str):
    assert PROPER_QUESTION.fullmatch(sloppy) is None


def test_every_call_is_the_hvac_company_s(calls: list[CallRecord]):
    other_businesses = re.compile(
        r"dental|dentist|tooth|teeth|attorney|lawyer|divorce|salon|haircut|balayage|stylist", re.I
    )
    for call in calls:
        business_number = call.to_number if call.direction == "inbound" else call.from_number
        assert business_number == HVAC.phone, call.call_id
        said = f"{call.summary} {call.transcript} {' '.join(call.tags)}"
        assert other_businesses.search(said) is None, (call.call_id, said)
    greetings = [call.transcript.split("\n")[0] for call in calls if call.transcript]
    assert all(HVAC.name in line and "Ava" in line for line in greetings)


def test_every_finished_answered_call_has_a_recording_as_long_as_the_call(
    calls: list[CallRecord],
):
    recorded = 0
    for call in calls:
        if call.duration_seconds == 0 or call.status == "ongoing":
            assert call.recording_ref is None, call.call_id
            continue
        recorded += 1
        assert call.recording_ref == f"demo:{call.call_id}"
        assert call.ended_at == call.started_at + call.duration_seconds * 1000
        assert call.transcript_object is not None
        ends = [word["end"] for turn in call.transcript_object for word in turn["words"]]
        assert 0 < max(ends) <= call.duration_seconds
    assert recorded > 400


def test_word_timings_follow_the_turns_in_order(calls: list[CallRecord]):
    for call in calls:
        assert call.transcript_object is not None or call.transcript is None
        moment = 0.0
        for turn in call.transcript_object or []:
            assert [word["word"] for word in turn["words"]] == turn["content"].split()
            for word in turn["words"]:
                assert set(word) == {"word", "start", "end"}
                assert moment <= word["start"] < word["end"], (call.call_id, word)
                moment = word["end"]


def test_visits_are_offered_on_weekdays_emergencies_the_next_day(calls: list[CallRecord]):
    offered = [
        match
        for call in calls
        for turn in call.transcript_object or []
        if turn["role"] == "agent"
        for match in re.findall(r"I have (\w+) at", turn["content"])
    ]
    assert len(offered) > 100
    assert "Saturday" not in offered
    assert "Sunday" not in offered


def test_calls_fall_mostly_in_business_hours_in_the_account_time_zone(calls: list[CallRecord]):
    zone = ZoneInfo("America/New_York")
    hours = Counter(
        datetime.fromtimestamp(call.started_at / 1000, UTC).astimezone(zone).hour for call in calls
    )
    business_hours = sum(count for hour, count in hours.items() if 8 <= hour < 18)
    assert business_hours / 500 > 0.75
