"""What a well-written caller question looks like in the demo."""

import re

PROPER_QUESTION = re.compile(r"(?!.*[,;:'-]{2})[A-Z](?:[^?!.\s]| (?! ))*[^\s?!.,;:'-]\?")
"""A capital first, single spaces, no doubled punctuation, one question mark at the end."""
SPOKEN_QUESTION = re.compile(r"[a-z][a-z' ]*(?: I [a-z' ]*)?[a-z]")
"""A question as speech-to-text writes it: lower case (but "I"), no punctuation."""
