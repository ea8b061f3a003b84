"""What the accounts service refuses."""

from humanadd.errors import DomainError


class AccountError(DomainError):
    """An unknown account, or a bad name, plan or time zone."""
