"""What the demo's callers talk about: four kinds of business, their reasons to call, their FAQs.

Alternatives in a tuple are picked at random (a repeated one more often). A question comes in
several wordings, as callers vary: some differ only in case or punctuation, which `topQuestions`
folds together ("a tune-up", "a tune up"), others in words. Every wording is a proper sentence,
since `topQuestions` shows the one most calls used.
"""

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Faq:
    """A question callers ask in passing, in several wordings, and the receptionist's answer."""

    tag: str
    questions: tuple[str, ...]
    answer: str


@dataclass(frozen=True, slots=True)
class Reason:
    """Why someone calls: the opening line, the reply, and whether it can end in a booking."""

    tags: tuple[str, ...]
    openings: tuple[str, ...]
    reply: str
    summary_booked: str
    """The call's summary when it ends in a booking; `{day}` is the day booked."""
    summary_open: str
    """The call's summary otherwise."""
    bookable: bool = True
    urgent: bool = False
    """The caller needs help today: the slot offered is today's."""
    upset: bool = False
    """An unhappy caller: the call's sentiment is negative more often than not."""


@dataclass(frozen=True, slots=True)
class Business:
    key: str
    name: str
    phone: str
    agent: str
    reasons: tuple[Reason, ...]
    faqs: tuple[Faq, ...]
    recordings: tuple[str, ...]
    """Names of the demo recordings that fit this business's calls."""
    share: float
    """Fraction of the demo's calls that reach this business."""


HOURS = Faq(
    "hours",
    (
        "What are your hours?",
        "What are your hours?",
        "What are your hours?",
        "Sorry, what are your hours?",
        "What are your opening hours?",
        "What time do you open on Saturday?",
    ),
    "We're open Monday to Friday from 8am to 6pm, and Saturday from 9am to 1pm.",
)
LOCATION = Faq(
    "location",
    (
        "Where are you located?",
        "Where are you located?",
        "Where exactly are you located?",
        "Is there parking?",
    ),
    "We're at 120 Main Street, next to the library, with free parking behind the building.",
)
PAYMENT = Faq(
    "pricing",
    ("Do you offer payment plans?", "Can I pay in installments?"),
    "Yes, we offer interest-free payment plans over six or twelve months.",
)

HVAC = Business(
    key="hvac",
    name="Comfort Air Heating & Cooling",
    phone="+15559876543",
    agent="Ava",
    share=0.32,
    recordings=("hvac-maintenance", "hvac-repair"),
    reasons=(
        Reason(
            ("booking", "maintenance"),
            (
                "Hi, I'd like to schedule a maintenance visit for my AC before the summer.",
                "I need someone to service my furnace. Can I book a tune-up?",
            ),
            "Happy to help with that. We do seasonal tune-ups every weekday.",
            "Caller booked an HVAC maintenance appointment for {day}.",
            "Caller asked about an HVAC tune-up and will call back to schedule.",
        ),
        Reason(
            ("emergency", "repair"),
            (
                "My heat stopped working last night and it's freezing in here. "
                "Do you offer emergency service?",
                "Our AC is blowing warm air and we have a newborn at home. "
                "Can someone come out today?",
            ),
            "I'm sorry to hear that. We have technicians on call for urgent repairs.",
            "Caller reported a broken heating or cooling system; an emergency repair visit "
            "is booked for {day}.",
            "Caller reported a broken heating or cooling system but did not book a visit.",
            urgent=True,
        ),
        Reason(
            ("pricing",),
            (
                "How much does it cost to replace a furnace?",
                "How much does it cost to install a heat pump?",
            ),
            "Replacements usually run from $4,500 to $9,000 depending on the system. "
            "A technician gives you an exact quote for free.",
            "Caller asked about replacement costs and booked a free estimate for {day}.",
            "Caller asked about replacement costs; no estimate booked yet.",
        ),
        Reason(
            ("complaint", "repair"),
            (
                "A technician came on Monday and the unit is still making the same noise. "
                "This is really frustrating.",
            ),
            "I'm sorry about that. Repeat visits for the same problem are free of charge.",
            "Caller complained that a recent repair did not fix the noise; a free follow-up "
            "visit is booked for {day}.",
            "Caller complained that a recent repair did not fix the noise and asked for a "
            "manager to call back.",
            upset=True,
        ),
    ),
    faqs=(
        HOURS,
        Faq(
            "pricing",
            (
                "How much does a tune-up cost?",
                "How much does a tune-up cost?",
                "How much does a tune up cost?",
                "How much is a tune-up?",
            ),
            "Our seasonal tune-up is $129, and it's free for Comfort Club members.",
        ),
        Faq(
            "emergency",
            (
                "Do you offer emergency service?",
                "Do you offer emergency service?",
                "Do you do emergency calls at night?",
            ),
            "Yes, we answer emergencies around the clock, with a $95 after-hours fee.",
        ),
        PAYMENT,
    ),
)

