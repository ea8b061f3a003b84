"""Random identifiers and the base62 alphabet they are written in."""

import secrets
import string

BASE62 = string.digits + string.ascii_uppercase + string.ascii_lowercase


def random_base62(length: int) -> str:
    return "".join(secrets.choice(BASE62) for _ in range(length))


def encode_base62(number: int, width: int) -> str:
    """`number` in base62, left-padded with zeros to `width` characters."""
    digits = []
    while number:
        number, remainder = divmod(number, 62)
        digits.append(BASE62[remainder])
    return "".join(reversed(digits)).rjust(width, BASE62[0])


def new_id(prefix: str) -> str:
    """A public identifier such as `acc_…`: a type prefix and 20 random base62 characters."""
    return f"{prefix}_{random_base62(20)}"
