"""What a dashboard page refuses, as types; `app` renders them as HTML pages."""

from typing import ClassVar


class PageError(Exception):
    """A refusal shown as an error page with this status, title and sentence."""

    status_code: ClassVar[int] = 400
    title: ClassVar[str] = "Something is wrong with this request"

    def __init__(self, message: str, headers: dict[str, str] | None = None) -> None:
        self.message = message
        self.headers = headers or {}
        super().__init__(message)


class Forbidden(PageError):
    status_code = 403
    title = "Not allowed"


class PageNotFound(PageError):
    status_code = 404
    title = "Not found"


class TooManyAttempts(PageError):
    status_code = 429
    title = "Too many attempts"


class LoginRequired(Exception):
    """No live session: the browser is sent to the login page, which returns it here."""

    def __init__(self, next_path: str) -> None:
        self.next_path = next_path
        super().__init__(next_path)
