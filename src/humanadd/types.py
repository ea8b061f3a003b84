"""Column types shared by the models of several domains."""

from sqlalchemy import JSON, BigInteger, Integer
from sqlalchemy.dialects.postgresql import JSONB

BigIntPK = BigInteger().with_variant(Integer(), "sqlite")
"""A 64-bit surrogate key; SQLite only auto-increments a column declared INTEGER."""

JsonColumn = JSON().with_variant(JSONB(), "postgresql")
