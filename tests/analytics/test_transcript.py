"""Reading a transcript into turns, from either of its two forms."""

from humanadd.analytics.transcript import Turn, agent_turns, caller_turns, from_object, from_text


def test_turns_from_the_object_keep_agent_and_caller_text_only() -> None:
    turns = from_object(
        [
            {"role": "agent", "content": " Hello, Comfort Air. ", "words": []},
            {"role": "user", "content": "hi um what time do you close"},
            {"role": "user", "content": "   "},
            {"role": "tool", "content": "lookup"},
            {"role": "agent"},
        ]
    )

    assert turns == [
        Turn("agent", "Hello, Comfort Air."),
        Turn("user", "hi um what time do you close"),
    ]
    assert caller_turns(turns) == ["hi um what time do you close"]
    assert agent_turns(turns) == ["Hello, Comfort Air."]


def test_turns_from_the_text_follow_the_speaker_prefixes() -> None:
    turns = from_text("AI: Hello.\nCaller: Do you take\ninsurance\nUser: ok\nAgent: We do.\n\n")

    assert turns == [
        Turn("agent", "Hello."),
        Turn("user", "Do you take insurance"),
        Turn("user", "ok"),
        Turn("agent", "We do."),
    ]
