"""`humanadd webhooks set`: a refused URL tells the operator which setting relaxes the check."""

import pytest

from tests.conftest import Cli, MakeAccount


async def test_a_plain_http_url_is_refused_naming_the_development_setting(
    cli: Cli, make_account: MakeAccount, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("HUMANADD_WEBHOOKS_ALLOW_INSECURE", raising=False)
    account = await make_account()

    result = await cli("webhooks", "set", account.id, "--url", "http://93.184.216.34/in")

    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == (
        "error: webhook URL refused: the URL must use https (for development, "
        "HUMANADD_WEBHOOKS_ALLOW_INSECURE=1 allows http:// URLs)\n"
    )


async def test_an_https_url_refused_for_its_address_has_no_insecure_hint(
    cli: Cli, make_account: MakeAccount, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("HUMANADD_WEBHOOKS_ALLOW_PRIVATE", raising=False)
    account = await make_account()

    result = await cli("webhooks", "set", account.id, "--url", "https://127.0.0.1/in")

    assert result.stderr == (
        "error: webhook URL refused: it resolves to a loopback address (127.0.0.1)\n"
    )
