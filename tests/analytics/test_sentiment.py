"""The caller's sentiment on a small labelled set of varied calls, written for these tests
(there is no labelled sentiment in the tuning data): the labels are what a business owner
reading the call would say of the caller's mood by the end of it."""

import pytest

from humanadd.analytics.sentiment import caller_sentiment
from humanadd.analytics.transcript import Turn, from_text

LABELLED = {
    "booked and pleased": (
        "AI: Comfort Air, how can I help?\nCaller: hi I'd like to get my furnace looked at\n"
        "AI: I can book Tuesday at 9.\nCaller: that's perfect, you've been really helpful\n"
        "AI: You're all set.\nCaller: great thanks so much bye",
        "positive",
    ),
    "a plain question": (
        "AI: Bright Smile Dental.\nCaller: um what time do you close on fridays\n"
        "AI: At 5pm.\nCaller: ok thanks bye",
        "neutral",
    ),
    "no-show, annoyed without a negative word": (
        "AI: Hello.\nCaller: hi yeah thanks\nCaller: I had someone booked for yesterday\n"
        "Caller: nobody showed up and I took the whole day off work\n"
        "AI: I'm sorry to hear that.\nCaller: this is the second time this happened",
        "negative",
    ),
    "polite start, annoyed end": (
        "Caller: good morning, thank you so much for picking up, I appreciate it\n"
        "AI: How can I help?\nCaller: I was hoping to move my appointment\n"
        "AI: The earliest is in three weeks.\n"
        "Caller: three weeks? that's ridiculous, I've been waiting a month already",
        "negative",
    ),
    "annoyed start, relieved end": (
        "Caller: I'm really frustrated, my AC died in this heat\n"
        "AI: We can send a technician within two hours.\n"
        "Caller: oh wow that's amazing, thank you, that's a huge relief",
        "positive",
    ),
    "asr, no punctuation, neutral errand": (
        "Caller: yeah hi so i need to reschedule my cleaning from tuesday to thursday if possible\n"
        "AI: Thursday at 2 works.\nCaller: ok yeah that works",
        "neutral",
    ),
    "only backchannels": ("AI: Hello?\nCaller: hello\nCaller: yes\nCaller: ok bye", "neutral"),
    "wants a manager": (
        "Caller: I want to speak to a manager about my bill\nAI: I can take a message.\n"
        "Caller: you people never call back",
        "negative",
    ),
    "price shock but fine": (
        "Caller: how much is a new water heater\nAI: Around 1,500 installed.\n"
        "Caller: oh ok that's more than I thought but fine, thank you",
        "neutral",
    ),
    "happy repeat customer": (
        "Caller: hi, you fixed our heater last winter and it's been great\n"
        "Caller: we'd love to book the same technician for a tune up\n"
        "AI: Booked for Monday.\nCaller: wonderful, thank you",
        "positive",
    ),
    "a hard no is not annoyance": (
        "AI: Would you like to add the maintenance plan?\nCaller: no\n"
        "AI: Anything else?\nCaller: no that's all thanks",
        "neutral",
    ),
    "disappointed but calm": (
        "Caller: I'm a bit disappointed, the part you ordered still isn't here\n"
        "AI: It arrives Friday.\nCaller: alright I guess I'll wait then",
        "negative",
    ),
}


@pytest.mark.parametrize("name", list(LABELLED))
def test_the_labelled_calls(name: str) -> None:
    transcript, expected = LABELLED[name]

    assert caller_sentiment(from_text(transcript)) == expected


def test_a_caller_who_said_nothing_has_no_sentiment() -> None:
    assert caller_sentiment([Turn("agent", "Hello? Is anyone there?")]) is None
    assert caller_sentiment([]) is None


def test_only_the_callers_words_count() -> None:
    angry_agent = [
        Turn("agent", "This is terrible, our system is down, it's a disaster."),
        Turn("user", "ok no problem I'll call back tomorrow"),
    ]

    assert caller_sentiment(angry_agent) == "neutral"