DENTAL = Business(
    key="dental",
    name="Bright Smile Dental",
    phone="+12125550142",
    agent="Mia",
    share=0.30,
    recordings=("dental-cleaning", "dental-insurance"),
    reasons=(
        Reason(
            ("booking", "cleaning"),
            (
                "Hi, I'd like to book a cleaning.",
                "I'm a new patient and I need a checkup and cleaning.",
            ),
            "Wonderful, we'd love to see you.",
            "Caller booked a dental cleaning for {day}.",
            "Caller asked about cleaning availability and will call back to book.",
        ),
        Reason(
            ("emergency",),
            (
                "I cracked a tooth at dinner and it really hurts. Can you see me today?",
                "I have a bad toothache on the left side. Do you take emergency patients?",
            ),
            "I'm sorry you're in pain. We keep time every day for dental emergencies.",
            "Caller with tooth pain booked an emergency visit for {day}.",
            "Caller with tooth pain asked about emergency visits but did not book.",
            urgent=True,
        ),
        Reason(
            ("insurance",),
            (
                "Do you take insurance?",
                "Do you take insurance? I have Delta Dental.",
                "Do you accept Cigna?",
            ),
            "We're in network with Delta Dental, Cigna, Aetna and MetLife, "
            "and we file claims for you.",
            "Caller asked which insurance plans are accepted and booked a new-patient exam "
            "for {day}.",
            "Caller asked which insurance plans are accepted.",
        ),
        Reason(
            ("cancellation",),
            (
                "I need to cancel my appointment tomorrow. Something came up at work.",
                "Can I reschedule my appointment?",
            ),
            "No problem, I've cancelled it. Would you like to pick a new time?",
            "Caller cancelled an appointment and rebooked for {day}.",
            "Caller cancelled an appointment and will reschedule later.",
        ),
    ),
    faqs=(
        HOURS,
        Faq(
            "insurance",
            (
                "Do you take insurance?",
                "Do you take insurance?",
                "Do you take insurance?",
                "Do you take dental insurance?",
                "Do you accept insurance?",
            ),
            "Yes, we accept most PPO plans, including Delta Dental, Cigna and Aetna.",
        ),
        Faq(
            "pricing",
            (
                "How much is a cleaning without insurance?",
                "Are X-rays included in the cleaning?",
                "Are x-rays included in the cleaning?",
            ),
            "A cleaning with an exam and X-rays is $189 without insurance.",
        ),
        LOCATION,
    ),
)

LEGAL = Business(
    key="legal",
    name="Harper & Lowe Law",
    phone="+16175550187",
    agent="Grace",
    share=0.18,
    recordings=("legal-consultation",),
    reasons=(
        Reason(
            ("booking", "consultation"),
            (
                "I was in a car accident last week and I think I need a lawyer.",
                "I'm going through a divorce and I'd like to talk to an attorney.",
            ),
            "I'm sorry you're dealing with that. An attorney can review your situation "
            "in a consultation.",
            "Caller booked a consultation with an attorney for {day}.",
            "Caller asked about legal representation and will call back to book a consultation.",
        ),
        Reason(
            ("pricing",),
            (
                "How much do you charge for a will?",
                "What do you charge for an estate plan?",
            ),
            "A simple will is a flat $650, and a full estate plan starts at $1,800.",
            "Caller asked about estate planning fees and booked a consultation for {day}.",
            "Caller asked about estate planning fees.",
        ),
        Reason(
            ("callback",),
            (
                "I'm returning a call from Ms. Harper about my case.",
                "I have a question about my case. Can my attorney call me back?",
            ),
            "I'll let the attorney know right away; she returns calls the same day.",
            "",
            "Caller asked for a callback from the attorney about their case.",
            bookable=False,
        ),
    ),
    faqs=(
        HOURS,
        Faq(
            "pricing",
            (
                "Do you offer free consultations?",
                "Do you offer free consultations?",
                "Is the first consultation free?",
            ),
            "Yes, the first 30-minute consultation is free.",
        ),
        Faq(
            "pricing",
            ("Do you work on contingency?",),
            "For injury cases, yes: you pay nothing unless we win.",
        ),
        LOCATION,
    ),
)

SALON = Business(
    key="salon",
    name="Luxe Hair Studio",
    phone="+13125550119",
    agent="Zoe",
    share=0.20,
    recordings=("salon-booking",),
    reasons=(
        Reason(
            ("booking",),
            (
                "Hi, can I book a haircut for this week?",
                "I'd like to book a color and cut with Jessica.",
            ),
            "Of course, let me check the schedule.",
            "Caller booked a haircut for {day}.",
            "Caller asked about haircut availability this week.",
        ),
        Reason(
            ("pricing",),
            ("How much is a balayage?", "What does a balayage cost?"),
            "Balayage starts at $180, depending on your hair's length.",
            "Caller asked about balayage pricing and booked an appointment for {day}.",
            "Caller asked about balayage pricing.",
        ),
        Reason(
            ("cancellation",),
            ("I need to cancel my appointment on Friday.",),
            "That's fine, it's cancelled. There's no fee with a day's notice.",
            "Caller cancelled an appointment and rebooked for {day}.",
            "Caller cancelled an appointment.",
        ),
    ),
    faqs=(
        HOURS,
        Faq(
            "walk-in",
            ("Do you take walk-ins?", "Do you take walk-ins?", "Do you accept walk-ins?"),
            "We take walk-ins when a stylist is free, but booking ahead is safer.",
        ),
        PAYMENT,
        LOCATION,
    ),
)

BUSINESSES = (HVAC, DENTAL, LEGAL, SALON)

RECORDINGS = (
    "hvac-maintenance",
    "hvac-repair",
    "dental-cleaning",
    "dental-insurance",
    "legal-consultation",
    "salon-booking",
    "outbound-reminder",
)
"""Every demo recording, by name (`<name>.wav`)."""
