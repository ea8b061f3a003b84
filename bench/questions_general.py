"""Hand-written caller questions to many kinds of business, labelled by what they ask, for
scoring topic grouping beyond the tuning dialogs (`bench.analytics_topics`).

Written as callers speak and as speech-to-text writes it: mostly without punctuation, with
fillers, run-ons and indirect frames. Each type has two halves written apart: `TUNING`, which
may be looked at while choosing the method and its threshold, and `HELD_OUT`, which is only
scored. Types are what a business owner would count as one question; types that are built alike
but ask different things (the price of a haircut, the fee of a service call) are kept apart on
purpose.
"""

TUNING: dict[str, list[str]] = {
    "hours": [
        "what are your hours",
        "um are you open on sunday",
        "what time do you guys close tonight",
        "When do you open in the morning?",
    ],
    "location": [
        "where are you located",
        "whats your address",
        "ok and um where exactly is the office",
        "can you tell me how to get to your shop",
    ],
    "parking": [
        "is there parking",
        "where do I park when I get there",
        "do you have a parking lot or is it street parking",
        "uh is parking free",
    ],
    "insurance": [
        "do you take my insurance",
        "are you in network with aetna",
        "I was wondering if you accept blue cross",
        "does my insurance cover it",
    ],
    "payment plans": [
        "do you offer payment plans",
        "can I pay in installments",
        "is there financing available",
        "so could I split it into monthly payments",
    ],
    "payment methods": [
        "do you take credit cards",
        "can I pay with cash",
        "what forms of payment do you accept",
        "do you guys take apple pay",
    ],
    "emergency service": [
        "do you do emergency calls",
        "my heat went out is anyone available tonight",
        "do you have someone on call after hours",
        "is there a twenty four hour emergency line",
    ],
    "walk-ins": [
        "do you take walk ins",
        "can I just come in without an appointment",
        "do I need an appointment or can I walk in",
        "um are walk ins ok today",
    ],
    "new patients": [
        "are you accepting new patients",
        "is the doctor taking new patients right now",
        "I'm new to the area can I become a patient there",
        "do you take on new clients",
    ],
    "cancellation policy": [
        "what is your cancellation policy",
        "is there a fee if I cancel",
        "how much notice do you need to cancel",
        "do you charge for no shows",
    ],
    "free estimate": [
        "do you give free estimates",
        "can someone come out and give me a quote",
        "how do I get an estimate for a new roof",
        "is the quote free",
    ],
    "service area": [
        "do you service the springfield area",
        "do you come out to riverside",
        "how far do you travel",
        "um is my town in your service area",
    ],
    "consultation fee": [
        "how much is a consultation",
        "is the first consultation free",
        "do you charge for the initial meeting with the lawyer",
        "what does a consult cost",
    ],
    "delivery": [
        "do you deliver",
        "can I get it delivered to my house",
        "are you on doordash or uber eats",
        "do you do delivery to downtown",
    ],
    "dietary options": [
        "do you have vegetarian options",
        "is there anything gluten free on the menu",
        "do you have vegan dishes",
        "my wife has a nut allergy can the kitchen handle that",
    ],
    "large party": [
        "can you seat a party of twelve",
        "do you have a private room for a birthday dinner",
        "we have a big group of about fifteen people can you fit us",
        "do you take reservations for large groups",
    ],
    "pets": [
        "can I bring my dog",
        "are pets allowed",
        "is your patio dog friendly",
        "do you allow cats in the rooms",
    ],
    "appointment length": [
        "how long does the appointment take",
        "how long will a cleaning take",
        "about how much time should I set aside",
        "how long is a typical session",
    ],
    "earliest availability": [
        "when is your next available appointment",
        "do you have anything open this week",
        "what's the soonest someone can come out",
        "can I get in today",
    ],
    "warranty": [
        "is there a warranty on the repair",
        "do you guarantee your work",
        "how long is the warranty on a new furnace",
        "what happens if it breaks again after you fix it",
    ],
    "licensed and insured": [
        "are you licensed and insured",
        "are your technicians certified",
        "do you carry liability insurance",
        "is your company bonded",
    ],
    "gift cards": [
        "do you sell gift cards",
        "can I buy a gift certificate for my mom",
        "do you have gift vouchers",
        "can I use a gift card online",
    ],
    "refund policy": [
        "what is your return policy",
        "can I get a refund",
        "how many days do I have to return something",
        "do you give your money back if I'm not happy",
    ],
    "accessibility": [
        "is your building wheelchair accessible",
        "do you have a ramp",
        "is there an elevator to the second floor",
        "my father uses a walker is it easy to get in",
    ],
    "children": [
        "do you cut kids hair",
        "do you see children",
        "is the restaurant kid friendly",
        "do you have a pediatric dentist",
    ],
    "languages": [
        "do you speak spanish",
        "is there anyone who speaks chinese",
        "can I get an interpreter",
        "does the doctor speak french",
    ],
    "haircut price": [
        "how much is a haircut",
        "what do you charge for a men's cut",
        "how much for a trim",
        "what's the price of a women's haircut",
    ],
    "service call fee": [
        "how much is a service call",
        "do you charge a trip fee",
        "what's your diagnostic fee",
        "how much just to come out and look at it",
    ],
    "what to bring": [
        "what should I bring to my first appointment",
        "do I need to bring anything",
        "should I bring my id and insurance card",
        "what documents do I need to bring to the meeting",
    ],
    "hotel checkout": [
        "what time is checkout",
        "can I get a late checkout",
        "when do I have to leave the room",
        "what's the latest I can check out",
    ],
}

