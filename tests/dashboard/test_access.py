"""Whose account a page shows: a customer's own, or the one an operator names."""

from collections.abc import Awaitable, Callable

from tests.conftest import MakeAccount
from tests.dashboard.conftest import Dashboard, MakeUser, TestUser

OpenDashboard = Callable[[TestUser], Awaitable[Dashboard]]


async def test_a_customer_sees_only_their_account_and_another_named_is_a_404(
    dashboard: OpenDashboard, make_account: MakeAccount, make_user: MakeUser
) -> None:
    mine, theirs = await make_account("Mine Plumbing"), await make_account("Theirs Dental")
    member = await make_user(mine.id, "member")
    client = await dashboard(member)

    home = await client.get("/dashboard")
    own = await client.get("/dashboard/overview")
    named_own = await client.get(f"/dashboard/overview?account={mine.id}")
    other = await client.get(f"/dashboard/overview?account={theirs.id}")

    assert (home.status_code, home.headers["location"]) == (303, "/dashboard/overview")
    assert own.status_code == 200
    assert "Mine Plumbing" in own.text
    assert named_own.status_code == 200
    assert other.status_code == 404
    assert "Theirs Dental" not in other.text


async def test_an_operator_names_the_account_in_the_url_and_sees_it_in_the_header(
    dashboard: OpenDashboard, make_account: MakeAccount, make_user: MakeUser
) -> None:
    account = await make_account("Operated Salon", timezone="Asia/Kolkata")
    operator = await make_user(None, "operator")
    client = await dashboard(operator)

    home = await client.get("/dashboard")
    unnamed = await client.get("/dashboard/overview")
    named = await client.get(f"/dashboard/overview?account={account.id}")
    unknown = await client.get("/dashboard/overview?account=acc_missing")

    assert (home.status_code, home.headers["location"]) == (303, "/dashboard/accounts")
    assert unnamed.status_code == 400
    assert "Choose an account on the Accounts page first." in unnamed.text
    assert named.status_code == 200
    assert "Operated Salon" in named.text
    assert account.id in named.text
    assert "Times in Asia/Kolkata" in named.text
    assert f'href="/dashboard/calls?account={account.id}"' in named.text
    assert unknown.status_code == 404
