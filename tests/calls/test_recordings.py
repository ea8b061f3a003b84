"""GET /api/v1/calls/{id}/recording for audio the service holds itself: WAV, ranges, refusals."""

import math
import os
import struct
import wave
from pathlib import Path

import httpx
import pytest

from humanadd.calls.records import CallRecord
from humanadd.config import Settings
from humanadd.errors import NotFound, RangeNotSatisfiable
from humanadd.recordings import (
    CHUNK_SIZE,
    CallKey,
    Conditions,
    LocalFileSource,
    RecordingSources,
    parse_range,
)
from tests.conftest import AddCalls, MakeAccount, TestAccount
from tests.openapi_check import OpenApiChecker

CALLS = "/api/v1/calls"
STARTED = 1_736_965_324_000

CALL = CallKey("acc_test", "call_test")


def write_wav(path: Path, seconds: float = 0.5, rate: int = 8000) -> bytes:
    """A real mono 16-bit WAV file with a 440 Hz tone; returns its bytes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    frames = b"".join(
        struct.pack("<h", int(12000 * math.sin(2 * math.pi * 440 * n / rate)))
        for n in range(int(seconds * rate))
    )
    with wave.open(str(path), "wb") as audio:
        audio.setnchannels(1)
        audio.setsampwidth(2)
        audio.setframerate(rate)
        audio.writeframes(frames)
    return path.read_bytes()


async def account_with_recording(
    make_account: MakeAccount, add_calls: AddCalls, settings: Settings, seconds: float = 0.5
) -> tuple[TestAccount, bytes]:
    account = await make_account()
    audio = write_wav(settings.recordings_dir / account.id / "call_rec.wav", seconds)
    await add_calls(
        account,
        [
            CallRecord(
                call_id="call_rec",
                direction="inbound",
                started_at=STARTED,
                recording_ref=f"file:{account.id}/call_rec.wav",
            ),
            CallRecord(call_id="call_silent", direction="inbound", started_at=STARTED + 1),
        ],
    )
    return account, audio


def assert_audio(response: httpx.Response, status: int, body: bytes) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "audio/wav"
    assert response.headers["accept-ranges"] == "bytes"
    assert response.headers["content-length"] == str(len(body))
    assert response.content == body
    assert response.headers["x-request-id"].startswith("req_")
    assert response.headers["x-ratelimit-limit"] == "60"


async def test_whole_recording_is_streamed_as_audio_wav(
    client: httpx.AsyncClient,
    make_account: MakeAccount,
    add_calls: AddCalls,
    settings: Settings,
    openapi: OpenApiChecker,
) -> None:
    account, audio = await account_with_recording(make_account, add_calls, settings)
    response = await client.get(f"{CALLS}/call_rec/recording", headers=account.headers)
    assert_audio(response, 200, audio)
    openapi.check(response)
    assert "content-range" not in response.headers
    assert response.content[:4] == b"RIFF"
    assert response.content[8:12] == b"WAVE"
    assert str(settings.recordings_dir) not in str(response.headers)


@pytest.mark.parametrize(
    ("range_header", "first", "last"),
    [
        ("bytes=0-99", 0, 99),
        ("bytes=100-", 100, None),
        ("bytes=-100", -100, None),
        ("bytes=10-10", 10, 10),
        ("bytes=0-", 0, None),
        ("bytes=500-999999999", 500, None),
        ("bytes=-999999999", 0, None),
        (" bytes=5-9 ", 5, 9),
    ],
)
async def test_range_is_206_with_content_range(
    client: httpx.AsyncClient,
    make_account: MakeAccount,
    add_calls: AddCalls,
    settings: Settings,
    openapi: OpenApiChecker,
    range_header: str,
    first: int,
    last: int | None,
) -> None:
    account, audio = await account_with_recording(make_account, add_calls, settings)
    size = len(audio)
    start = first if first >= 0 else size + first
    end = size - 1 if last is None else last
    response = await client.get(
        f"{CALLS}/call_rec/recording", headers={**account.headers, "Range": range_header}
    )
    assert_audio(response, 206, audio[start : end + 1])
    assert response.headers["content-range"] == f"bytes {start}-{end}/{size}"
    openapi.check(response)


@pytest.mark.parametrize("range_header", ["bytes={size}-", "bytes={size}-{size}", "bytes=-0"])
async def test_range_outside_the_recording_is_416(
    client: httpx.AsyncClient,
    make_account: MakeAccount,
    add_calls: AddCalls,
    settings: Settings,
    openapi: OpenApiChecker,
    range_header: str,
) -> None:
    account, audio = await account_with_recording(make_account, add_calls, settings)
    size = len(audio)
    response = await client.get(
        f"{CALLS}/call_rec/recording",
        headers={**account.headers, "Range": range_header.format(size=size)},
    )
    assert response.status_code == 416
    assert response.json() == {
        "ok": False,
        "error": "range_not_satisfiable",
        "message": "The requested range cannot be served.",
    }
    assert response.headers["content-range"] == f"bytes */{size}"
    assert response.headers["x-request-id"].startswith("req_")
    assert response.headers["x-ratelimit-remaining"] == "59"
    openapi.check(response)


@pytest.mark.parametrize(
    "range_header", ["items=0-10", "bytes=0-1,5-6", "bytes=9-3", "bytes=abc", "bytes=-", ""]
)
async def test_range_we_do_not_understand_is_ignored(
    client: httpx.AsyncClient,
    make_account: MakeAccount,
    add_calls: AddCalls,
    settings: Settings,
    openapi: OpenApiChecker,
    range_header: str,
) -> None:
    account, audio = await account_with_recording(make_account, add_calls, settings)
    response = await client.get(
        f"{CALLS}/call_rec/recording", headers={**account.headers, "Range": range_header}
    )
    assert_audio(response, 200, audio)
    openapi.check(response)


async def test_call_without_recording_is_404(
    client: httpx.AsyncClient,
    make_account: MakeAccount,
    add_calls: AddCalls,
    settings: Settings,
    openapi: OpenApiChecker,
) -> None:
    account, _ = await account_with_recording(make_account, add_calls, settings)
    response = await client.get(f"{CALLS}/call_silent/recording", headers=account.headers)
    assert response.status_code == 404
    assert response.json() == {
        "ok": False,
        "error": "not_found",
        "message": "This call has no recording.",
    }
    openapi.check(response)
    detail = await client.get(f"{CALLS}/call_silent", headers=account.headers)
    assert detail.json()["call"]["recording_url"] is None


async def test_recording_of_another_accounts_call_is_404(
    client: httpx.AsyncClient,
    make_account: MakeAccount,
    add_calls: AddCalls,
    settings: Settings,
    openapi: OpenApiChecker,
) -> None:
    _, _ = await account_with_recording(make_account, add_calls, settings)
    stranger = await make_account(name="Stranger")
    response = await client.get(
        f"{CALLS}/call_rec/recording", headers={**stranger.headers, "Range": "bytes=0-9"}
    )
    assert response.status_code == 404
    assert response.json() == {"ok": False, "error": "not_found", "message": "No call 'call_rec'."}
    openapi.check(response)


@pytest.mark.parametrize(
    "reference",
    [
        "file:../outside.wav",
        "file:{account}/../../outside.wav",
        "file:{absolute}",
        "file:{account}/link.wav",
        "file:{account}/missing.wav",
        "s3://bucket/call.wav",
        "no-scheme",
    ],
)
async def test_references_outside_the_recordings_directory_are_refused(
    client: httpx.AsyncClient,
    make_account: MakeAccount,
    add_calls: AddCalls,
    settings: Settings,
    openapi: OpenApiChecker,
    reference: str,
) -> None:
    account = await make_account()
    outside = settings.data_dir / "outside.wav"
    write_wav(outside)
    (settings.recordings_dir / account.id).mkdir(parents=True, exist_ok=True)
    os.symlink(outside, settings.recordings_dir / account.id / "link.wav")
    reference = reference.format(account=account.id, absolute=outside.resolve())
    await add_calls(
        account,
        [
            CallRecord(
                call_id="call_evil",
                direction="inbound",
                started_at=STARTED,
                recording_ref=reference,
            )
        ],
    )
    response = await client.get(f"{CALLS}/call_evil/recording", headers=account.headers)
    assert response.status_code == 404
    assert response.json() == {
        "ok": False,
        "error": "not_found",
        "message": "This call has no recording.",
    }
    openapi.check(response)
    assert "outside" not in response.text


# --- a recording that is there but cannot be read: 500 fetch_failed ------------------------

FETCH_FAILED = {"ok": False, "error": "fetch_failed", "message": "Upstream error. Retry."}


def assert_fetch_failed(response: httpx.Response) -> None:
    assert response.status_code == 500, response.text
    assert response.json() == FETCH_FAILED
    assert response.headers["content-type"] == "application/json"
    assert response.headers["x-request-id"].startswith("req_")
    assert response.headers["x-ratelimit-limit"] == "60"
    assert "accept-ranges" not in response.headers


@pytest.mark.parametrize("kind", ["directory", "fifo", "root"])
async def test_unreadable_recording_is_500_fetch_failed_before_any_audio_header(
    client: httpx.AsyncClient,
    make_account: MakeAccount,
    add_calls: AddCalls,
    settings: Settings,
    openapi: OpenApiChecker,
    kind: str,
) -> None:
    """Something other than a readable file where the recording should be. The source opens
    it before the answer starts, so the failure is still an error answer (and a FIFO, which
    an ordinary open would wait on for a writer, does not hang the request)."""
    account = await make_account()
    folder = settings.recordings_dir / account.id
    folder.mkdir(parents=True)
    reference = f"file:{account.id}/call_odd.wav"
    if kind == "directory":
        (folder / "call_odd.wav").mkdir()
    elif kind == "fifo":
        os.mkfifo(folder / "call_odd.wav")
    else:
        reference = "file:"  # the recordings directory itself
    await add_calls(
        account,
        [
            CallRecord(
                call_id="call_odd", direction="inbound", started_at=STARTED, recording_ref=reference
            )
        ],
    )
    for headers in ({}, {"Range": "bytes=0-9"}):
        response = await client.get(
            f"{CALLS}/call_odd/recording", headers={**account.headers, **headers}
        )
        assert_fetch_failed(response)
        openapi.check(response)
    head = await client.head(f"{CALLS}/call_odd/recording", headers=account.headers)
    assert head.status_code == 500
    assert head.content == b""


async def test_file_is_opened_before_the_answer_starts(tmp_path: Path) -> None:
    """Removing the file after `open` changes nothing: the source holds it open already."""
    audio = write_wav(tmp_path / "call.wav")
    stream = await LocalFileSource(tmp_path).open(
        "file:call.wav", Conditions(range="bytes=4-"), CALL
    )
    (tmp_path / "call.wav").unlink()
    assert stream.status_code == 206
    assert b"".join([chunk async for chunk in stream.body]) == audio[4:]
    await stream.close()  # harmless once the body has closed it


async def test_a_stream_that_is_never_read_is_closed_by_close(tmp_path: Path) -> None:
    write_wav(tmp_path / "call.wav")
    stream = await LocalFileSource(tmp_path).open("file:call.wav", Conditions(), CALL)
    await stream.close()
    with pytest.raises(ValueError, match="closed file"):
        await anext(stream.body)


# --- HEAD -----------------------------------------------------------------------------------


@pytest.mark.parametrize("range_header", [None, "bytes=10-19", "bytes=-100"])
async def test_head_answers_the_headers_of_get_without_the_audio(
    client: httpx.AsyncClient,
    make_account: MakeAccount,
    add_calls: AddCalls,
    settings: Settings,
    range_header: str | None,
) -> None:
    account, _ = await account_with_recording(make_account, add_calls, settings)
    headers = {**account.headers, **({"Range": range_header} if range_header else {})}
    get = await client.get(f"{CALLS}/call_rec/recording", headers=headers)
    head = await client.head(f"{CALLS}/call_rec/recording", headers=headers)
    assert head.status_code == get.status_code == (206 if range_header else 200)
    assert head.content == b""
    for name in ("content-type", "content-length", "accept-ranges", "x-ratelimit-limit"):
        assert head.headers[name] == get.headers[name], name
    assert head.headers.get("content-range") == get.headers.get("content-range")
    assert head.headers["x-request-id"].startswith("req_")


@pytest.mark.parametrize(
    ("call_id", "range_header", "status"),
    [
        ("call_silent", None, 404),
        ("call_nope", None, 404),
        ("call_rec", "bytes=999999-", 416),
    ],
)
async def test_head_refusals_have_the_status_and_headers_of_get_and_no_body(
    client: httpx.AsyncClient,
    make_account: MakeAccount,
    add_calls: AddCalls,
    settings: Settings,
    call_id: str,
    range_header: str | None,
    status: int,
) -> None:
    account, _ = await account_with_recording(make_account, add_calls, settings)
    headers = {**account.headers, **({"Range": range_header} if range_header else {})}
    get = await client.get(f"{CALLS}/{call_id}/recording", headers=headers)
    head = await client.head(f"{CALLS}/{call_id}/recording", headers=headers)
    assert head.status_code == get.status_code == status
    assert head.content == b""
    assert head.headers["content-length"] == get.headers["content-length"]
    assert head.headers["content-type"] == "application/json"
    assert head.headers.get("content-range") == get.headers.get("content-range")


async def test_head_needs_a_key_like_get(client: httpx.AsyncClient) -> None:
    response = await client.head(f"{CALLS}/call_rec/recording")
    assert response.status_code == 401
    assert response.content == b""


async def test_large_recording_is_read_in_bounded_chunks(tmp_path: Path) -> None:
    audio = write_wav(tmp_path / "long.wav", seconds=20)  # about 320 KB
    assert len(audio) > 4 * CHUNK_SIZE
    sources = RecordingSources({"file": LocalFileSource(tmp_path)})
    stream = await sources.open("file:long.wav", Conditions(), CALL)
    chunks = [chunk async for chunk in stream.body]
    assert len(chunks) >= 5
    assert max(len(chunk) for chunk in chunks) <= CHUNK_SIZE
    assert b"".join(chunks) == audio

    stream = await sources.open(
        "file:long.wav", Conditions(range=f"bytes=1-{CHUNK_SIZE + 10}"), CALL
    )
    chunks = [chunk async for chunk in stream.body]
    assert [len(chunk) for chunk in chunks] == [CHUNK_SIZE, 10]
    assert b"".join(chunks) == audio[1 : CHUNK_SIZE + 11]


def test_parse_range_follows_rfc_9110() -> None:
    assert parse_range(None, 1000) is None
    assert parse_range("bytes=0-0", 1000) == (0, 0)
    assert parse_range("bytes=999-", 1000) == (999, 999)
    assert parse_range("bytes=-1", 1000) == (999, 999)
    assert parse_range("bytes=-5000", 1000) == (0, 999)
    assert parse_range("bytes=0-5000", 1000) == (0, 999)
    assert parse_range("bytes=5-1", 1000) is None
    with pytest.raises(RangeNotSatisfiable) as refused:
        parse_range("bytes=1000-", 1000)
    assert refused.value.headers == {"Content-Range": "bytes */1000"}
    with pytest.raises(RangeNotSatisfiable):
        parse_range("bytes=0-", 0)
    with pytest.raises(RangeNotSatisfiable):
        parse_range("bytes=-10", 0)


async def test_empty_recording_is_an_empty_200(tmp_path: Path) -> None:
    (tmp_path / "empty.wav").write_bytes(b"")
    stream = await LocalFileSource(tmp_path).open("file:empty.wav", Conditions(), CALL)
    assert stream.status_code == 200
    assert stream.headers["Content-Length"] == "0"
    assert [chunk async for chunk in stream.body] == []
    with pytest.raises(NotFound):
        await LocalFileSource(tmp_path).open("file:nothing.wav", Conditions(), CALL)
