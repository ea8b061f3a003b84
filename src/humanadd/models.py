"""Imports every domain's models so that `Base.metadata` knows the whole schema."""

from humanadd.accounts.models import Account
from humanadd.audit.models import AuditEvent
from humanadd.calls.models import Call, CallTag
from humanadd.cursors.models import ServerSecret
from humanadd.db import Base
from humanadd.idempotency.models import IdempotencyRecord
from humanadd.kb.models import KbChange, KbEntry, KbVersion, KnowledgeBase
from humanadd.keys.models import ApiKey
from humanadd.providers.models import ProviderAgent
from humanadd.questions.models import CallQuestion, QuestionTopic, TopicCatalogue
from humanadd.users.models import DashboardSession, User
from humanadd.webhooks.models import (
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
    WebhookSigningSecret,
)

__all__ = [
    "Account",
    "ApiKey",
    "AuditEvent",
    "Base",
    "Call",
    "CallQuestion",
    "CallTag",
    "DashboardSession",
    "IdempotencyRecord",
    "KbChange",
    "KbEntry",
    "KbVersion",
    "KnowledgeBase",
    "ProviderAgent",
    "QuestionTopic",
    "ServerSecret",
    "TopicCatalogue",
    "User",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookEndpoint",
    "WebhookEvent",
    "WebhookSigningSecret",
]
