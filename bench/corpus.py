"""Realistic field values for generated calls: businesses, conversations, questions, tags.

Conversations are built once per business into a small pool and then shared by many calls,
so that generating a million rows costs little more than picking from lists.
"""

import random
from dataclasses import dataclass

import orjson

from humanadd.analytics.questions import caller_questions
from humanadd.analytics.transcript import from_object
from humanadd.questions.service import normalize


@dataclass(frozen=True)
class Business:
    kind: str
    greeting: str
    intents: tuple[str, ...]
    questions: tuple[tuple[str, str], ...]
    """(question as the caller asks it, the agent's answer)."""
    summaries: tuple[str, ...]
    tags: tuple[str, ...]


BUSINESSES = (
    Business(
        kind="HVAC",
        greeting="Thanks for calling Northside Heating and Air, this is the virtual assistant.",
        intents=(
            "My furnace stopped blowing warm air last night.",
            "I'd like to schedule a maintenance visit for my AC.",
            "We need a quote for a new heat pump.",
        ),
        questions=(
            ("Do you charge extra for weekend visits?", "Weekend visits have a $49 surcharge."),
            ("How much is a maintenance visit?", "A standard tune-up is $129."),
            ("Can someone come out today?", "Our earliest slot today is at 3pm."),
            ("Do you service Carrier units?", "Yes, we service every major brand."),
            ("Are you open on Sundays?", "We are open Sundays from 10am to 4pm."),
        ),
        summaries=(
            "Caller booked an HVAC maintenance appointment for Thursday.",
            "Caller reported a furnace outage; technician dispatched this afternoon.",
            "Caller asked for a heat pump quote; estimate visit scheduled.",
        ),
        tags=("booking", "emergency", "quote", "maintenance"),
    ),
    Business(
        kind="dental",
        greeting="Hello, you've reached Bright Smile Dental. How can I help you today?",
        intents=(
            "I need to book a cleaning.",
            "I have a toothache and need to be seen soon.",
            "I'm calling to reschedule my appointment.",
        ),
        questions=(
            ("Do you take Delta Dental insurance?", "Yes, we are in network with Delta Dental."),
            ("How much is a cleaning without insurance?", "A cleaning and exam is $140."),
            ("Are you accepting new patients?", "Yes, we are accepting new patients."),
            ("What are your hours on Friday?", "On Fridays we are open 8am to 2pm."),
            ("Is there parking at the office?", "There is free parking behind the building."),
        ),
        summaries=(
            "New patient booked a cleaning for next Tuesday.",
            "Caller with tooth pain booked an emergency exam.",
            "Existing patient moved their appointment to Monday.",
        ),
        tags=("booking", "new-patient", "insurance", "reschedule"),
    ),
    Business(
        kind="plumbing",
        greeting="Rapid Rooter Plumbing, how can I help?",
        intents=(
            "My kitchen sink is completely clogged.",
            "There's water leaking under the water heater.",
            "I want an estimate to replace a toilet.",
        ),
        questions=(
            ("How soon can a plumber get here?", "A plumber can be there within two hours."),
            ("Do you charge for estimates?", "Estimates are free."),
            ("Is there an after hours fee?", "After-hours calls have an $89 fee."),
            ("Do you replace water heaters?", "Yes, we install tank and tankless heaters."),
        ),
        summaries=(
            "Caller booked a drain cleaning for this afternoon.",
            "Water heater leak; emergency visit scheduled.",
            "Caller requested a toilet replacement estimate.",
        ),
        tags=("booking", "emergency", "quote"),
    ),
    Business(
        kind="salon",
        greeting="Hi, thanks for calling Studio Nine Salon.",
        intents=(
            "I'd like to book a haircut for Saturday.",
            "Can I get a color appointment next week?",
            "I need to cancel my appointment tomorrow.",
        ),
        questions=(
            ("How much is a women's haircut?", "Women's cuts start at $65."),
            ("Do you have anything available on Saturday?", "We have openings at 11 and 2."),
            ("Do you take walk ins?", "We take walk-ins when a stylist is free."),
            ("What is your cancellation policy?", "Please cancel at least 24 hours ahead."),
        ),
        summaries=(
            "Caller booked a haircut for Saturday at 11am.",
            "Color appointment booked with Maya next Wednesday.",
            "Caller cancelled tomorrow's appointment.",
        ),
        tags=("booking", "cancellation", "pricing"),
    ),
    Business(
        kind="veterinary",
        greeting="Oak Park Animal Hospital, this is the after-hours assistant.",
        intents=(
            "My dog ate something he shouldn't have.",
            "I need to book vaccines for my kitten.",
            "I'm calling about a prescription refill.",
        ),
        questions=(
            ("Do you see exotic pets?", "We see birds and small mammals, not reptiles."),
            ("How much is a wellness exam?", "A wellness exam is $75."),
            ("Are you open late tonight?", "We are open until 9pm tonight."),
            ("Can I pick up the refill today?", "Refills are ready after 4pm."),
        ),
        summaries=(
            "Possible ingestion; caller advised to come in now.",
            "Kitten vaccine appointment booked for Friday.",
            "Prescription refill request passed to the clinic.",
        ),
        tags=("booking", "emergency", "refill"),
    ),
)

