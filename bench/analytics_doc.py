"""`make bench-analytics`: score our call analysis and put the figures in docs/benchmarks.md.

Runs `bench.analytics` and `bench.analytics_topics`, each in a process of its own (both pin
themselves to one core), prints what they print, and writes it as the document's call-analytics
section. `bench.run`, which writes the rest of the document, keeps that section as it is
(`carry_over`), so neither run erases the other's figures.
"""

import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

DOCUMENT = Path(__file__).resolve().parents[1] / "docs" / "benchmarks.md"
HEADING = "## Call analytics (issue 14, requirement 9)"
BEFORE = "## Data set"
"""The section goes before this one when the document has none yet."""
COMMANDS = (("bench.analytics", "Figures"), ("bench.analytics_topics", "Topics"))


def _bounds(document: str) -> tuple[int, int] | None:
    start = document.find(f"\n{HEADING}\n")
    if start < 0:
        return None
    end = document.find("\n## ", start + 1)
    return start + 1, (len(document) if end < 0 else end + 1)


def carry_over(previous: str, document: str) -> str:
    """`document` with the call-analytics section of `previous` in it (if it had one)."""
    kept = _bounds(previous)
    if kept is None:
        return document
    return with_section(document, previous[kept[0] : kept[1]])


def with_section(document: str, section: str) -> str:
    """`document` with `section` in place of its call-analytics section, or before "Data set"."""
    found = _bounds(document)
    if found is not None:
        return document[: found[0]] + section + document[found[1] :]
    at = document.find(f"\n{BEFORE}\n")
    at = len(document) if at < 0 else at + 1
    return document[:at] + section + document[at:]


def main() -> None:
    outputs = []
    for module, _title in COMMANDS:
        done = subprocess.run(
            [sys.executable, "-m", module], check=True, capture_output=True, text=True
        )
        print(done.stdout, end="")
        outputs.append(done.stdout.rstrip())
    day = datetime.now(UTC).date().isoformat()
    blocks = "\n\n".join(
        f"{title} (`python -m {module}`):\n\n```\n{output}\n```"
        for (module, title), output in zip(COMMANDS, outputs, strict=True)
    )
    section = f"""{HEADING}

Our own analysis of calls (`docs/analytics.md`), scored on the tuning dialogs read in place
from the shared data folder, and on hand-written questions to other businesses
(`bench/questions_general.py`), by `make bench-analytics` on {day}, each on one core. Issue 14's
targets on the tuning dialogs: booked F1 ≥ 0.95, question detection F1 ≥ 0.90, grouping ACC ≥
0.85, the whole analysis ≥ 200 calls/s, re-clustering 10,000 questions ≤ 30 s. The other
businesses' questions have no target of the issue's; they are the harder, fairer test.

{blocks}

"""
    DOCUMENT.write_text(with_section(DOCUMENT.read_text(), section))
    print(f"\nfigures written to {DOCUMENT}")


if __name__ == "__main__":
    main()
