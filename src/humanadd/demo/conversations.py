"""Multi-turn receptionist conversations for the demo's calls, with their analysis.

A conversation knows its turns (agent / user), and what an analysis of it would say: summary,
tags, sentiment and whether an appointment was booked. Given the business's knowledge base, the
receptionist answers callers' questions from it when it has something on the subject.
"""

import random
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from humanadd.demo.businesses import Business, Faq, Reason

SLOT_TIMES = ("9am", "10am", "10:30am", "11am", "1pm", "2pm", "2:30pm", "3pm", "4pm")
GREETINGS = (
    "Hello, thank you for calling {business}. This is {agent}. How can I help you today?",
    "Hi, thanks for calling {business}, this is {agent}. How can I help?",
    "Good day, you've reached {business}. My name is {agent}. What can I do for you?",
)
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")
SEGUES = ("One more thing.", "Oh, and a question.", "Before I forget.", "")


@dataclass
class Conversation:
    turns: list[tuple[str, str]] = field(default_factory=list)
    summary: str | None = None
    tags: list[str] = field(default_factory=list)
    booked: bool = False
    sentiment: str | None = None

    def agent(self, text: str) -> None:
        self._say("agent", text)

    def caller(self, text: str) -> None:
        self._say("user", text)

    def _say(self, role: str, text: str) -> None:
        """Add a turn; a second turn in a row by the same speaker joins the first."""
        if self.turns and self.turns[-1][0] == role:
            self.turns[-1] = (role, f"{self.turns[-1][1]} {text}")
        else:
            self.turns.append((role, text))

    @property
    def transcript(self) -> str:
        return "\n".join(
            f"{'AI' if role == 'agent' else 'Caller'}: {text}" for role, text in self.turns
        )

    @property
    def transcript_object(self) -> list[dict[str, Any]]:
        return [{"role": role, "content": text} for role, text in self.turns]

    def speaking_seconds(self) -> float:
        """About how long the turns take to say, pauses included."""
        words = sum(len(text.split()) for _, text in self.turns)
        return words / 2.6 + 1.3 * len(self.turns)


def slot(started: datetime, rng: random.Random, *, urgent: bool) -> tuple[str, str]:
    """A day and time to offer, as said during a call starting at local time `started`.

    Days are spoken from the call's point of view ("today", "tomorrow", "Thursday"); an urgent
    caller gets the next free hour today when there is one.
    """
    if urgent and started.hour < 17:
        return "today", _clock(started.hour + rng.randint(1, 2))
    ahead = 1 if urgent else rng.randint(1, 6)
    day = started + timedelta(days=ahead)
    if day.weekday() == 6:
        day += timedelta(days=1)
        ahead += 1
    return ("tomorrow" if ahead == 1 else f"{day:%A}"), rng.choice(SLOT_TIMES)


def _clock(hour: int) -> str:
    hour = max(hour, 8)
    return f"{(hour - 1) % 12 + 1}{'am' if hour < 12 else 'pm'}"


def _on(day: str) -> str:
    return day if day in ("today", "tomorrow") else f"on {day}"


def _sentiment(rng: random.Random, *, upset: bool, booked: bool) -> str | None:
    if upset:
        weights = (10, 30, 60, 0)
    elif booked:
        weights = (85, 10, 0, 5)
    else:
        weights = (50, 38, 4, 8)
    choice: str | None = rng.choices(("positive", "neutral", "negative", None), weights)[0]
    return choice


_COMMON_WORDS = frozenset(
    [
        "the",
        "and",
        "are",
        "you",
        "your",
        "our",
        "what",
        "who",
        "how",
        "much",
        "does",
        "can",
        "for",
        "with",
        "this",
        "that",
        "have",
        "has",
        "there",
        "their",
        "when",
        "where",
        "which",
        "any",
        "about",
        "all",
        "not",
        "but",
        "from",
        "will",
    ]
)


def _keywords(text: str) -> set[str]:
    """The words that say what `text` is about: lower case, plural `s` dropped."""
    return {
        word.removesuffix("s")
        for word in re.findall(r"[a-z0-9]+(?:-[a-z0-9]+)*", text.lower())
        if len(word) > 2 and word not in _COMMON_WORDS
    }


def answer_from(knowledge: Sequence[str], question: str, topic: str) -> str | None:
    """The knowledge base's sentence with the most words in common with the question and its
    topic; None when no sentence shares one."""
    wanted = _keywords(question) | _keywords(topic)
    best, best_score = None, 0
    for entry in knowledge:
        for sentence in re.split(r"(?<=[.!?])\s+|\n+", entry):
            score = len(wanted & _keywords(sentence))
            if score > best_score:
                best, best_score = sentence.strip(), score
    return best


def _ask_faqs(
    conversation: Conversation, faqs: list[Faq], knowledge: Sequence[str], rng: random.Random
) -> None:
    for faq in faqs:
        segue = rng.choice(SEGUES)
        question = rng.choice(faq.questions)
        conversation.caller(f"{segue} {question}".strip())
        conversation.agent(answer_from(knowledge, question, faq.tag) or faq.answer)


