"""Options and arguments several commands share, and how every command group is set up."""

from typing import Annotated, Any

import typer


def command_group(help_text: str, **settings: Any) -> typer.Typer:
    """A command group that shows its help when called bare, on plain help screens.

    Plain, because typer's rich help panels print a `<bool>` placeholder after every flag
    (`--json`, `--help`) as if it took a value; plain screens list flags as flags.
    """
    return typer.Typer(help=help_text, no_args_is_help=True, rich_markup_mode=None, **settings)


AsJson = Annotated[
    bool, typer.Option("--json", help="Print machine-readable JSON on stdout instead of text.")
]
AccountArgument = Annotated[
    str, typer.Argument(metavar="ACCOUNT", help="The account id (acc_…).", show_default=False)
]
Host = Annotated[str, typer.Option(metavar="HOST", help="Address to listen on.")]
Port = Annotated[int, typer.Option(metavar="PORT", help="TCP port to listen on.")]
