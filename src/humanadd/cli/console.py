"""How commands talk to the operator: data on stdout, one-line failures on stderr."""

from typing import Any, NoReturn

import orjson
import typer


def fail(message: str) -> NoReturn:
    """End the command with `message` as one line on stderr and exit status 1."""
    typer.echo(f"error: {' '.join(message.split())}", err=True)
    raise typer.Exit(1)


def print_json(data: Any) -> None:
    """`data` as indented JSON on stdout; a datetime in it is a TypeError, as in the API's
    answers (`humanadd.http.json_bytes`): times are written as the API writes them."""
    options = orjson.OPT_INDENT_2 | orjson.OPT_PASSTHROUGH_DATETIME
    typer.echo(orjson.dumps(data, option=options).decode())


def print_table(headers: list[str], rows: list[list[str]]) -> None:
    """Rows as left-aligned columns under a header line."""
    widths = [
        max([len(header), *(len(row[index]) for row in rows)])
        for index, header in enumerate(headers)
    ]
    for line in [headers, *rows]:
        typer.echo("  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)))
