"""Secrets the service makes for itself (not configuration): one row per secret."""

from sqlalchemy import LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from humanadd.db import Base


class ServerSecret(Base):
    """A random secret made by a migration, shared by every process on the database."""

    __tablename__ = "server_secrets"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[bytes] = mapped_column(LargeBinary)


CURSOR_KEY = "cursor_key"
"""The AES-256 key that seals pagination cursors."""
