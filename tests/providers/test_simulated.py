"""The simulated provider: realistic Retell-shaped calls, played live through the ingest path."""

import itertools
import re

import httpx
import pytest

from humanadd.calls.schemas import CallDetail
from humanadd.clock import now_ms
from humanadd.config import Settings
from humanadd.demo.businesses import HVAC
from humanadd.demo.player import SimulatedProvider
from humanadd.dependencies import Services
from humanadd.providers import kb_push as push
from humanadd.providers import service as providers
from tests.conftest import MakeAccount, TestAccount
from tests.demo.audio_check import assert_follows_transcript
from tests.kb.support import queue, review
from tests.providers.conftest import provider_account

AGENT = "agent_simulated_test"


@pytest.fixture
async def simulated_account(make_account: MakeAccount, services: Services) -> TestAccount:
    return await provider_account(make_account, services, "simulated", AGENT)


def test_a_simulated_call_is_a_realistic_retell_call() -> None:
    call = SimulatedProvider(AGENT, seed=7).new_call(1_736_965_324_000)

    assert call["agent_id"] == AGENT
    assert call["end_timestamp"] - call["start_timestamp"] == call["duration_ms"] > 10_000
    assert call["duration_ms"] % 1000 == 0
    assert call["recording_url"] == f"demo:{call['call_id']}"
    turns = call["transcript_object"]
    assert [turn["role"] for turn in turns[:2]] == ["agent", "user"]
    timings = [(word["start"], word["end"]) for turn in turns for word in turn["words"]]
    assert timings == sorted(timings)
    assert all(start < end for start, end in timings)
    assert all(end <= start for (_, end), (start, _) in itertools.pairwise(timings))
    assert 0 < timings[-1][1] < call["duration_ms"] / 1000
    assert all(
        [word["word"] for word in turn["words"]] == turn["content"].split() for turn in turns
    )
    analysis = call["call_analysis"]
    assert analysis["user_sentiment"] in {"Positive", "Neutral", "Negative", "Unknown"}
    assert analysis["call_summary"]
    assert "custom_analysis_data" not in analysis, "tags and booked are our analysis's"


async def test_playing_live_goes_through_the_ingest_path_event_by_event(
    client: httpx.AsyncClient,
    services: Services,
    settings: Settings,
    simulated_account: TestAccount,
) -> None:
    provider = SimulatedProvider(AGENT, seed=3)

    await provider.play(
        services.sessions,
        every_seconds=0.01,
        analysis_delay_seconds=1,
        calls=2,
        speed=200,
        analysis_timeout_ms=settings.analysis_timeout_ms,
    )

    page = (await client.get("/api/v1/calls", headers=simulated_account.headers)).json()
    assert page["count"] == 2
    for item in page["calls"]:
        response = await client.get(
            f"/api/v1/calls/{item['call_id']}", headers=simulated_account.headers
        )
        shown = CallDetail.model_validate(response.json()["call"])
        played = provider.calls[shown.call_id]
        assert shown.status == "ended"
        assert shown.summary == played["call_analysis"]["call_summary"]
        assert shown.transcript is not None
        assert shown.transcript.startswith("AI: ")
        assert shown.transcript_object is not None
        assert shown.transcript_object[0].words is not None
        assert shown.duration_seconds == round(played["duration_ms"] / 1000)

        assert shown.to_number == HVAC.phone

        recording = await client.get(
            f"/api/v1/calls/{shown.call_id}/recording", headers=simulated_account.headers
        )
        assert recording.status_code == 200
        assert recording.headers["content-length"] == str(44 + played["duration_ms"] * 16)
        turns = response.json()["call"]["transcript_object"]
        assert_follows_transcript(recording.content, turns, played["duration_ms"] / 1000)
    assert not settings.recordings_dir.exists(), "nothing is written"