HELD_OUT: dict[str, list[str]] = {
    "hours": [
        "how late are you open",
        "so are you guys open saturdays",
        "what are your business hours on the weekend",
        "hi um I was wondering what time you open tomorrow",
    ],
    "location": [
        "what's the address there",
        "where is the clinic",
        "um which street are you on",
        "I'm trying to find you whereabouts are you",
    ],
    "parking": [
        "is there somewhere to park nearby",
        "do you guys have parking",
        "do I have to pay for parking",
        "can I park in front of the building",
    ],
    "insurance": [
        "do you accept insurance",
        "I have united healthcare do you take that",
        "do you work with delta dental",
        "is cigna accepted there",
    ],
    "payment plans": [
        "can I make payments over time",
        "do you have any financing options",
        "is it possible to pay a little each month",
        "uh do you do payment arrangements",
    ],
    "payment methods": [
        "do you accept visa",
        "can I pay by card",
        "do you take checks",
        "is it cash only",
    ],
    "emergency service": [
        "my pipe burst can somebody come out right now",
        "do you have emergency service on weekends",
        "is there an emergency number I can call at night",
        "it's an emergency can you send someone today",
    ],
    "walk-ins": [
        "can I just walk in",
        "do you accept walk in customers",
        "I don't have an appointment can I still come by",
        "do I have to book ahead or can I just show up",
    ],
    "new patients": [
        "are you taking new patients",
        "can I register as a new patient",
        "is the practice open to new patients",
        "I'd like to switch dentists are you accepting anyone new",
    ],
    "cancellation policy": [
        "do you charge a cancellation fee",
        "what happens if I need to cancel last minute",
        "can I cancel without paying",
        "how late can I cancel my appointment",
    ],
    "free estimate": [
        "is the estimate free",
        "can I get a quote",
        "do you charge for an estimate",
        "how much would it cost roughly can you send me a quote",
    ],
    "service area": [
        "do you work in oak park",
        "what areas do you cover",
        "do you go as far as the north side",
        "would you come out to my place in elmwood",
    ],
    "consultation fee": [
        "do you charge for the first consultation",
        "is the initial consult free",
        "what's the fee for a consultation",
        "how much does it cost to meet with an attorney",
    ],
    "delivery": [
        "can you deliver to my address",
        "do you guys do deliveries",
        "is delivery available",
        "how much is delivery",
    ],
    "dietary options": [
        "do you have gluten free pasta",
        "what vegan options do you have",
        "is there a vegetarian menu",
        "do you have dairy free stuff",
    ],
    "large party": [
        "can I book a table for twenty people",
        "do you host large parties",
        "is there room for a big group on friday",
        "do you have a banquet room for events",
    ],
    "pets": [
        "is it ok to bring my puppy",
        "do you allow dogs",
        "are you pet friendly",
        "can my dog come in with me",
    ],
    "appointment length": [
        "how long does it take",
        "how much time does a haircut usually take",
        "how long will I be there",
        "about how long is the visit",
    ],
    "earliest availability": [
        "what's your earliest opening",
        "is there anything available tomorrow",
        "how soon can I get an appointment",
        "do you have any openings today",
    ],
    "warranty": [
        "do you offer a warranty",
        "is your work guaranteed",
        "what kind of guarantee do you give",
        "is the part covered if it fails",
    ],
    "licensed and insured": [
        "are you guys licensed",
        "is your company insured",
        "do you have a contractor's license",
        "are the electricians licensed",
    ],
    "gift cards": [
        "do you have gift cards",
        "can I get a gift certificate",
        "can I buy a voucher for a massage as a present",
        "are gift cards available",
    ],
    "refund policy": [
        "do you do refunds",
        "can I return it",
        "how do returns work",
        "what if I want my money back",
    ],
    "accessibility": [
        "is there wheelchair access",
        "are there stairs to get in",
        "is the entrance accessible",
        "do you have an accessible bathroom",
    ],
    "children": [
        "do you treat kids",
        "can I bring my kids",
        "do you have a children's menu",
        "how old does my son have to be",
    ],
    "languages": [
        "does anyone there speak spanish",
        "do you have staff who speak vietnamese",
        "can I speak to someone in spanish",
        "what languages do you speak",
    ],
    "haircut price": [
        "how much do you charge for a haircut",
        "what's a cut cost",
        "how much for a kids haircut",
        "what are your prices for haircuts",
    ],
    "service call fee": [
        "is there a fee for the technician to come out",
        "do you charge just to look at it",
        "how much is the visit fee",
        "what do you charge for a house call",
    ],
    "what to bring": [
        "is there anything I should bring",
        "do I need to bring my paperwork",
        "what do I need to have with me",
        "should I bring my medical records",
    ],
    "hotel checkout": [
        "when is check out",
        "is late checkout possible",
        "what time do we need to be out of the room",
        "can we stay past eleven on sunday",
    ],
}


def labelled(half: dict[str, list[str]]) -> list[tuple[str, str]]:
    """(wording, type) of every question in `half`, type by type."""
    return [(text, kind) for kind, texts in half.items() for text in texts]
