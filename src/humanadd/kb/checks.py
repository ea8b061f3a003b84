"""The automatic review of a knowledge-base change: each finding is a named reason to hold the
change for an operator.

- `duplicate`: the text is already an entry of the current version, exactly (leading and
  trailing whitespace aside).
- `card_number`: 13 to 19 digits written as card numbers are (in one run, or in groups after a
  first group of four, separated by spaces or dashes) that pass the Luhn check, as payment card
  numbers do; also when more digits follow (a card and its security code).
- `secret`: something that looks like a credential: a key with a known prefix (ours, Stripe,
  AWS, GitHub, Slack, OpenAI…), a private key block, a JSON web token, or a password, API key
  or token given after a label ("password: …", "api key = …", "passcode is 8841").
- `large_shrink`: a replace that leaves less than 20 % of the current characters.
"""

import re
from collections.abc import Sequence
from enum import StrEnum


class Finding(StrEnum):
    DUPLICATE = "duplicate"
    CARD_NUMBER = "card_number"
    SECRET = "secret"
    LARGE_SHRINK = "large_shrink"


SHRINK_LIMIT = 0.8
"""A replace may take away at most this share of the knowledge base's characters unheld."""

_DIGIT_GROUPS = re.compile(r"(?<![\d-])\d+(?:[ -]\d+)*")
"""Digits, in groups separated by one space or dash."""
_SECRETS = (
    # Key-shaped strings with a well-known prefix.
    r"\bhak_[0-9A-Za-z]{38}\b",
    r"\b(?:sk|rk|pk)_(?:live|test)_[0-9A-Za-z]{16,}",
    r"\bsk-(?:proj-)?[0-9A-Za-z_-]{20,}",
    r"\bA(?:KIA|SIA)[0-9A-Z]{16}\b",
    r"\bgh[pousr]_[0-9A-Za-z]{36,}",
    r"\bgithub_pat_[0-9A-Za-z_]{40,}",
    r"\bxox[abposr]-[0-9A-Za-z-]{10,}",
    r"\bAIza[0-9A-Za-z_-]{35}\b",
    r"\bwhsec_[0-9A-Za-z+/=]{24,}",
    r"-----BEGIN (?:[A-Z]+ )?PRIVATE KEY-----",
    r"\beyJ[0-9A-Za-z_-]{8,}\.eyJ[0-9A-Za-z_-]{8,}\.[0-9A-Za-z_-]{8,}",
    # A credential after its label: "password: hunter2", "API key = abc123…", or "passcode
    # is 8841" (after "is", only a value with a digit: "password is required" is no secret).
    r"(?i:\b(?:password|passwd|passcode|pwd|api[ _-]?key|secret[ _-]?key|access[ _-]?token"
    r"|auth[ _-]?token|client[ _-]?secret)\b(?:\s*[:=]\s*\S{4,}|\s+is\s+(?=\S*\d)\S{4,}))",
)
_SECRET = re.compile("|".join(f"(?:{pattern})" for pattern in _SECRETS))


def luhn_valid(digits: str) -> bool:
    total = 0
    for position, digit in enumerate(reversed(digits)):
        value = int(digit)
        if position % 2:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def _card_shaped(groups: Sequence[str]) -> bool:
    """13 to 19 digits written as cards are: in one run, or in groups of 3 to 6 digits after a
    first group of 4 (4-4-4-4, 4-6-5, 4-4-4-4-3)."""
    if not 13 <= sum(len(group) for group in groups) <= 19:
        return False
    return len(groups) == 1 or (
        len(groups[0]) == 4 and all(3 <= len(group) <= 6 for group in groups)
    )


def has_card_number(text: str) -> bool:
    """Whether a run of digit groups in `text` starts with a card-shaped number that passes the
    Luhn check (so a card followed by its CVV counts)."""
    for match in _DIGIT_GROUPS.finditer(text):
        groups = re.split(r"[ -]", match.group())
        for end in range(1, len(groups) + 1):
            if _card_shaped(groups[:end]) and luhn_valid("".join(groups[:end])):
                return True
    return False


def has_secret(text: str) -> bool:
    return _SECRET.search(text) is not None


def review(text: str, *, replace: bool, current: Sequence[str]) -> list[Finding]:
    """The findings of adding `text` (or replacing everything with it) to a knowledge base
    whose entries are `current`; empty when there is nothing to hold it for."""
    findings = []
    stripped = text.strip()
    if any(entry.strip() == stripped for entry in current):
        findings.append(Finding.DUPLICATE)
    if has_card_number(text):
        findings.append(Finding.CARD_NUMBER)
    if has_secret(text):
        findings.append(Finding.SECRET)
    before = sum(len(entry) for entry in current)
    if replace and before and len(text) < before * (1 - SHRINK_LIMIT):
        findings.append(Finding.LARGE_SHRINK)
    return findings
