"""Multi-turn receptionist conversations for the demo's calls, with what a provider's built-in
analysis would say of them.

A conversation knows its turns (agent / user), when each word of them is said (Retell's
`transcript_object`, which the demo's audio follows), its summary and the caller's sentiment
(what Retell's analysis sends without custom configuration), and whether an appointment was
booked (which the simulated provider does not say: our analysis finds it, with the tags and
questions). Given the business's knowledge base, the receptionist answers callers' questions
from it when it has something on the subject (see `receptionist`).
"""

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from humanadd.demo import receptionist
from humanadd.demo.businesses import Business, Faq, Reason

SLOT_TIMES = ("9am", "10am", "10:30am", "11am", "1pm", "2pm", "2:30pm", "3pm", "4pm")
GREETINGS = (
    "Hello, thank you for calling {business}. This is {agent}. How can I help you today?",
    "Hi, thanks for calling {business}, this is {agent}. How can I help?",
    "Good day, you've reached {business}. My name is {agent}. What can I do for you?",
)
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")
SEGUES = ("One more thing.", "Oh, and a question.", "Before I forget.", "")
SPOKEN_SEGUES = ("oh and", "um", "and uh", "")
"""How a question written as speech-to-text writes it (in lower case, no `?`) is led into."""
ACKNOWLEDGEMENTS = ("Okay, good to know.", "Great, thanks.", "Perfect.", "Got it, thanks.")
LEAD_SECONDS = 0.5
"""From the call's start to the agent's first word."""
TAIL_SECONDS = 1.0
"""From the last word to a fitted call's end."""
WORD_GAP_SECONDS = 0.08
TURN_GAP_SECONDS = (0.4, 1.4)


@dataclass
class Conversation:
    turns: list[tuple[str, str]] = field(default_factory=list)
    summary: str | None = None
    booked: bool = False
    """Whether the call ended in a booking: what our analysis is to find from the turns."""
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

    def timed(
        self, rng: random.Random, fit_seconds: float | None = None
    ) -> tuple[list[dict[str, Any]], float]:
        """The turns as Retell's `transcript_object`, each word timed in seconds from the
        call's start, and when the last word ends. Turns are a random pause apart; with
        `fit_seconds`, the pauses (or, if too short, the pace) are stretched so that the last
        word ends TAIL_SECONDS before it."""
        gaps = [rng.uniform(*TURN_GAP_SECONDS) for _ in self.turns[1:]]
        turns, end = self._laid_out(gaps, 1.0)
        if fit_seconds is None:
            return turns, end
        target = fit_seconds - TAIL_SECONDS
        if target >= end and gaps:
            return self._laid_out([gap + (target - end) / len(gaps) for gap in gaps], 1.0)
        return self._laid_out(gaps, target / end)

    def _laid_out(self, gaps: list[float], pace: float) -> tuple[list[dict[str, Any]], float]:
        moment = LEAD_SECONDS * pace
        turns = []
        for index, (role, text) in enumerate(self.turns):
            moment += gaps[index - 1] * pace if index else 0.0
            words = []
            for position, word in enumerate(text.split()):
                moment += WORD_GAP_SECONDS * pace if position else 0.0
                end = moment + _spoken_seconds(word) * pace
                words.append({"word": word, "start": round(moment, 2), "end": round(end, 2)})
                moment = end
            turns.append({"role": role, "content": text, "words": words})
        return turns, moment


def _spoken_seconds(word: str) -> float:
    """How long a word takes to say: longer words take longer (about 2.5 words a second)."""
    return min(0.6, max(0.15, 0.12 + 0.045 * sum(char.isalnum() for char in word)))


def whole_seconds(end: float, rng: random.Random) -> int:
    """A call's length in whole seconds when its last word ends at `end`: a moment later."""
    return math.ceil(end + rng.uniform(0.5, 2.5))


