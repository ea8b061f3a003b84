"""The automatic checks, finding by finding: what each one holds a change for, and the near
misses it lets through."""

import pytest

from humanadd.kb.checks import Finding, luhn_valid, review

CURRENT = ["Our hours are 8am-6pm Monday to Friday.", "We are at 120 Main Street."]


def test_a_plain_change_has_no_findings() -> None:
    assert review("We now take Apple Pay.", replace=False, current=CURRENT) == []


@pytest.mark.parametrize(
    "text",
    ["We are at 120 Main Street.", "  We are at 120 Main Street.\n"],
)
def test_an_entry_already_there_is_a_duplicate(text: str) -> None:
    assert review(text, replace=False, current=CURRENT) == [Finding.DUPLICATE]


def test_near_duplicates_are_not_duplicates() -> None:
    assert review("We are at 120 Main Street!", replace=False, current=CURRENT) == []
    assert review("we are at 120 main street.", replace=False, current=CURRENT) == []


def test_luhn() -> None:
    assert luhn_valid("4242424242424242")
    assert luhn_valid("378282246310005")
    assert not luhn_valid("4242424242424241")


@pytest.mark.parametrize(
    "text",
    [
        "Card on file: 4242424242424242.",
        "Use 4242 4242 4242 4242 for deposits.",
        "Amex 3782-822463-10005 is the office card.",
        "Mastercard 5555555555554444",
    ],
)
def test_luhn_valid_digit_runs_are_card_numbers(text: str) -> None:
    assert review(text, replace=False, current=[]) == [Finding.CARD_NUMBER]


@pytest.mark.parametrize(
    "text",
    [
        "Card 4242 4242 4242 4241 failed the checksum.",
        "Call us at +1 555 123 4567 or 555-987-6543.",
        "Order 20261128 ships on 2026-11-30.",
        "Our licence number is 123456789012.",
        "Account 12345678901234567890123 is not a card: too long.",
    ],
)
def test_other_numbers_are_not_card_numbers(text: str) -> None:
    assert review(text, replace=False, current=[]) == []


@pytest.mark.parametrize(
    "text",
    [
        "The staff API key is hak_0123456789abcdefghijABCDEFGHIJ01abc123.",
        "Stripe: sk_live_51HqLyjWDarjtT1zdp7dc",
        "AWS key AKIAIOSFODNN7EXAMPLE for the backups.",
        "Token ghp_16C7e42F292c6912E7710c838347Ae178B4a",
        "Slack bot xoxb-2048-1024-abcdefghijklmnop",
        "Use sk-proj-abcdefghijklmnopqrstuvwxyz123456 for the assistant.",
        "-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA\n-----END RSA PRIVATE KEY-----",
        "Session eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N",
        "The wifi password: Sunflower42",
        "Front door passcode is 8841",
        "api_key=3f9a8b7c6d5e",
        "Client secret = abcd-efgh-ijkl",
    ],
)
def test_credentials_are_secrets(text: str) -> None:
    assert review(text, replace=False, current=[]) == [Finding.SECRET]


@pytest.mark.parametrize(
    "text",
    [
        "Forgot your password? We can reset it at the front desk.",
        "We never ask for your API key over the phone.",
        "Tokens for the car wash are $2.",
        "Ask for Sam at the desk (skills: plumbing, heating).",
    ],
)
def test_talk_about_credentials_is_not_a_secret(text: str) -> None:
    assert review(text, replace=False, current=[]) == []


def test_a_replace_that_keeps_less_than_a_fifth_is_a_large_shrink() -> None:
    current = ["x" * 1000]
    assert review("y" * 199, replace=True, current=current) == [Finding.LARGE_SHRINK]
    assert review("y" * 200, replace=True, current=current) == []
    assert review("y" * 10, replace=False, current=current) == [], "appending never shrinks"
    assert review("y" * 10, replace=True, current=[]) == [], "nothing to shrink"


def test_findings_add_up_in_a_fixed_order() -> None:
    text = "Our hours are 8am-6pm Monday to Friday."
    card = "4111111111111111 password: hunter22"
    assert review(text, replace=True, current=CURRENT) == [Finding.DUPLICATE]
    assert review(card, replace=True, current=["z" * 500]) == [
        Finding.CARD_NUMBER,
        Finding.SECRET,
        Finding.LARGE_SHRINK,
    ]


def test_after_is_only_a_value_with_a_digit_is_a_secret() -> None:
    assert review("The password is required at check-in.", replace=False, current=[]) == []
    assert review("The password is Sunflower42", replace=False, current=[]) == [Finding.SECRET]


def test_a_card_followed_by_more_digits_is_still_a_card_number() -> None:
    text = "Card 4111 1111 1111 1111 123 exp 12/27"
    assert review(text, replace=False, current=[]) == [Finding.CARD_NUMBER]


def test_lists_of_short_numbers_are_not_card_numbers() -> None:
    text = "Rooms 101 102 103 104 105 106"
    assert review(text, replace=False, current=[]) == []
