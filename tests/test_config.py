"""The settings object and the README's table of settings say the same thing."""

import re
from pathlib import Path

from humanadd.config import Settings

README = Path(__file__).parent.parent / "README.md"
ROW = re.compile(r"^\| `HUMANADD_([A-Z_]+)` \| `?([^|`]*?)`? \|", re.MULTILINE)


def test_the_readme_documents_every_setting_with_its_default_and_no_other() -> None:
    documented = {name.lower(): default for name, default in ROW.findall(README.read_text())}
    defaults = {
        name: "unset" if field.default is None else str(field.default)
        for name, field in Settings.model_fields.items()
    }

    assert documented == defaults
