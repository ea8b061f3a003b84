"""The hot path's reader (`humanadd.api.driver`): rows come back named by their statement's
columns, on either database."""

import pytest
from sqlalchemy import bindparam, select

from humanadd.accounts.models import Account
from humanadd.api.driver import compile_for
from humanadd.dependencies import Services
from humanadd.keys.repository import live_key
from tests.conftest import MakeAccount


async def test_rows_are_read_by_the_names_of_their_columns(
    services: Services, make_account: MakeAccount
) -> None:
    account = await make_account(name="Named Rows", timezone="Asia/Kolkata")
    statement = select(Account.id, Account.name, Account.timezone).where(
        Account.id == bindparam("account_id")
    )
    (row,) = await services.reader.fetch(statement, {"account_id": account.id})
    assert row._fields == ("id", "name", "timezone")
    assert (row.id, row.name, row.timezone) == (account.id, "Named Rows", "Asia/Kolkata")


def test_a_statement_whose_columns_share_a_name_is_refused(services: Services) -> None:
    """A look-up joined to the key's own columns must not hide one of them behind another."""
    statement = live_key(Account.id.label("account_id"))
    with pytest.raises(ValueError, match="distinct labels"):
        compile_for(statement, services.engine.dialect)
