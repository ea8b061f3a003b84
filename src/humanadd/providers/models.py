from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from humanadd.db import Base


class ProviderAgent(Base):
    """An upstream agent (the provider's AI receptionist) and the account whose calls it takes.

    An agent belongs to one account at most: an event names only the agent, and this is how it
    finds its account.
    """

    __tablename__ = "provider_agents"

    agent_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"), index=True)
