"""Options and arguments several commands share."""

from typing import Annotated

import typer

AsJson = Annotated[
    bool, typer.Option("--json", help="Print machine-readable JSON on stdout instead of text.")
]
AccountArgument = Annotated[
    str, typer.Argument(metavar="ACCOUNT", help="The account id (acc_…).", show_default=False)
]
Host = Annotated[str, typer.Option(help="Address to listen on.")]
Port = Annotated[int, typer.Option(help="Port to listen on.")]
