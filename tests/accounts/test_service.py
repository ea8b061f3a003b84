"""Creating accounts: the caller always chooses the plan (the CLI has its own default)."""

import inspect

import pytest

from humanadd.accounts import service as accounts
from humanadd.dependencies import Services


def test_create_has_no_default_plan() -> None:
    plan = inspect.signature(accounts.create).parameters["plan"]

    assert plan.default is inspect.Parameter.empty
    assert plan.kind is inspect.Parameter.KEYWORD_ONLY


@pytest.mark.parametrize("plan", ["starter", "pro", "enterprise"])
async def test_create_stores_the_plan_it_is_given(services: Services, plan: str) -> None:
    async with services.sessions.begin() as session:
        account, _key = await accounts.create(session, name="Plans", plan=plan, actor="test")

    assert account.plan == plan
