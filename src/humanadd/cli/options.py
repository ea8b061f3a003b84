"""Options and arguments several commands share, and how every command group is set up."""

import re
import sys
from datetime import timedelta
from typing import Annotated, Any

import typer
from typer.core import TyperGroup


class CommandGroup(TyperGroup):
    """Lists each command with the first sentence of its help, whole (wrapped if need be).

    Click cuts that sentence to fit the line beside the longest command name, and ends it
    with "...": in a group with a long name, most descriptions lost their end.
    """

    # Any: typer passes its own copy of click's Context and HelpFormatter, not click's.
    def format_commands(self, ctx: Any, formatter: Any) -> None:
        rows = []
        for name in self.list_commands(ctx):
            command = self.get_command(ctx, name)
            if command is not None and not command.hidden:
                rows.append((name, command.get_short_help_str(limit=sys.maxsize)))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


def command_group(help_text: str, **settings: Any) -> typer.Typer:
    """A command group that shows its help when called bare, on plain help screens.

    Plain, because typer's rich help panels print a `<bool>` placeholder after every flag
    (`--json`, `--help`) as if it took a value; plain screens list flags as flags.
    """
    return typer.Typer(
        help=help_text, no_args_is_help=True, rich_markup_mode=None, cls=CommandGroup, **settings
    )


AsJson = Annotated[
    bool, typer.Option("--json", help="Print machine-readable JSON on stdout instead of text.")
]
AccountArgument = Annotated[
    str, typer.Argument(metavar="ACCOUNT", help="The account id (acc_…).", show_default=False)
]
Host = Annotated[str, typer.Option(metavar="HOST", help="Address to listen on.")]
Port = Annotated[int, typer.Option(metavar="PORT", help="TCP port to listen on.")]


_DURATION = re.compile(r"([0-9]{1,6})([smhd])")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


def parse_duration(text: str) -> timedelta:
    """`90s`, `30m`, `12h` or `2d`."""
    match = _DURATION.fullmatch(text.strip())
    if match is None:
        raise typer.BadParameter(f"{text!r} is not a duration such as 30m, 12h or 2d")
    return timedelta(**{_UNITS[match[2]]: int(match[1])})
