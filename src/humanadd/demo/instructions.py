"""What the demo prints: its key and the API document's curl examples, ready to paste."""

from humanadd.demo.generator import EXAMPLE_CALL_ID
from humanadd.demo.service import DemoAccess

KB_BODY = '{"text": "Our new hours are 8am-7pm M-F.", "replace": false}'


def base_url(host: str, port: int) -> str:
    """Where a local client reaches a server listening on host:port."""
    if host in ("", "0.0.0.0", "::"):
        host = "127.0.0.1"
    elif ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}"


def curl_examples(base: str, api_key: str) -> list[str]:
    """The document's examples with our host and key (recording and stats added in its style)."""
    auth = f'-H "Authorization: Bearer {api_key}"'
    api = f"{base}/api/v1"
    return [
        f'curl "{api}/calls?limit=10" \\\n{auth}',
        f"curl {api}/calls/{EXAMPLE_CALL_ID} \\\n{auth}",
        f"curl {api}/calls/{EXAMPLE_CALL_ID}/recording \\\n{auth} \\\n-o {EXAMPLE_CALL_ID}.wav",
        f'curl "{api}/stats?days=30" \\\n{auth}',
        f"curl {api}/kb \\\n{auth} \\\n-H \"Content-Type: application/json\" \\\n-d '{KB_BODY}'",
    ]


def banner(access: DemoAccess, host: str, port: int) -> str:
    base = base_url(host, port)
    what = (
        "Reused the demo database: the demo key was rotated (the old one no longer works)."
        if access.reused
        else "Created the demo account."
    )
    lines = [
        f"humanadd demo: {what}",
        f"  account_id: {access.account_id}",
        f"  api_key:    {access.api_key}",
        f"  calls:      {access.calls} seeded over the last 60 days, and a new live call about "
        "every 30 s from the simulated provider",
        f"  API docs:   {base}/docs",
        f"  dashboard:  {base}/dashboard",
    ]
    for email, password in access.logins:
        lines.append(f"    log in as {email} with password {password}")
    lines += [
        "",
        "Try the API:",
        "",
    ]
    for example in curl_examples(base, access.api_key):
        lines += [example, ""]
    lines.append(f"Serving on {base} (Ctrl+C to stop).")
    return "\n".join(lines)
