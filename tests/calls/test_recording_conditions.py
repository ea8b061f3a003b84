"""A recording's validators (`ETag`, `Last-Modified`) and the conditional requests they serve:
`If-None-Match` (304) and `If-Range` (the range, or the whole file), RFC 9110 §13."""

import os
import re
from collections.abc import AsyncIterator
from email.utils import formatdate
from pathlib import Path

import httpx
import pytest

from humanadd.config import Settings
from humanadd.errors import RangeNotSatisfiable
from humanadd.recordings import (
    Conditions,
    Validators,
    not_modified,
    range_applies,
    respond,
)
from tests.calls.test_recordings import CALLS, account_with_recording
from tests.conftest import AddCalls, MakeAccount, TestAccount
from tests.openapi_check import OpenApiChecker

RECORDING = f"{CALLS}/call_rec/recording"
AN_OLD_DATE = "Wed, 15 Jan 2025 18:25:31 GMT"


@pytest.fixture
async def recorded(
    make_account: MakeAccount, add_calls: AddCalls, settings: Settings
) -> tuple[TestAccount, bytes, Path]:
    """An account with the recording `call_rec`, its bytes and its file."""
    account, audio = await account_with_recording(make_account, add_calls, settings)
    return account, audio, settings.recordings_dir / account.id / "call_rec.wav"


async def test_every_answer_carries_a_strong_etag_and_the_files_date(
    client: httpx.AsyncClient,
    recorded: tuple[TestAccount, bytes, Path],
    openapi: OpenApiChecker,
) -> None:
    account, _, path = recorded
    whole = await client.get(RECORDING, headers=account.headers)
    part = await client.get(RECORDING, headers={**account.headers, "Range": "bytes=0-9"})
    head = await client.head(RECORDING, headers=account.headers)

    etag = whole.headers["etag"]
    assert re.fullmatch(r'"[0-9a-f]{24}"', etag)
    last_modified = formatdate(path.stat().st_mtime, usegmt=True)
    for response in (whole, part, head):
        assert (response.headers["etag"], response.headers["last-modified"]) == (
            etag,
            last_modified,
        )
    assert (await client.get(RECORDING, headers=account.headers)).headers["etag"] == etag
    openapi.check(whole)
    openapi.check(part)


async def test_the_etag_changes_when_the_file_is_rewritten_with_the_same_size_and_date(
    client: httpx.AsyncClient, recorded: tuple[TestAccount, bytes, Path]
) -> None:
    account, audio, path = recorded
    before = (await client.get(RECORDING, headers=account.headers)).headers["etag"]
    stat = path.stat()
    path.write_bytes(audio[::-1])
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # the date set back, as `cp -p`

    after = await client.get(RECORDING, headers=account.headers)
    assert after.content == audio[::-1]
    assert after.headers["last-modified"] == formatdate(stat.st_mtime, usegmt=True)
    assert after.headers["etag"] != before


@pytest.mark.parametrize(
    "if_none_match",
    ["{etag}", "W/{etag}", '"old", {etag}', ' "a,b" ,W/{etag} ', "*"],
)
@pytest.mark.parametrize("method", ["GET", "HEAD"])
async def test_a_matching_if_none_match_is_304_with_the_etag_and_no_body(
    client: httpx.AsyncClient,
    recorded: tuple[TestAccount, bytes, Path],
    method: str,
    if_none_match: str,
) -> None:
    account, _, _ = recorded
    etag = (await client.head(RECORDING, headers=account.headers)).headers["etag"]
    # With a Range, even one past the end: If-None-Match is evaluated first (RFC 9110 §13.2.2).
    for extra in ({}, {"Range": "bytes=0-9"}, {"Range": "bytes=999999-"}):
        headers = {**account.headers, **extra, "If-None-Match": if_none_match.format(etag=etag)}
        response = await client.request(method, RECORDING, headers=headers)

        assert response.status_code == 304, response.text
        assert response.content == b""
        assert response.headers["etag"] == etag
        for absent in ("content-length", "content-type", "content-range", "last-modified"):
            assert absent not in response.headers, absent
        assert response.headers["x-request-id"].startswith("req_")


@pytest.mark.parametrize("if_none_match", ['"other"', 'W/"other", "more"', "{etag}x", ""])
async def test_an_if_none_match_that_does_not_match_is_the_usual_answer(
    client: httpx.AsyncClient, recorded: tuple[TestAccount, bytes, Path], if_none_match: str
) -> None:
    account, audio, _ = recorded
    etag = (await client.head(RECORDING, headers=account.headers)).headers["etag"]
    headers = {**account.headers, "If-None-Match": if_none_match.format(etag=etag)}

    whole = await client.get(RECORDING, headers=headers)
    assert (whole.status_code, whole.content, whole.headers["etag"]) == (200, audio, etag)
    part = await client.get(RECORDING, headers={**headers, "Range": "bytes=4-7"})
    assert (part.status_code, part.content) == (206, audio[4:8])


@pytest.mark.parametrize("validator", ["etag", "last-modified"])
async def test_if_range_with_the_current_validator_serves_the_range(
    client: httpx.AsyncClient, recorded: tuple[TestAccount, bytes, Path], validator: str
) -> None:
    account, audio, _ = recorded
    current = (await client.head(RECORDING, headers=account.headers)).headers[validator]
    headers = {**account.headers, "Range": "bytes=10-19", "If-Range": current}

    for method in ("GET", "HEAD"):
        response = await client.request(method, RECORDING, headers=headers)
        assert response.status_code == 206
        assert response.headers["content-range"] == f"bytes 10-19/{len(audio)}"
        assert response.headers["content-length"] == "10"
    assert (await client.get(RECORDING, headers=headers)).content == audio[10:20]


