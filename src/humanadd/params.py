"""Query-parameter rules shared by every /api/v1 route.

Two things pydantic's lax parsing lets through would change what a client gets without telling
it: `limit=10.0` read as 10, and `directon=inbound` (a misspelt filter) silently ignored, which
returns unfiltered data. Both are 400 `invalid_request` naming the parameter.
"""

import re
from typing import TypeVar

from fastapi import Request
from fastapi.dependencies.models import Dependant
from pydantic import BaseModel, BeforeValidator, ValidationError
from pydantic_core import PydanticCustomError

from humanadd.errors import InvalidRequest, describe_validation_error, quote

_INTEGER = re.compile(r"-?[0-9]+")


def _digits_only(value: object) -> object:
    if isinstance(value, str) and not _INTEGER.fullmatch(value):
        raise PydanticCustomError("int_digits", "Input should be an integer written in digits")
    return value


Digits = BeforeValidator(_digits_only)
"""Every integer query parameter carries it: `Annotated[int, Query(ge=…, le=…), Digits]`.

The text must be ASCII digits, with a leading minus allowed (the parameter's range decides
whether a negative value is valid): no `+`, spaces, `_`, fraction or exponent. It comes after
`Query(...)` so that pydantic still writes the range as `minimum`/`maximum` in the OpenAPI
document (a range applied on top of a validator comes out as raw `ge`/`le` keys).
"""


def declared_query_names(dependant: Dependant) -> frozenset[str]:
    """The query parameters a route declares, its dependencies' included; a model's fields
    for a parameter model."""
    names: set[str] = set()
    pending = [dependant]
    while pending:
        current = pending.pop()
        for field in current.query_params:
            model = field.field_info.annotation
            if isinstance(model, type) and issubclass(model, BaseModel):
                names.update(info.alias or name for name, info in model.model_fields.items())
            else:
                names.add(field.alias)
        pending.extend(current.dependencies)
    return frozenset(names)


def refuse_unknown_query_parameters(request: Request, known: frozenset[str]) -> None:
    """400 for a query parameter not in `known` (see `declared_query_names`)."""
    for name in request.query_params:
        if name not in known:
            raise InvalidRequest(f"Unknown query parameter {quote(name)}.")


Query = TypeVar("Query", bound=BaseModel)


def parse_query(model: type[Query], request: Request) -> Query:
    """The request's query string as `model`, validated as FastAPI would (a repeated
    parameter's last value counts); 400 naming the first bad parameter."""
    try:
        return model.model_validate(dict(request.query_params))
    except ValidationError as error:
        raise InvalidRequest(describe_validation_error(error.errors(), ("query",))) from None
