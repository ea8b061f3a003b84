"""The API key format of docs/errors.md, checked against an independent implementation."""

import hashlib
import re
import string
import zlib

import pytest

from humanadd.keys import tokens

ALPHABET = string.digits + string.ascii_uppercase + string.ascii_lowercase
KEY_SHAPE = re.compile(r"hak_[0-9A-Za-z]{32}[0-9A-Za-z]{6}")


def expected_checksum(body: str) -> str:
    number = zlib.crc32(body.encode())
    digits = ""
    for _ in range(6):
        number, remainder = divmod(number, 62)
        digits = ALPHABET[remainder] + digits
    assert number == 0
    return digits


def test_generated_key_is_hak_32_base62_and_a_6_character_crc32() -> None:
    for _ in range(200):
        key = tokens.generate()
        assert KEY_SHAPE.fullmatch(key), key
        body, checksum = key[4:36], key[36:]
        assert checksum == expected_checksum(body)
        assert tokens.is_well_formed(key)


def test_generated_keys_are_distinct_and_use_the_whole_alphabet() -> None:
    keys = {tokens.generate() for _ in range(2000)}
    assert len(keys) == 2000
    used = {character for key in keys for character in key[4:36]}
    assert used == set(ALPHABET)


def test_checksum_catches_every_single_character_typo() -> None:
    key = tokens.generate()
    for index in range(4, len(key)):
        for replacement in "0aZ":
            if key[index] == replacement:
                continue
            typo = key[:index] + replacement + key[index + 1 :]
            assert not tokens.is_well_formed(typo), typo


def test_checksum_catches_swapped_neighbours() -> None:
    key = tokens.generate()
    for index in range(4, len(key) - 1):
        if key[index] != key[index + 1]:
            swapped = key[:index] + key[index + 1] + key[index] + key[index + 2 :]
            assert not tokens.is_well_formed(swapped)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "hak_",
        "hak_your_api_key_here",
        "HAK_{body}",
        "hak-{body}",
        "{body}",
        "hak_{body}\n",
        " hak_{body}",
        "hak_{body}x",
        "hak_{short}",
        "hak_{body_with_unicode}",
    ],
)
def test_malformed_text_is_not_a_key(text: str) -> None:
    key = tokens.generate()
    body = key[4:]
    text = text.format(body=body, short=body[:-1], body_with_unicode="é" + body[1:])
    assert not tokens.is_well_formed(text)


def test_hash_is_sha256_hex_and_display_prefix_is_12_characters() -> None:
    key = tokens.generate()
    assert tokens.hash_key(key) == hashlib.sha256(key.encode()).hexdigest()
    assert tokens.display_prefix(key) == key[:12]
    assert tokens.display_prefix(key).startswith("hak_")
