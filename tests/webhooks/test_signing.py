"""Our Standard Webhooks signatures, checked by the `standardwebhooks` package."""

import base64
import time

import pytest
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from humanadd.webhooks import signing


def test_a_new_secret_is_whsec_and_32_random_bytes() -> None:
    secret = signing.new_secret()
    assert secret.startswith("whsec_")
    assert len(base64.b64decode(secret.removeprefix("whsec_"))) == 32
    assert signing.new_secret() != secret


def test_standardwebhooks_verifies_each_of_the_signatures() -> None:
    old, new = signing.new_secret(), signing.new_secret()
    body = b'{"event":"call_ended","call_id":"call_a1b2c3"}'
    headers = signing.headers([new, old], "msg_1", int(time.time()), body)

    assert headers["webhook-signature"].count("v1,") == 2
    for secret in (old, new):
        assert Webhook(secret).verify(body, headers) == {
            "event": "call_ended",
            "call_id": "call_a1b2c3",
        }
    with pytest.raises(WebhookVerificationError):
        Webhook(signing.new_secret()).verify(body, headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(old).verify(body + b" ", headers)