def slot(started: datetime, rng: random.Random, *, urgent: bool) -> tuple[str, str]:
    """A day and time to offer, as said during a call starting at local time `started`.

    Days are spoken from the call's point of view ("today", "tomorrow", "Thursday"); an urgent
    caller gets the next free hour today when there is one.
    """
    if urgent and started.hour < 17:
        return "today", _clock(started.hour + rng.randint(1, 2))
    ahead = 1 if urgent else rng.randint(1, 4)
    day = started + timedelta(days=ahead)
    # Visits are booked on weekdays; an urgent one is the next day, whichever it is.
    while day.weekday() >= 5 and not urgent:
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


def _ask_faqs(
    conversation: Conversation, faqs: list[Faq], knowledge: Sequence[str], rng: random.Random
) -> None:
    """The caller asks, the receptionist answers (from the knowledge base where it says something
    on it), the caller takes the answer in: an answer is a turn of its own."""
    for faq in faqs:
        question = rng.choice(faq.questions)
        segue = rng.choice(SPOKEN_SEGUES if question[:1].islower() else SEGUES)
        conversation.caller(f"{segue} {question}".strip())
        conversation.agent(receptionist.answer(knowledge, question, faq.subject) or faq.answer)
        conversation.caller(rng.choice(ACKNOWLEDGEMENTS))


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
    if not reason.bookable:
        conversation.agent(f"{reason.reply} May I have your name, please?")
        conversation.caller(f"It's {caller_name}.")
        conversation.agent(f"Thank you, {first_name}. I've passed on your message.")
        _ask_faqs(conversation, faqs, knowledge, rng)
        conversation.agent("Is there anything else I can help with?")
        conversation.caller("No, that's it. Thank you.")
        conversation.agent("Thanks for calling. Goodbye!")
        conversation.summary = reason.summary_open
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
    else:
        conversation.caller("Let me check my schedule and call you back.")
        conversation.agent("Of course, just call us when you're ready. Anything else?")
        conversation.summary = reason.summary_open
    conversation.caller(rng.choice(("No, that's all. Thanks!", "No, thank you.", "That's it.")))
    conversation.agent(f"Thank you for calling {business.name}. Have a great day!")
    conversation.booked = booked
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
            conversation.caller(
                rng.choice(("Yes, that works. Will the technician call ahead?", "Yes, it does."))
            )
            conversation.agent(
                "Great, you're confirmed. The technician calls about 30 minutes before arriving."
            )
            conversation.summary = f"Confirmed the customer's appointment {_on(day)} at {time}."
        else:
            new_day = rng.choice(WEEKDAYS)
            conversation.caller("Actually, can we move it to next week?")
            conversation.agent(f"Sure. How about {new_day} next week at {time}?")
            conversation.caller("Perfect, thanks.")
            conversation.agent(f"Done. You're booked for {new_day} next week at {time}.")
            conversation.summary = f"Customer moved their appointment to {new_day} next week."
            conversation.booked = True
    else:
        conversation.agent("I'm following up on the estimate we sent. Do you have any questions?")
        if rng.random() < 0.5:
            conversation.caller("Yes. Do you offer payment plans?")
            conversation.agent("We do: interest-free over six or twelve months.")
            conversation.caller("Then let's go ahead. When can you start?")
            conversation.agent(
                f"Great, you're booked: we start {_on(day)} at {time}. "
                "I'll send the paperwork today."
            )
            conversation.summary = f"Customer accepted the estimate; work starts {_on(day)}."
            conversation.booked = True
        else:
            conversation.caller("We've decided to go with another company, thanks.")
            conversation.agent("I understand. Thanks for considering us.")
            conversation.summary = "Customer declined the estimate."
    conversation.agent("Have a great day!")
    conversation.sentiment = _sentiment(rng, upset=False, booked=conversation.booked)
    return conversation


def interrupted(business: Business, reason: Reason, rng: random.Random) -> Conversation:
    """The start of a conversation that is still going, or that a technical fault cut short."""
    conversation = Conversation()
    conversation.agent(rng.choice(GREETINGS).format(business=business.name, agent=business.agent))
    conversation.caller(rng.choice(reason.openings))
    return conversation