@pytest.mark.parametrize("if_range", ['"stale"', "W/{etag}", AN_OLD_DATE, "not a date"])
@pytest.mark.parametrize("range_header", ["bytes=10-19", "bytes=999999-"])
async def test_if_range_with_another_validator_serves_the_whole_recording(
    client: httpx.AsyncClient,
    recorded: tuple[TestAccount, bytes, Path],
    if_range: str,
    range_header: str,
) -> None:
    """A weak tag never matches (strong comparison), and a range that would be 416 is not
    looked at: the whole recording is the answer."""
    account, audio, _ = recorded
    etag = (await client.head(RECORDING, headers=account.headers)).headers["etag"]
    headers = {**account.headers, "Range": range_header, "If-Range": if_range.format(etag=etag)}

    response = await client.get(RECORDING, headers=headers)
    assert (response.status_code, response.content) == (200, audio)
    assert response.headers["content-length"] == str(len(audio))
    assert "content-range" not in response.headers
    head = await client.head(RECORDING, headers=headers)
    assert (head.status_code, head.headers["content-length"]) == (200, str(len(audio)))


async def test_the_openapi_document_declares_the_validators_and_the_304(
    openapi: OpenApiChecker,
) -> None:
    path = openapi.document["paths"]["/api/v1/calls/{call_id}/recording"]
    for method in ("get", "head"):
        responses = path[method]["responses"]
        audio = {"Accept-Ranges", "ETag", "Last-Modified"}
        assert audio <= set(responses["200"]["headers"])
        assert audio | {"Content-Range"} <= set(responses["206"]["headers"])
        assert {"ETag", "Last-Modified"} <= set(responses["304"]["headers"])
        assert "content" not in responses["304"]
        parameters = {item["name"] for item in path[method]["parameters"]}
        assert {"Range", "If-None-Match", "If-Range"} <= parameters


# --- the shared rules, as any source uses them -------------------------------------------

CURRENT = Validators('"v2"', "Thu, 16 Jan 2025 09:00:00 GMT")


def test_if_none_match_uses_weak_comparison() -> None:
    cases: list[tuple[str | None, Validators, bool]] = [
        ('"v2"', CURRENT, True),
        ('W/"v2"', CURRENT, True),
        ('"v1", "v2"', CURRENT, True),
        ("*", CURRENT, True),
        ('W/"v2"', Validators('W/"v2"'), True),
        ("*", Validators(), True),
        (None, CURRENT, False),
        ('"v1"', CURRENT, False),
        ('"V2"', CURRENT, False),
        ("v2", CURRENT, False),
        ('"v2" "v3"', CURRENT, False),
        ('"v2"', Validators(), False),
    ]
    found = [(h, v, not_modified(Conditions(if_none_match=h), v)) for h, v, _ in cases]
    assert found == cases


def test_if_range_uses_strong_comparison_or_the_exact_date() -> None:
    cases: list[tuple[str | None, Validators, bool]] = [
        (None, CURRENT, True),
        ('"v2"', CURRENT, True),
        ("Thu, 16 Jan 2025 09:00:00 GMT", CURRENT, True),
        ("Thursday, 16-Jan-25 09:00:00 GMT", CURRENT, True),  # the obsolete form of that date
        ('W/"v2"', CURRENT, False),
        ('W/"v2"', Validators('W/"v2"'), False),  # a weak tag never matches
        ('"v1"', CURRENT, False),
        (AN_OLD_DATE, CURRENT, False),
        ('"v2"', Validators(), False),
        (AN_OLD_DATE, Validators(), False),
    ]
    found = [
        (h, v, range_applies(Conditions(range="bytes=0-0", if_range=h), v)) for h, v, _ in cases
    ]
    assert found == cases


async def test_respond_serves_a_source_that_makes_its_audio_on_request() -> None:
    """All a source needs for ranges and validators: the size, the validators, and a way to
    make any byte range (here from a formula, as synthesised audio would be)."""
    size, made = 1000, bytes(n % 251 for n in range(1000))

    async def make(start: int, end: int) -> AsyncIterator[bytes]:
        yield made[start : end + 1]

    async def answer(**sent: str) -> tuple[int, dict[str, str], bytes]:
        stream = await respond(Conditions(**sent), size, CURRENT, make)
        return stream.status_code, stream.headers, b"".join([c async for c in stream.body])

    assert await answer() == (
        200,
        {
            "Accept-Ranges": "bytes",
            "ETag": '"v2"',
            "Last-Modified": "Thu, 16 Jan 2025 09:00:00 GMT",
            "Content-Length": "1000",
        },
        made,
    )
    status, headers, body = await answer(range="bytes=-10", if_range='"v2"')
    assert (status, headers["Content-Range"], body) == (206, "bytes 990-999/1000", made[-10:])
    assert await answer(if_none_match='"v2"', range="bytes=0-1") == (304, {"ETag": '"v2"'}, b"")
    assert (await answer(range="bytes=0-1", if_range='"v1"'))[0] == 200
    closed = []

    async def close() -> None:
        closed.append(True)

    with pytest.raises(RangeNotSatisfiable):
        await respond(Conditions(range="bytes=1000-"), size, CURRENT, make, close)
    assert closed == [True]
