"""The security headers of every dashboard response (docs/dashboard.md, "Security")."""

from starlette.types import ASGIApp, Message, Receive, Scope, Send

PREFIX = "/dashboard"
STATIC_PATH = f"{PREFIX}/static"
"""Our CSS and JavaScript (`dashboard/static/`), mounted by `humanadd.app`."""
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "media-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'; object-src 'none'"
)
"""No inline script or style anywhere: every page's script and CSS are our own static files,
and charts are SVG styled by class."""

_HEADERS = [
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
]


def is_page(path: str) -> bool:
    """Whether `path` is the dashboard's (its pages, their static files, its 404s)."""
    return path == PREFIX or path.startswith(PREFIX + "/")


class PageHeaders:
    """Adds the security headers to every response under `/dashboard` (and `/`, which
    redirects there); pages, not the static files, are also `Cache-Control: no-store`
    unless they say otherwise: they show an account's private data."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "") if scope["type"] == "http" else ""
        if not (path == "/" or is_page(path)):
            await self.app(scope, receive, send)
            return
        static = path.startswith(STATIC_PATH + "/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", ()))
                headers.extend(_HEADERS)
                if not static and not any(name == b"cache-control" for name, _ in headers):
                    headers.append((b"cache-control", b"no-store"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)
