"""Wire shapes of /api/v1/webhooks."""

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from humanadd.clock import Timestamp
from humanadd.errors import RESPONSE_SCHEMA


class WebhookUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str = Field(max_length=2048, examples=["https://crm.example.com/hooks/humanadd"])
    secret: str | None = Field(
        default=None,
        min_length=1,
        max_length=255,
        description="Your own secret, sent verbatim as `X-Webhook-Secret`; null for none.",
    )


class SigningSecret(BaseModel):
    secret: str = Field(description="`whsec_…`: verify `webhook-signature` with it.")
    expires_at: Timestamp | None = Field(
        description="Set on a rotated secret: it signs until then."
    )


class Webhook(BaseModel):
    url: str
    enabled: bool
    secret: str | None = Field(description="Your secret, masked; null when none is set.")
    signing_secrets: list[SigningSecret]


class WebhookResponse(BaseModel):
    model_config = RESPONSE_SCHEMA

    ok: Literal[True] = True
    webhook: Webhook


class TestQueued(BaseModel):
    model_config = RESPONSE_SCHEMA

    ok: Literal[True] = True
    event_id: str = Field(description="The `webhook-id` the test request will carry.")


class Attempt(BaseModel):
    attempted_at: Timestamp
    trigger: Literal["scheduled", "manual"] = Field(
        description="`manual`: the first attempt of a delivery asked for (a redelivery, a "
        "recovery, a test event); `scheduled`: every other, automatic retries included."
    )
    status_code: int | None = Field(description="Your endpoint's status; null without answer.")
    latency_ms: int
    error: str | None = Field(
        description="What went wrong, in words (`HTTP 500 Internal Server Error`, `connection "
        "refused by crm.example.com:443`, `timed out after 15 s`); null when delivered.",
        examples=["HTTP 500 Internal Server Error"],
    )
    response_body: str | None = Field(description="The first 4 KB of your endpoint's answer.")


class Delivery(BaseModel):
    delivery_id: str
    event_id: str
    event_type: str
    call_id: str | None
    status: Literal["pending", "delivered", "failed"]
    trigger: Literal["scheduled", "manual"] = Field(
        description="`scheduled`: the event's own delivery; `manual`: one asked for (a "
        "redelivery, a recovery, a test event)."
    )
    created_at: Timestamp
    attempts: list[Attempt]


class DeliveryList(BaseModel):
    model_config = RESPONSE_SCHEMA

    ok: Literal[True] = True
    deliveries: list[Delivery]


class Redelivery(BaseModel):
    model_config = RESPONSE_SCHEMA

    ok: Literal[True] = True
    delivery_id: str = Field(description="The new delivery, of the same event.")
