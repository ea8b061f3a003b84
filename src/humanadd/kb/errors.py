"""What the knowledge-base services refuse."""

from humanadd.errors import DomainError


class KbError(DomainError):
    """An operator asked for something the knowledge base cannot do (unknown change or
    version, a change that is not held, an unknown policy)."""
