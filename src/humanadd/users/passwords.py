"""Password hashing (argon2id through `pwdlib`) and the rules a new password meets."""

import secrets
from functools import cache

from pwdlib import PasswordHash

from humanadd.users.errors import UserError

MIN_LENGTH = 10
MAX_LENGTH = 1024
"""Longer input is refused before hashing: argon2 would hash it, slowly, for nothing."""

_hasher = PasswordHash.recommended()


@cache
def dummy_hash() -> str:
    """Verified against when no user matches, so that a login for an unknown email takes as
    long as one with a wrong password and the timing tells nothing. Made on first use, not
    when a process starts: every command imports this module."""
    return _hasher.hash(secrets.token_urlsafe(16))


def check_new(password: str) -> str:
    if len(password) < MIN_LENGTH:
        raise UserError(f"a password needs at least {MIN_LENGTH} characters")
    if len(password) > MAX_LENGTH:
        raise UserError(f"a password has at most {MAX_LENGTH} characters")
    return password


def generate() -> str:
    """A random password of 24 URL-safe characters (144 bits)."""
    return secrets.token_urlsafe(18)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify(password: str, password_hash: str) -> bool:
    if len(password) > MAX_LENGTH:
        return False
    return _hasher.verify(password, password_hash)
