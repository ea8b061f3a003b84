"""The demo's business: a heating and cooling company, why its customers call, what they ask.

The demo account is this one business (the API document's example call is one of its calls), so
every seeded call, summary and answer fits it. Alternatives in a tuple are picked at random (a
repeated one more often). A question comes in several wordings, as callers vary: some differ only
in case or punctuation, most in words ("What are your hours?", "When are you open?"), and a few
are written as speech-to-text writes them, in lower case without a question mark ("are you open
on saturday"). Our analysis groups them by meaning into the account's topics, which
`topQuestions` counts; docs/analytics.md ("In the demo") says which wordings it keeps apart.
"""

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Faq:
    """A question callers ask in passing, in several wordings, and the receptionist's answer."""

    subject: str
    """What the question is about: the word the receptionist looks for in the knowledge base."""
    questions: tuple[str, ...]
    answer: str


@dataclass(frozen=True, slots=True)
class Reason:
    """Why someone calls: the opening line, the reply, and whether it can end in a booking."""

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
    name: str
    phone: str
    agent: str
    reasons: tuple[Reason, ...]
    faqs: tuple[Faq, ...]


HVAC = Business(
    name="Comfort Air Heating & Cooling",
    phone="+15559876543",
    agent="Ava",
    reasons=(
        Reason(
            (
                "Hi, I'd like to schedule a maintenance visit for my AC before the summer.",
                "I need someone to service my furnace. Can I book a tune-up?",
                "It's been two years since our furnace was serviced. Can I book a tune-up?",
            ),
            "Happy to help with that. We do seasonal tune-ups every weekday.",
            "Caller booked an HVAC maintenance appointment for {day}.",
            "Caller asked about an HVAC tune-up and will call back to schedule.",
        ),
        Reason(
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
            (
                "I'd like a smart thermostat installed.",
                "Can you install a smart thermostat for me?",
            ),
            "We can. Installation is $149, and we set it up with your phone before we leave.",
            "Caller booked a smart thermostat installation for {day}.",
            "Caller asked about installing a smart thermostat.",
        ),
        Reason(
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
        Reason(
            (
                "I need to cancel my appointment tomorrow. Something came up at work.",
                "Can I reschedule my tune-up?",
            ),
            "No problem, I've cancelled that visit. Let's find you a new time.",
            "Caller cancelled an appointment and rebooked for {day}.",
            "Caller cancelled an appointment and will reschedule later.",
        ),
        Reason(
            (
                "Is my furnace still under warranty? You installed it three years ago.",
                "I'm calling about the warranty on my air conditioner.",
            ),
            "Let me have our service manager look up your installation and warranty.",
            "",
            "Caller asked about their equipment warranty; the service manager will call back.",
            bookable=False,
        ),
    ),
    faqs=(
        Faq(
            "hours",
            (
                "What are your hours?",
                "What are your hours?",
                "what are your hours",
                "When are you open?",
                "What time do you close today?",
                "How late are you open?",
                "are you open on saturday",
                "Are you open on weekends?",
            ),
            "We're open Monday to Friday from 8am to 6pm, and Saturday from 9am to 1pm.",
        ),
        Faq(
            "pricing",
            (
                "How much does a tune-up cost?",
                "How much does a tune-up cost?",
                "how much is a tune up",
                "What do you charge for a tune-up?",
                "What's the price of a furnace tune-up?",
                "how much for a maintenance visit",
            ),
            "Our seasonal tune-up is $129, and it's free for Comfort Club members.",
        ),
        Faq(
            "emergency",
            (
                "Do you offer emergency service?",
                "Do you offer emergency service?",
                "do you do emergency calls at night",
                "Can someone come out in the middle of the night?",
                "What if my heat goes out on a Sunday?",
            ),
            "Yes, we answer emergencies around the clock, with a $95 after-hours fee.",
        ),
        Faq(
            "payment",
            (
                "Do you offer payment plans?",
                "Do you offer payment plans?",
                "can I pay in installments",
                "Do you offer financing?",
                "Can I pay monthly?",
            ),
            "Yes, we offer interest-free payment plans over six or twelve months.",
        ),
        Faq(
            "service-area",
            (
                "Which areas do you serve?",
                "do you come out to the suburbs",
                "Do you service my area?",
                "How far out do you go?",
            ),
            "We cover the whole metro area, up to 30 miles from downtown, at no travel charge.",
        ),
        Faq(
            "brands",
            (
                "Do you work on all brands?",
                "What brands do you repair?",
                "do you service carrier units",
                "Do you fix Trane systems?",
            ),
            "Yes, our technicians service every major brand, including Carrier, Trane and Lennox.",
        ),
    ),
)
