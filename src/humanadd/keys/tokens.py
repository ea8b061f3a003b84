"""The API key format: `hak_` + 32 random base62 characters + a 6-character base62 CRC32.

The checksum lets secret scanners recognise our keys and lets us refuse a mistyped key
without touching the database.
"""

import hashlib
import re
import zlib

from humanadd.ids import encode_base62, random_base62

PREFIX = "hak_"
_BODY_LENGTH = 32
_CHECKSUM_LENGTH = 6
_SHAPE = re.compile(rf"^{PREFIX}[0-9A-Za-z]{{{_BODY_LENGTH + _CHECKSUM_LENGTH}}}$")
DISPLAY_LENGTH = len(PREFIX) + 8
"""Characters of a key kept in clear for display (`hak_Ab12Cd34…`)."""


def _checksum(body: str) -> str:
    return encode_base62(zlib.crc32(body.encode()), _CHECKSUM_LENGTH)


def generate() -> str:
    body = random_base62(_BODY_LENGTH)
    return PREFIX + body + _checksum(body)


def is_well_formed(key: str) -> bool:
    """True when `key` has our shape and its checksum matches."""
    if not _SHAPE.match(key):
        return False
    body = key[len(PREFIX) : len(PREFIX) + _BODY_LENGTH]
    return key[-_CHECKSUM_LENGTH:] == _checksum(body)


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def display_prefix(key: str) -> str:
    return key[:DISPLAY_LENGTH]


def last_four(key: str) -> str:
    """The key's last four characters, kept in clear to tell keys apart (`hak_Ab12Cd34…9xQz`)."""
    return key[-4:]
