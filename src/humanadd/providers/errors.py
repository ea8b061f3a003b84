"""What connecting an account to a provider refuses."""

from humanadd.errors import DomainError


class ProviderSettingsError(DomainError):
    """Settings an account cannot have: an unknown provider, a bad agent id, analysis key or
    LLM id, or an agent that belongs to another account."""
