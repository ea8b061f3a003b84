"""Pushing a knowledge-base version to Retell, through the official SDK's knowledge-base and
LLM endpoints.

One Retell knowledge base per account, named `humanadd <account id>` and made on the first push.
Each entry of the version is a text source titled with the entry's id. A push makes Retell's
text sources exactly the version's entries: the sources no longer wanted are deleted first,
then the missing ones are added (so `replace` deletes the old text, then adds the new); sources
that are not text (URLs, documents an operator added in Retell's dashboard) are left alone.
Since it compares with what Retell holds, a push that was cut short (a worker killed halfway)
is simply done again, and ends with exactly the version's entries; a knowledge base Retell
failed to process (status `error`) is deleted and made again. It waits until Retell
reports the knowledge base processed, then, when the account names a Retell LLM, makes sure
the knowledge base is among the LLM's `knowledge_base_ids`.
"""

import asyncio
import itertools
import time
from collections.abc import Sequence
from typing import Any

from retell import APIConnectionError, APIStatusError, AsyncRetell, NotFoundError
from retell.types import KnowledgeBaseResponse

from humanadd.providers.base import ProviderError
from humanadd.providers.retell import errors

TIMEOUT_SECONDS = 30.0
PROCESSING_TIMEOUT_SECONDS = 300.0
"""How long a push waits for Retell to process the knowledge base before it counts as failed."""
POLL_SECONDS = (0.2, 0.5, 1.0, 2.0, 5.0)
"""Waits between looks at a knowledge base being processed (the last one repeats)."""
NAME_PREFIX = "humanadd "


class RetellKnowledge:
    """Retell as a `KnowledgePush`; a push Retell refuses or fails is a `ProviderError`."""

    def __init__(self, api_key: str, base_url: str) -> None:
        # The worker retries a failed push as a whole (`providers.kb_push`), so the SDK does
        # not retry.
        self._sdk = AsyncRetell(
            api_key=api_key, base_url=base_url, timeout=TIMEOUT_SECONDS, max_retries=0
        )

    async def push(
        self,
        account_id: str,
        provider_kb_id: str | None,
        entries: Sequence[tuple[str, str]],
        llm_id: str | None,
    ) -> str:
        """Make the account's Retell knowledge base hold exactly `entries` ((id, text) pairs);
        its Retell id."""
        try:
            base = await self._find(account_id, provider_kb_id)
            deleted = None
            if base is not None and base.status == "error":
                # Retell could not index it: made again from scratch rather than retried as is.
                deleted = base.knowledge_base_id
                await self._sdk.knowledge_base.delete(deleted)
                base = None
            if base is None:
                created = await self._sdk.knowledge_base.create(
                    knowledge_base_name=f"{NAME_PREFIX}{account_id}",
                    knowledge_base_texts=[{"title": key, "text": text} for key, text in entries],
                )
                base = await self._processed(created.knowledge_base_id)
            else:
                base = await self._processed(base.knowledge_base_id)
                base = await self._reconcile(base, entries)
            kept = _text_titles(base)
            if sorted(kept) != sorted(key for key, _ in entries):
                raise ProviderError(
                    "Retell's knowledge base does not hold the pushed entries after processing",
                    retryable=True,
                )
            if llm_id is not None:
                await self._attach(llm_id, base.knowledge_base_id, deleted)
            return base.knowledge_base_id
        except (APIStatusError, APIConnectionError) as error:
            raise errors.provider_error(error) from error

    async def _find(self, account_id: str, known_id: str | None) -> KnowledgeBaseResponse | None:
        """The account's knowledge base: by its id once known, else by its name (a first push
        that made it but was cut short before the id was stored)."""
        if known_id is not None:
            try:
                return await self._sdk.knowledge_base.retrieve(known_id)
            except NotFoundError:
                pass  # deleted in Retell's dashboard: made again
        name = f"{NAME_PREFIX}{account_id}"
        for base in await self._sdk.knowledge_base.list():
            if base.knowledge_base_name == name:
                return base
        return None

    async def _processed(self, knowledge_base_id: str) -> KnowledgeBaseResponse:
        """The knowledge base once Retell has processed it."""
        deadline = time.monotonic() + PROCESSING_TIMEOUT_SECONDS
        for attempt in itertools.count():
            base = await self._sdk.knowledge_base.retrieve(knowledge_base_id)
            if base.status == "complete":
                return base
            if base.status == "error":
                raise ProviderError(
                    "Retell could not process the knowledge base (status error)", retryable=True
                )
            if time.monotonic() > deadline:
                break
            await asyncio.sleep(POLL_SECONDS[min(attempt, len(POLL_SECONDS) - 1)])
        raise ProviderError(
            f"Retell was still processing the knowledge base after "
            f"{PROCESSING_TIMEOUT_SECONDS:.0f} s",
            retryable=True,
        )

    async def _reconcile(
        self, base: KnowledgeBaseResponse, entries: Sequence[tuple[str, str]]
    ) -> KnowledgeBaseResponse:
        """Delete the text sources that are not wanted (or are there twice), then add the
        missing entries; the knowledge base processed."""
        wanted = {key for key, _ in entries}
        seen: set[str] = set()
        for source in base.knowledge_base_sources or ():
            if source.type != "text":
                continue
            title: str = getattr(source, "title", "")
            if title in wanted and title not in seen:
                seen.add(title)
                continue
            await self._sdk.knowledge_base.delete_source(
                source.source_id, knowledge_base_id=base.knowledge_base_id
            )
        missing: Any = [{"title": key, "text": text} for key, text in entries if key not in seen]
        if missing:
            await self._sdk.knowledge_base.add_sources(
                base.knowledge_base_id, knowledge_base_texts=missing
            )
        if missing or len(seen) != len(_text_titles(base)):
            return await self._processed(base.knowledge_base_id)
        return base

    async def _attach(self, llm_id: str, knowledge_base_id: str, deleted: str | None) -> None:
        """Make the knowledge base one of the LLM's (in place of `deleted`, if given)."""
        llm = await self._sdk.llm.retrieve(llm_id)
        before = list(llm.knowledge_base_ids or [])
        after = [kept for kept in before if kept not in (deleted, knowledge_base_id)]
        after.append(knowledge_base_id)
        if sorted(after) != sorted(before):
            await self._sdk.llm.update(llm_id, knowledge_base_ids=after)

    async def close(self) -> None:
        await self._sdk.close()


def _text_titles(base: KnowledgeBaseResponse) -> list[str]:
    return [
        getattr(source, "title", "")
        for source in base.knowledge_base_sources or ()
        if source.type == "text"
    ]
