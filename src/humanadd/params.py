"""The one query-parameter rule of every /api/v1 route.

A route declares its query parameters as one pydantic model (`Annotated[Model, Query()]`),
whose fields use the strict types below; `AuthenticatedRoute` checks the names and validates
the model through `QueryRule` before the endpoint runs, so every route accepts exactly the
documented forms and words its 400s the same way.

What lax parsing would let through changes what a client gets without telling it:
`limit=10.0` or `limit=+5` read as numbers, `booked=yes` as true, a misspelt filter
(`directon=inbound`) ignored, `limit=5&limit=6` read as 6. Each is 400 `invalid_request`
naming the parameter.
"""

from dataclasses import dataclass

from fastapi.dependencies.models import Dependant
from pydantic import BaseModel, BeforeValidator, ValidationError
from pydantic_core import PydanticCustomError
from starlette.requests import Request

from humanadd.errors import InvalidRequest, describe_validation_error, quote


def _digits_only(value: object) -> object:
    if isinstance(value, str) and not (value.removeprefix("-").isdigit() and value.isascii()):
        raise PydanticCustomError("int_digits", "Input should be an integer written in digits")
    return value


Digits = BeforeValidator(_digits_only)
"""Every integer query parameter carries it: `Annotated[int, Field(ge=…, le=…), Digits]`.

The text must be ASCII digits, with a leading minus allowed (the parameter's range decides
whether a negative value is valid): no `+`, spaces, `_`, fraction or exponent. It comes after
the `Field` so that pydantic still writes the range as `minimum`/`maximum` in the OpenAPI
document (a range applied on top of a validator comes out as raw `ge`/`le` keys).
"""

_BOOLEANS = {"true": True, "false": False}


def _true_or_false(value: object) -> object:
    if isinstance(value, str):
        if value not in _BOOLEANS:
            raise PydanticCustomError("bool_words", "Input should be true or false")
        return _BOOLEANS[value]
    return value


TrueOrFalse = BeforeValidator(_true_or_false)
"""Every boolean query parameter carries it: exactly `true` or `false`, as documented (pydantic
alone also takes `yes`, `1`, `off`, …)."""


@dataclass(frozen=True, slots=True)
class QueryRule:
    """How one route reads its query string: the parameter names it declares and the model
    that holds them (None for a route without query parameters)."""

    names: frozenset[str]
    model: type[BaseModel] | None = None
    argument: str | None = None
    """The endpoint's parameter that receives the model."""

    @classmethod
    def of(cls, dependant: Dependant) -> "QueryRule":
        """The rule of a route; TypeError for a route that declares a query parameter other
        than through one model on the endpoint itself."""
        pending = list(dependant.dependencies)
        while pending:
            current = pending.pop()
            if current.query_params:
                raise TypeError(f"{current.call}: query parameters belong in the route's model")
            pending.extend(current.dependencies)
        if not dependant.query_params:
            return QueryRule(frozenset())
        (field,) = dependant.query_params
        model = field.field_info.annotation
        if len(dependant.query_params) > 1 or not (
            isinstance(model, type) and issubclass(model, BaseModel)
        ):
            raise TypeError(f"{dependant.call}: declare the query parameters as one model")
        names = frozenset(info.alias or name for name, info in model.model_fields.items())
        return QueryRule(names, model, field.name)

    def check(self, request: Request) -> BaseModel | None:
        """The request's query as the model (None without one); 400 for a parameter not
        declared, given more than once, or not valid, naming the first such."""
        seen: set[str] = set()
        for name, _ in request.query_params.multi_items():
            if name not in self.names:
                raise InvalidRequest(f"Unknown query parameter {quote(name)}.")
            if name in seen:
                raise InvalidRequest(
                    f"The query parameter {quote(name)} was sent more than once: send it once."
                )
            seen.add(name)
        if self.model is None:
            return None
        try:
            return self.model.model_validate(dict(request.query_params))
        except ValidationError as error:
            raise InvalidRequest(describe_validation_error(error.errors(), ("query",))) from None
