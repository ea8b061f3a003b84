"""Creating accounts: the caller always chooses the plan (the CLI has its own default)."""

import inspect

import pytest

from humanadd.accounts import service as accounts
from humanadd.accounts.errors import AccountError
from humanadd.dependencies import Services
from humanadd.keys import service as keys


def test_create_has_no_default_plan() -> None:
    plan = inspect.signature(accounts.create).parameters["plan"]

    assert plan.default is inspect.Parameter.empty
    assert plan.kind is inspect.Parameter.KEYWORD_ONLY


@pytest.mark.parametrize("plan", ["starter", "pro", "enterprise"])
async def test_create_stores_the_plan_it_is_given(services: Services, plan: str) -> None:
    async with services.sessions.begin() as session:
        account, _key = await keys.open_account(session, name="Plans", plan=plan, actor="test")

    assert account.plan == plan


@pytest.mark.parametrize(
    "name", ["UTC", "America/New_York", "America/Argentina/Buenos_Aires", "Asia/Kolkata"]
)
def test_a_region_or_utc_is_a_time_zone(name: str) -> None:
    assert accounts.check_timezone(name) == name


@pytest.mark.parametrize(
    "name", ["EST", "EST5EDT", "Etc/GMT+5", "GMT", "Etc/UTC", "US/Eastern", "Zulu", "CET"]
)
def test_abbreviations_offsets_and_aliases_are_refused_with_a_region_suggested(name: str) -> None:
    with pytest.raises(AccountError) as refused:
        accounts.check_timezone(name)

    assert str(refused.value) == (
        f"time zone {name!r} is an abbreviation, a fixed offset or an alias, not a region: use a "
        "region name such as America/New_York, or UTC (a region's clock follows its daylight "
        "saving time)"
    )


async def test_create_refuses_a_fixed_offset_zone(services: Services) -> None:
    async with services.sessions.begin() as session:
        with pytest.raises(AccountError):
            await keys.open_account(
                session, name="Offset", plan="pro", timezone="EST", actor="test"
            )