async def test_a_call_is_ongoing_until_it_ends(
    client: httpx.AsyncClient,
    services: Services,
    settings: Settings,
    simulated_account: TestAccount,
) -> None:
    provider = SimulatedProvider(AGENT, seed=5)
    call = provider.new_call(1_736_965_324_000)
    async with services.sessions.begin() as session:
        await providers.ingest(
            session,
            provider.event("call_started", provider.started(call)),
            received_at_ms=0,
            analysis_timeout_ms=settings.analysis_timeout_ms,
        )

    shown = await client.get(f"/api/v1/calls/{call['call_id']}", headers=simulated_account.headers)
    assert (shown.json()["call"]["status"], shown.json()["call"]["transcript"]) == (
        "ongoing",
        None,
    )


async def test_as_an_upstream_it_answers_for_the_calls_it_played(
    services: Services, settings: Settings, simulated_account: TestAccount
) -> None:
    provider = SimulatedProvider(AGENT, seed=9)
    await provider.play(
        services.sessions,
        every_seconds=0.01,
        analysis_delay_seconds=0,
        calls=1,
        speed=500,
        analysis_timeout_ms=settings.analysis_timeout_ms,
    )
    (call_id,) = provider.calls

    listed = [call.call_id async for call in provider.list_calls([AGENT], 0)]
    assert listed == [call_id]
    fetched = await provider.get_call(call_id)
    assert fetched is not None
    assert fetched.analysed
    assert await provider.get_call("call_unknown") is None


def _answers_to(calls: list[dict[str, object]], question_word: str) -> list[str]:
    """What the receptionist said right after a caller's question containing the word."""
    answers = []
    for call in calls:
        turns = call["transcript_object"]
        assert isinstance(turns, list)
        for asked, answered in itertools.pairwise(turns):
            if asked["role"] == "user" and question_word in asked["content"].lower():
                answers.append(answered["content"])
    return answers


def test_the_receptionist_answers_from_the_knowledge_base_in_its_own_words() -> None:
    knowledge = [
        "Our new hours are 8am-7pm M-F. We are closed on public holidays.",
        "We accept Visa, Mastercard and Apple Pay.",
    ]
    seed = 11
    plain = [SimulatedProvider(AGENT, seed).new_call(10**12 + n) for n in range(60)]
    informed = SimulatedProvider(AGENT, seed)
    calls = [informed.new_call(10**12 + n, knowledge) for n in range(60)]

    hours = _answers_to(calls, "hours")
    assert hours, "some callers ask for the hours"
    assert set(hours) == {"We're now open 8am to 7pm, Monday through Friday."}
    assert "8am to 7pm" not in str(plain)
    assert "8am-7pm" not in str(calls), "the knowledge base is not read out"
    located = _answers_to(calls, "area")
    assert located, "some ask where the business goes, which the knowledge base does not say"
    assert set(located) == {
        "We cover the whole metro area, up to 30 miles from downtown, at no travel charge."
    }


def test_a_live_call_is_the_demo_business_and_offers_visits_on_weekdays() -> None:
    provider = SimulatedProvider(AGENT, seed=4)
    calls = [provider.new_call(1_736_965_324_000 + n * 86_400_000) for n in range(40)]

    assert {call["to_number"] for call in calls} == {HVAC.phone}
    assert all(HVAC.name in call["transcript_object"][0]["content"] for call in calls)
    offered = [
        day
        for call in calls
        for turn in call["transcript_object"]
        if turn["role"] == "agent"
        for day in re.findall(r"I have (\w+) at", turn["content"])
    ]
    assert len(offered) > 20
    assert not {"Saturday", "Sunday"} & set(offered)


async def test_new_calls_use_the_pushed_knowledge_base(
    services: Services, simulated_account: TestAccount
) -> None:
    provider = SimulatedProvider(AGENT)
    assert await provider.knowledge(services.sessions) == []
    await queue(services, simulated_account, "Our new hours are 8am-7pm M-F.")
    await review(services, simulated_account)
    assert await provider.knowledge(services.sessions) == [], "approved, not pushed yet"

    [(account_id, lease)] = [
        claim for claim in await push.claim(services.sessions, now_ms(), 1000)
        if claim[0] == simulated_account.id
    ]  # fmt: skip
    assert await push.push_one(services.sessions, services.settings, account_id, lease)

    assert await provider.knowledge(services.sessions) == ["Our new hours are 8am-7pm M-F."]