DISCONNECTIONS_ANSWERED = ("user_hangup", "user_hangup", "user_hangup", "agent_hangup")
DISCONNECTIONS_MISSED = ("dial_no_answer", "voicemail_reached", "dial_busy", "user_declined")
SENTIMENTS = ("positive",) * 6 + ("neutral",) * 2 + ("negative", None)
CONVERSATIONS_PER_BUSINESS = 60


@dataclass(frozen=True)
class Conversation:
    transcript: str
    transcript_json: str
    """`transcript_object` already serialised: the same text goes to every call sharing it."""
    questions: tuple[tuple[str, str], ...]
    """(question text, its normalised grouping key), extracted by the service's own rules."""


def _conversation(business: Business, rng: random.Random) -> Conversation:
    intent = rng.choice(business.intents)
    asked = rng.sample(business.questions, k=rng.choice((0, 1, 1, 2)))
    turns: list[dict[str, str]] = [{"role": "agent", "content": business.greeting}]
    if asked:
        question, answer = asked[0]
        turns.append({"role": "user", "content": f"Hi. {intent} {question}"})
        turns.append({"role": "agent", "content": f"{answer} Can I help with anything else?"})
        for question, answer in asked[1:]:
            turns.append({"role": "user", "content": f"Yes, one more thing. {question}"})
            turns.append({"role": "agent", "content": answer})
    else:
        turns.append({"role": "user", "content": f"Hi. {intent}"})
        turns.append({"role": "agent", "content": "I can help with that. Let me get you set up."})
    turns.append({"role": "user", "content": "Great, thank you."})
    turns.append({"role": "agent", "content": "You're welcome. Have a great day!"})
    transcript = "\n".join(
        f"{'AI' if turn['role'] == 'agent' else 'Caller'}: {turn['content']}" for turn in turns
    )
    questions = tuple((text, normalize(text)) for text in caller_questions(from_object(turns)))
    return Conversation(transcript, orjson.dumps(turns).decode(), questions)


def conversation_pool(seed: int) -> dict[str, tuple[Conversation, ...]]:
    """A fixed set of conversations for each kind of business."""
    rng = random.Random(seed)
    return {
        business.kind: tuple(
            _conversation(business, rng) for _ in range(CONVERSATIONS_PER_BUSINESS)
        )
        for business in BUSINESSES
    }


TIMEZONES = (
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Los_Angeles",
    "Europe/London",
    "Europe/Berlin",
    "Australia/Sydney",
    "UTC",
)
PLANS = ("enterprise",) * 3 + ("pro",) * 4 + ("starter",) * 3
HOUR_WEIGHTS = (
    (0.05,) * 7
    + (0.3, 0.7)
    + (1.0,) * 3
    + (0.8,)
    + (0.9,) * 4
    + (0.6, 0.4)
    + (0.2,) * 3
    + (0.1,) * 2
)
"""How likely a call is to start in each local hour (0-23), relative to the busiest hours."""
WEEKDAY_WEIGHTS = (1.0, 0.95, 0.9, 0.9, 0.85, 0.5, 0.3)
"""The same for each local weekday, Monday first."""