def inbound(
    business: Business,
    reason: Reason,
    started: datetime,
    caller_name: str,
    rng: random.Random,
    knowledge: Sequence[str] = (),
) -> Conversation:
    """A caller rings the business: their reason, a few questions (answered from `knowledge`,
    the knowledge base, where it can), perhaps a booking."""
    conversation = Conversation()
    first_name = caller_name.split()[0]
    conversation.agent(rng.choice(GREETINGS).format(business=business.name, agent=business.agent))
    conversation.caller(rng.choice(reason.openings))
    faqs = rng.sample(business.faqs, rng.choice((0, 0, 1, 1, 1, 2)))
    tags = [tag for tag in reason.tags if tag != "booking"] + [faq.tag for faq in faqs]
    if not reason.bookable:
        conversation.agent(f"{reason.reply} May I have your name, please?")
        conversation.caller(f"It's {caller_name}.")
        conversation.agent(f"Thank you, {first_name}. I've passed on your message.")
        _ask_faqs(conversation, faqs, knowledge, rng)
        conversation.agent("Is there anything else I can help with?")
        conversation.caller("No, that's it. Thank you.")
        conversation.agent("Thanks for calling. Goodbye!")
        conversation.summary = reason.summary_open
        conversation.tags = list(dict.fromkeys(tags))
        conversation.sentiment = _sentiment(rng, upset=reason.upset, booked=False)
        return conversation
    conversation.agent(f"{reason.reply} Can I have your name, please?")
    conversation.caller(f"Sure, it's {caller_name}.")
    conversation.agent(f"Thanks, {first_name}.")
    _ask_faqs(conversation, faqs, knowledge, rng)
    day, time = slot(started, rng, urgent=reason.urgent)
    conversation.agent(f"I have {day} at {time} available. Would that work for you?")
    booked = rng.random() < (0.5 if reason.upset else 0.72)
    if booked:
        conversation.caller(rng.choice((f"Yes, {day} at {time} works.", "Yes, perfect.")))
        conversation.agent(
            f"You're all set for {day} at {time}. We'll text you a confirmation. "
            "Is there anything else?"
        )
        conversation.summary = reason.summary_booked.format(day=day)
        tags.insert(0, "booking")
    else:
        conversation.caller("Let me check my schedule and call you back.")
        conversation.agent("Of course, just call us when you're ready. Anything else?")
        conversation.summary = reason.summary_open
    conversation.caller(rng.choice(("No, that's all. Thanks!", "No, thank you.", "That's it.")))
    conversation.agent(f"Thank you for calling {business.name}. Have a great day!")
    conversation.booked = booked
    conversation.tags = list(dict.fromkeys(tags))
    conversation.sentiment = _sentiment(rng, upset=reason.upset, booked=booked)
    return conversation


def outbound(
    business: Business, started: datetime, caller_name: str, rng: random.Random
) -> Conversation:
    """The business calls a customer back: an appointment reminder or an estimate follow-up."""
    conversation = Conversation()
    first_name = caller_name.split()[0]
    conversation.agent(
        f"Hi, this is {business.agent} calling from {business.name}. "
        f"Am I speaking with {first_name}?"
    )
    conversation.caller(f"Yes, this is {first_name}.")
    day, time = slot(started, rng, urgent=False)
    if rng.random() < 0.65:
        conversation.agent(
            f"I'm calling to confirm your appointment {_on(day)} at {time}. Does that still work?"
        )
        if rng.random() < 0.75:
            conversation.caller(rng.choice(("Yes, that works. Is there parking?", "Yes, it does.")))
            conversation.agent("Great, you're confirmed. There's free parking behind the building.")
            conversation.summary = f"Confirmed the customer's appointment {_on(day)} at {time}."
            conversation.tags = ["reminder", "confirmation"]
        else:
            new_day = rng.choice(WEEKDAYS)
            conversation.caller("Actually, can we move it to next week?")
            conversation.agent(f"Sure. How about {new_day} next week at {time}?")
            conversation.caller("Perfect, thanks.")
            conversation.agent(f"Done. You're booked for {new_day} next week at {time}.")
            conversation.summary = f"Customer moved their appointment to {new_day} next week."
            conversation.tags = ["booking", "reminder", "reschedule"]
            conversation.booked = True
    else:
        conversation.agent("I'm following up on the estimate we sent. Do you have any questions?")
        if rng.random() < 0.5:
            conversation.caller("Yes. Do you offer payment plans?")
            conversation.agent("We do: interest-free over six or twelve months.")
            conversation.caller("Then let's go ahead. When can you start?")
            conversation.agent(f"We can start {_on(day)} at {time}. I'll send the paperwork today.")
            conversation.summary = f"Customer accepted the estimate; work starts {_on(day)}."
            conversation.tags = ["booking", "follow-up", "pricing"]
            conversation.booked = True
        else:
            conversation.caller("We've decided to go with another company, thanks.")
            conversation.agent("I understand. Thanks for considering us.")
            conversation.summary = "Customer declined the estimate."
            conversation.tags = ["follow-up"]
    conversation.agent("Have a great day!")
    conversation.sentiment = _sentiment(rng, upset=False, booked=conversation.booked)
    return conversation


def interrupted(business: Business, reason: Reason, rng: random.Random) -> Conversation:
    """The start of a conversation that is still going, or that a technical fault cut short."""
    conversation = Conversation()
    conversation.agent(rng.choice(GREETINGS).format(business=business.name, agent=business.agent))
    conversation.caller(rng.choice(reason.openings))
    return conversation
