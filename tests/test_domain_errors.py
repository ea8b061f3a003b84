"""What the services refuse is one kind of error: a `DomainError`, defined in its package's
`errors` module, which the CLI shows as a one-line message."""

import importlib
import inspect
import pkgutil

import pytest

import humanadd
from humanadd.errors import ApiError, DomainError

DOMAIN_PACKAGES = (
    "accounts", "audit", "calls", "cursors", "idempotency", "kb", "keys", "stats", "webhooks",
)  # fmt: skip
"""The providers' own upstream errors are the provider bases' (docs/architecture.md)."""


def defined_exceptions(package: str) -> list[type[BaseException]]:
    """The exception classes the package's modules define (not those they import)."""
    found = []
    root = importlib.import_module(f"humanadd.{package}")
    for module_info in pkgutil.iter_modules(root.__path__, prefix=f"{root.__name__}."):
        module = importlib.import_module(module_info.name)
        found += [
            value
            for value in vars(module).values()
            if inspect.isclass(value)
            and issubclass(value, BaseException)
            and value.__module__ == module.__name__
        ]
    return found


@pytest.mark.parametrize("package", DOMAIN_PACKAGES)
def test_a_packages_errors_are_domain_errors_in_its_errors_module(package: str) -> None:
    misplaced = [
        f"{error.__module__}.{error.__qualname__}"
        for error in defined_exceptions(package)
        if not issubclass(error, DomainError | ApiError)
        or error.__module__ != f"humanadd.{package}.errors"
    ]

    assert misplaced == []


def test_every_domain_error_is_defined_in_an_errors_module() -> None:
    for info in pkgutil.walk_packages(humanadd.__path__, prefix="humanadd."):
        # `__main__` runs the CLI when imported; the migrations run under Alembic only.
        if info.name != "humanadd.__main__" and not info.name.startswith("humanadd.migrations"):
            importlib.import_module(info.name)

    def subclasses(base: type[DomainError]) -> list[type[DomainError]]:
        return [base, *(sub for child in base.__subclasses__() for sub in subclasses(child))]

    modules = {error.__module__ for error in subclasses(DomainError)}
    assert modules == {
        "humanadd.errors",
        "humanadd.accounts.errors",
        "humanadd.kb.errors",
        "humanadd.providers.errors",
        "humanadd.webhooks.errors",
        "humanadd.users.errors",
    }
