"""Layering rules that no single behaviour test can see: services neither open, commit nor
write through a session; the request or job boundary owns the transaction, repositories the SQL."""

import re
from pathlib import Path

import humanadd

PACKAGE = Path(humanadd.__file__).parent
SESSION_WORK = re.compile(
    r"\bsessions?\.(add|add_all|begin|commit|rollback|execute|flush|delete|merge|get|scalars?"
    r"|stream)\("
)

SERVICES = [
    *PACKAGE.glob("*/service.py"),
    *(PACKAGE / "kb" / name for name in ("changes.py", "review.py", "push_state.py")),
]
"""The service modules: each package's `service.py`, and the knowledge base's, split by job."""


def test_services_leave_transactions_and_row_writes_to_boundaries_and_repositories() -> None:
    offences = [
        f"{path.relative_to(PACKAGE)}:{number}: {line.strip()}"
        for path in sorted(SERVICES)
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if SESSION_WORK.search(line)
    ]

    assert offences == []
