"""What the webhooks service refuses."""

from humanadd.errors import DomainError


class WebhookError(DomainError):
    """A webhook request that cannot be done (an unknown delivery status, say)."""


class RefusedDestination(WebhookError):
    """The URL or one of its addresses may not receive webhooks; the message says why."""


class NoWebhook(WebhookError):
    """The account has no webhook configured."""


class RefusedWebhookUrl(WebhookError):
    """The URL may not receive webhooks (scheme, form, or where it resolves)."""


class NoSuchDelivery(WebhookError):
    """No delivery by that id (in that account)."""
