"""Retell's API, through its official SDK (`retell-sdk`): the calls of some agents since a
moment, and one call in full.

`POST /v3/list-calls` pages with `pagination_key`/`has_more`, filtered by agent and
`start_timestamp`; its items carry no transcript, so a call worth storing is fetched whole
with `GET /v2/get-call/{call_id}`. The SDK retries failed requests itself (twice, with
backoff); what still fails is a `ProviderError`.
"""

from collections.abc import AsyncIterator, Sequence
from typing import Any

from retell import APIError, AsyncRetell, NotFoundError, omit

from humanadd.providers.base import ProviderCall
from humanadd.providers.retell import errors
from humanadd.providers.retell.calls import RetellCall, provider_call

PAGE_SIZE = 1000
TIMEOUT_SECONDS = 10.0


class RetellClient:
    """Retell as a `CallSource` and as `Recordings`."""

    def __init__(self, api_key: str, base_url: str) -> None:
        self._sdk = AsyncRetell(api_key=api_key, base_url=base_url, timeout=TIMEOUT_SECONDS)

    async def list_calls(
        self, agent_ids: Sequence[str], since_ms: int
    ) -> AsyncIterator[ProviderCall]:
        """The agents' calls that started at or after `since_ms`, oldest first (without
        transcripts)."""
        criteria: Any = {
            "agent": [{"agent_id": agent_id} for agent_id in agent_ids],
            "start_timestamp": {"type": "number", "op": "ge", "value": since_ms},
        }
        pagination_key: str | Any = omit
        while True:
            try:
                page = await self._sdk.call.list(
                    filter_criteria=criteria,
                    sort_order="ascending",
                    limit=PAGE_SIZE,
                    pagination_key=pagination_key,
                )
            except APIError as error:
                raise errors.provider_error(error) from error
            for item in page.items:
                yield provider_call(RetellCall.model_validate(item.to_dict()))
            if not page.has_more or not page.pagination_key:
                return
            pagination_key = page.pagination_key

    async def get_call(self, call_id: str) -> ProviderCall | None:
        """The call in full; None when Retell has no such call."""
        try:
            call = await self._sdk.call.retrieve(call_id)
        except NotFoundError:
            return None
        except APIError as error:
            raise errors.provider_error(error) from error
        return provider_call(RetellCall.model_validate(call.to_dict()))

    async def recording_url(self, call_id: str) -> str | None:
        """The call's current (freshly signed) recording URL, if Retell has one."""
        call = await self.get_call(call_id)
        return None if call is None else call.recording_ref

    async def close(self) -> None:
        await self._sdk.close()
