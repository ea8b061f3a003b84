"""Knowledge-base changes: queueing them for review (review and push come later)."""

from sqlalchemy.ext.asyncio import AsyncSession

from humanadd.idempotency import service as idempotency
from humanadd.idempotency.service import Answer
from humanadd.kb import repository
from humanadd.kb.schemas import KbChangeQueued, KbChangeRequest

API_PATH = "/api/v1/kb"


async def queue_change(
    session: AsyncSession, account_id: str, request: KbChangeRequest
) -> KbChangeQueued:
    """Store the change as `pending_review`; nothing else happens to the knowledge base yet."""
    change = await repository.add_change(
        session, account_id, text=request.text, replace=request.replace
    )
    return KbChangeQueued(change_id=change.id)


async def submit_change(
    session: AsyncSession,
    account_id: str,
    request: KbChangeRequest,
    idempotency_key: str | None,
) -> Answer:
    """`POST /kb`: queue the change once per `Idempotency-Key`, replaying the answer to retries."""
    idempotent = idempotency.request_for(
        idempotency_key, "POST", API_PATH, request.model_dump(mode="json")
    )

    async def queue() -> Answer:
        return Answer.of(await queue_change(session, account_id, request))

    return await idempotency.perform(session, account_id, idempotent, queue)
