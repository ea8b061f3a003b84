"""Which vendor serves an account's provider: one line per vendor.

An account's `provider` names one of these (`accounts.models.Provider` lists the same names, and
the database allows only them). Adding a vendor is adding its package and a line here.
"""

from collections.abc import Mapping

from humanadd.providers.base import Provider
from humanadd.providers.retell.plugin import Retell
from humanadd.providers.simulated.plugin import Simulated

PROVIDERS: Mapping[str, Provider] = {
    "retell": Retell(),
    "simulated": Simulated(),
}


class UnknownProvider(LookupError):
    """No vendor is registered under the name."""


def provider_for(name: str) -> Provider:
    """The vendor registered as `name`."""
    try:
        return PROVIDERS[name]
    except KeyError:
        registered = ", ".join(sorted(PROVIDERS))
        raise UnknownProvider(f"unknown provider {name!r} (registered: {registered})") from None
