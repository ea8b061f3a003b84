"""What the users service refuses."""

from humanadd.errors import DomainError


class UserError(DomainError):
    """An unknown or duplicate user, a bad email, role or password."""
