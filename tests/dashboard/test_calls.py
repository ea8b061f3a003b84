"""The Calls page and a call's page over ASGI: filters in the URL, days on the account's clock,
the phone search, paging, the recording for the session, empty states, tenancy."""

import re
from collections.abc import Awaitable, Callable
from html import unescape

import httpx

from humanadd.calls.records import CallRecord
from humanadd.config import Settings
from tests.calls.test_recordings import write_wav
from tests.conftest import AddCalls, MakeAccount, TestAccount
from tests.dashboard.conftest import ORIGIN, Dashboard, MakeUser, csrf_of
from tests.stats.builders import at

ZONE = "America/New_York"
OpenDashboard = Callable[..., Awaitable[Dashboard]]
XSS = ("<script>alert(1)</script>", "<img src=x onerror=alert(1)>")


def _ids(html: str) -> list[str]:
    return re.findall(r'<tr data-call="([^"]+)">', html)


def _record(call_id: str, started: str, **fields: object) -> CallRecord:
    fields.setdefault("direction", "inbound")
    fields.setdefault("duration_seconds", 60)
    fields.setdefault("from_number", "+15550000000")
    fields.setdefault("to_number", "+15559990000")
    return CallRecord(call_id=call_id, started_at=at(started), **fields)  # type: ignore[arg-type]


async def _account(make_account: MakeAccount, add_calls: AddCalls) -> TestAccount:
    account = await make_account("Calls Page Dental", timezone=ZONE)
    await add_calls(
        account,
        [
            # 23:30 on Saturday November 14th in New York
            _record("call_sat", "2026-11-15T04:30:00Z", sentiment="positive", tags=["booking"],
                    booked=True, from_number="+12125551234"),
            # 0:10 on Sunday November 15th in New York
            _record("call_sun", "2026-11-15T05:10:00Z", duration_seconds=0,
                    disconnection_reason="dial_no_answer", sentiment="negative"),
            _record("call_out", "2026-11-15T14:00:00Z", direction="outbound",
                    to_number="+13105557777", status="ongoing", duration_seconds=0),
            _record("call_err", "2026-11-16T15:00:00Z", status="error", tags=["pricing"]),
        ],
    )  # fmt: skip
    return account


async def _owner(dashboard: OpenDashboard, make_user: MakeUser, account: TestAccount) -> Dashboard:
    return await dashboard(await make_user(account.id, "owner"))


async def test_the_table_shows_each_call_in_the_accounts_zone(
    dashboard: OpenDashboard, make_account: MakeAccount, make_user: MakeUser, add_calls: AddCalls
) -> None:
    account = await _account(make_account, add_calls)
    owner = await _owner(dashboard, make_user, account)
    response = await owner.get("/dashboard/calls")
    assert response.status_code == 200
    html = response.text
    assert _ids(html) == ["call_err", "call_out", "call_sun", "call_sat"]
    row = html[
        html.index('<tr data-call="call_sat">') : html.index('<tr data-call="call_sat">') + 1500
    ]
    row = row[: row.index("</tr>")]
    assert '<a href="/dashboard/calls/call_sat">' in row
    assert '<time datetime="2026-11-15T04:30:00.000Z">2026-11-14 23:30</time>' in row
    assert "+12125551234" in row
    assert '<span class="badge answered">Answered</span>' in row
    assert '<span class="badge positive">Positive</span>' in row
    assert "Booked" in row
    assert '<span class="tag">booking</span>' in row
    assert "Started (America/New_York)" in html
    assert '<span class="badge missed">Missed</span>' in html
    assert '<span class="badge ongoing">Ongoing</span>' in html
    assert "+13105557777" in html  # an outbound call shows the number called


async def test_the_apis_filters_work_from_the_url(
    dashboard: OpenDashboard, make_account: MakeAccount, make_user: MakeUser, add_calls: AddCalls
) -> None:
    account = await _account(make_account, add_calls)
    owner = await _owner(dashboard, make_user, account)
    cases = {
        "direction=outbound": ["call_out"],
        "direction=inbound&status=ended": ["call_sun", "call_sat"],
        "status=error": ["call_err"],
        "sentiment=negative": ["call_sun"],
        "sentiment=unknown": ["call_err", "call_out"],
        "tag=BOOKING": ["call_sat"],
        "booked=true": ["call_sat"],
        "booked=false&tag=pricing": ["call_err"],
        "direction=&status=&tag=": ["call_err", "call_out", "call_sun", "call_sat"],
    }
    for query, expected in cases.items():
        response = await owner.get(f"/dashboard/calls?{query}")
        assert response.status_code == 200, query
        assert _ids(response.text) == expected, query
    html = (await owner.get("/dashboard/calls?sentiment=negative&tag=x")).text
    assert '<option value="negative" selected>' in html
    assert 'name="tag" value="x"' in html
    assert "No calls match these filters." in html


async def test_a_date_range_is_whole_days_on_the_accounts_clock(
    dashboard: OpenDashboard, make_account: MakeAccount, make_user: MakeUser, add_calls: AddCalls
) -> None:
    account = await _account(make_account, add_calls)
    owner = await _owner(dashboard, make_user, account)
    cases = {
        "from=2026-11-14&to=2026-11-14": ["call_sat"],
        "from=2026-11-15&to=2026-11-15": ["call_out", "call_sun"],
        "from=2026-11-15": ["call_err", "call_out", "call_sun"],
        "to=2026-11-15": ["call_out", "call_sun", "call_sat"],
        "from=2026-11-16&to=2026-11-30": ["call_err"],
        "from=2026-11-17": [],
    }
    for query, expected in cases.items():
        assert _ids((await owner.get(f"/dashboard/calls?{query}")).text) == expected, query


async def test_the_phone_search_matches_part_of_either_number(
    dashboard: OpenDashboard, make_account: MakeAccount, make_user: MakeUser, add_calls: AddCalls
) -> None:
    account = await _account(make_account, add_calls)
    owner = await _owner(dashboard, make_user, account)
    cases = {
        "5551234": ["call_sat"],
        "(212) 555": ["call_sat"],
        "+1310": ["call_out"],
        "999-0000": ["call_err", "call_sun", "call_sat"],
        "4444": [],
    }
    for phone, expected in cases.items():
        response = await owner.get("/dashboard/calls", params={"phone": phone})
        assert _ids(response.text) == expected, phone


async def test_bad_filters_are_explained_inline(
    dashboard: OpenDashboard, make_account: MakeAccount, make_user: MakeUser, add_calls: AddCalls
) -> None:
    account = await _account(make_account, add_calls)
    owner = await _owner(dashboard, make_user, account)
    cases = {
        "direction=sideways": "Direction can be inbound, outbound: not &#39;sideways&#39;.",
        "booked=maybe": "Booked can be true, false",
        "sentiment=happy": "Sentiment can be positive, neutral, negative, unknown",
        "from=2026-13-01": "From must be a date like 2026-11-30, not &#39;2026-13-01&#39;.",
        "to=yesterday": "To must be a date like 2026-11-30",
        "from=0001-01-01": "From must be a date",
        "to=9999-12-31": "To must be a date",
        "from=2026-11-20&to=2026-11-19": "The To date is before the From date.",
        "phone=abc": "Search a number by its digits, like 555 or +1555.",
        "phone=%25": "Search a number by its digits",
        f"tag={'x' * 65}": "A tag has at most 64 characters.",
        "tag=%00": "A tag has at most 64 characters.",
        "cursor=not-a-cursor": "This page link is not valid any more",
        "cursor=%C3%A9": "This page link is not valid any more",
    }
    for query, message in cases.items():
        response = await owner.get(f"/dashboard/calls?{query}")
        assert response.status_code == 400, query
        assert response.headers["content-type"].startswith("text/html")
        assert message in response.text, query
        assert _ids(response.text) == [], query


async def test_pages_follow_the_apis_cursor_with_the_filters_kept(
    dashboard: OpenDashboard, make_account: MakeAccount, make_user: MakeUser, add_calls: AddCalls
) -> None:
    account = await make_account(timezone=ZONE)
    start = at("2026-11-01T12:00:00Z")
    await add_calls(
        account,
        [
            CallRecord(call_id=f"call_{n:03d}", direction="inbound", started_at=start + n * 60_000,
                       from_number="+1555000" + ("1" if n % 2 else "2"))
            for n in range(110)
        ],
    )  # fmt: skip
    owner = await _owner(dashboard, make_user, account)
    first = (await owner.get("/dashboard/calls?phone=5550001&from=2026-11-01")).text
    assert _ids(first) == [f"call_{n:03d}" for n in range(109, 9, -2)]
    next_url = unescape(re.search(r'<a href="([^"]+)" rel="next">Next page</a>', first)[1])  # type: ignore[index]
    assert next_url.startswith("/dashboard/calls?from=2026-11-01&phone=5550001&cursor=")
    second = (await owner.get(next_url)).text
    assert _ids(second) == [f"call_{n:03d}" for n in range(9, 0, -2)]
    assert 'rel="next"' not in second
    assert '<a href="/dashboard/calls?from=2026-11-01&amp;phone=5550001">First page</a>' in second
    # A cursor belongs to its account: another account's user cannot use it.
    other = await make_account()
    stranger = await _owner(dashboard, make_user, other)
    refused = await stranger.get(next_url)
    assert refused.status_code == 400
    assert "This page link is not valid any more" in refused.text


async def _call_with_audio(
    make_account: MakeAccount, add_calls: AddCalls, settings: Settings
) -> tuple[TestAccount, bytes]:
    account = await make_account("Detail Vet", timezone=ZONE)
    audio = write_wav(settings.recordings_dir / account.id / "call_rec.wav", seconds=2)
    turns = [
        {"role": "agent", "content": "Hello, Detail Vet.",
         "words": [{"word": "Hello,", "start": 0.2, "end": 0.5}]},
        {"role": "user", "content": XSS[0],
         "words": [{"word": "x", "start": 65.4, "end": 66.0}]},
        {"role": "user", "content": XSS[1]},
    ]  # fmt: skip
    await add_calls(
        account,
        [
            _record("call_rec", "2026-11-15T04:30:00Z", sentiment="neutral", summary=XSS[1],
                    disconnection_reason="user_hangup", transcript_object=turns,
                    recording_ref=f"file:{account.id}/call_rec.wav",
                    ended_at=at("2026-11-15T04:31:00Z")),
            _record("call_live", "2026-11-15T05:00:00Z", status="ongoing", duration_seconds=0),
            _record("call_bare", "2026-11-15T06:00:00Z", transcript="AI: Hi\nCaller: Bye"),
            _record("call_none", "2026-11-15T07:00:00Z"),
        ],
    )  # fmt: skip
    return account, audio


async def test_a_calls_page_shows_its_details_player_and_transcript(
    dashboard: OpenDashboard,
    make_account: MakeAccount,
    make_user: MakeUser,
    add_calls: AddCalls,
    settings: Settings,
) -> None:
    account, _audio = await _call_with_audio(make_account, add_calls, settings)
    member = await dashboard(await make_user(account.id, "member"))
    response = await member.get("/dashboard/calls/call_rec")
    assert response.status_code == 200
    html = response.text
    assert '<span class="badge answered">Answered</span>' in html
    assert '<span class="badge neutral">Neutral sentiment</span>' in html
    assert "<dt>Disconnection reason</dt><dd>user_hangup</dd>" in html
    assert (
        '<time datetime="2026-11-15T04:30:00.000Z">2026-11-14 23:30</time> (America/New_York)'
        in html
    )
    assert (
        '<audio controls preload="metadata" src="/dashboard/calls/call_rec/recording" '
        'data-transcript="transcript-lines"'
    ) in html
    assert "hak_" not in html
    assert "Bearer" not in html
    lines = re.findall(r'<li class="(agent|user)"( data-start="[\d.]+")?>', html)
    assert lines == [("agent", ' data-start="0.2"'), ("user", ' data-start="65.4"'), ("user", "")]
    assert '<button type="button" class="seek" aria-label="Play from 0:00">0:00</button>' in html
    assert '<button type="button" class="seek" aria-label="Play from 1:05">1:05</button>' in html
    assert '<span class="speaker">AI</span>' in html
    assert '<span class="speaker">Caller</span>' in html
    # User text is escaped, never markup.
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "<script>alert" not in html
    assert "<img src=x" not in html
    assert "data-refresh" not in html


async def test_empty_states_and_an_ongoing_call_that_refreshes(
    dashboard: OpenDashboard,
    make_account: MakeAccount,
    make_user: MakeUser,
    add_calls: AddCalls,
    settings: Settings,
) -> None:
    account, _audio = await _call_with_audio(make_account, add_calls, settings)
    owner = await _owner(dashboard, make_user, account)
    live = (await owner.get("/dashboard/calls/call_live")).text
    assert 'data-refresh="10"' in live
    assert "This call is still going on" in live
    assert "The recording will be here once the call has ended." in live
    assert "The transcript comes when the call has ended." in live
    assert '<span class="badge ongoing">Ongoing</span>' in live
    none = (await owner.get("/dashboard/calls/call_none")).text
    assert "There is no recording of this call." in none
    assert "There is no transcript of this call." in none
    assert "No summary for this call." in none
    assert "<audio" not in none
    assert "data-refresh" not in none
    bare = (await owner.get("/dashboard/calls/call_bare")).text
    assert '<pre class="transcript-text">AI: Hi\nCaller: Bye</pre>' in bare
    assert (await owner.get("/dashboard/calls/call_none/recording")).status_code == 404


async def test_the_recording_streams_with_ranges_for_the_session_only(
    app: object,
    dashboard: OpenDashboard,
    make_account: MakeAccount,
    make_user: MakeUser,
    add_calls: AddCalls,
    settings: Settings,
) -> None:
    account, audio = await _call_with_audio(make_account, add_calls, settings)
    member = await dashboard(await make_user(account.id, "member"))
    url = "/dashboard/calls/call_rec/recording"
    whole = await member.get(url)
    assert whole.status_code == 200
    assert whole.headers["content-type"] == "audio/wav"
    assert whole.headers["accept-ranges"] == "bytes"
    assert whole.content == audio
    part = await member.get(url, headers={"Range": "bytes=100-199"})
    assert part.status_code == 206
    assert part.headers["content-range"] == f"bytes 100-199/{len(audio)}"
    assert part.content == audio[100:200]
    etag = whole.headers["etag"]
    again = await member.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    # No session: the login page, never the audio; an API key is no session either.
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8000") as anon:
        for headers in ({}, {"Range": "bytes=0-99"}, account.headers):
            refused = await anon.get("/dashboard/calls/call_rec/recording", headers=headers)
            assert refused.status_code == 303
            assert refused.headers["location"] == (
                "/dashboard/login?next=%2Fdashboard%2Fcalls%2Fcall_rec%2Frecording"
            )
            assert refused.content == b""


async def test_another_accounts_call_and_recording_are_not_found(
    dashboard: OpenDashboard,
    make_account: MakeAccount,
    make_user: MakeUser,
    add_calls: AddCalls,
    settings: Settings,
) -> None:
    account, _audio = await _call_with_audio(make_account, add_calls, settings)
    other = await make_account("Elsewhere")
    stranger = await _owner(dashboard, make_user, other)
    for url in (
        "/dashboard/calls/call_rec",
        "/dashboard/calls/call_rec/recording",
        "/dashboard/calls/no_such_call",
        f"/dashboard/calls/call_rec?account={account.id}",
        f"/dashboard/calls?account={account.id}",
    ):
        response = await stranger.get(url)
        assert response.status_code == 404, url
        assert response.headers["content-type"].startswith("text/html"), url
        assert "Not found" in response.text
    assert _ids((await stranger.get("/dashboard/calls")).text) == []


async def test_an_operator_keeps_the_account_in_every_link(
    app: object,
    make_account: MakeAccount,
    make_user: MakeUser,
    add_calls: AddCalls,
    settings: Settings,
) -> None:
    account, audio = await _call_with_audio(make_account, add_calls, settings)
    operator = await make_user(None, "operator")
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url=ORIGIN) as http:
        login = await http.get("/dashboard/login")
        await http.post(
            "/dashboard/login",
            data={"csrf_token": csrf_of(login.text), "email": operator.email,
                  "password": operator.password, "next": "/dashboard"},
            headers={"Origin": ORIGIN},
        )  # fmt: skip
        listing = (await http.get(f"/dashboard/calls?account={account.id}&phone=555")).text
        assert _ids(listing) == ["call_none", "call_bare", "call_live", "call_rec"]
        assert f'<input type="hidden" name="account" value="{account.id}">' in listing
        assert f'<a href="/dashboard/calls/call_rec?account={account.id}">' in listing
        detail = (await http.get(f"/dashboard/calls/call_rec?account={account.id}")).text
        src = f"/dashboard/calls/call_rec/recording?account={account.id}"
        assert f'src="{src}"' in detail
        assert (await http.get(src)).content == audio
        assert (await http.get("/dashboard/calls/call_rec")).status_code == 400


async def test_a_transcript_of_odd_shape_is_shown_as_far_as_it_can_be(
    dashboard: OpenDashboard, make_account: MakeAccount, make_user: MakeUser, add_calls: AddCalls
) -> None:
    account = await make_account(timezone=ZONE)
    turns: list[object] = [
        {"role": "agent", "content": "Hi there", "words": "not a list"},
        "not a turn",
        {"role": "user", "content": "Bye", "words": [None, {"word": "Bye", "start": "soon"}]},
    ]
    await add_calls(account, [_record("call_odd", "2026-11-15T04:30:00Z", transcript_object=turns)])
    owner = await _owner(dashboard, make_user, account)
    response = await owner.get("/dashboard/calls/call_odd")
    assert response.status_code == 200
    assert re.findall(r'<li class="(\w+)"( data-start)?>', response.text) == [
        ("agent", ""),
        ("user", ""),
    ]
    assert '<span class="content">Hi there</span>' in response.text


async def test_the_tables_cells_are_escaped(
    dashboard: OpenDashboard, make_account: MakeAccount, make_user: MakeUser, add_calls: AddCalls
) -> None:
    account = await make_account("Escaped Table Spa", timezone=ZONE)
    await add_calls(
        account,
        [_record("call_xss", "2026-11-15T04:30:00Z", from_number=XSS[1], tags=[XSS[0]])],
    )
    client = await _owner(dashboard, make_user, account)

    html = (await client.get("/dashboard/calls")).text

    row = html[html.index('<tr data-call="call_xss">') :]
    row = row[: row.index("</tr>")]
    assert "&lt;img src=x onerror=alert(1)&gt;" in row
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in row
    assert "<img" not in row
    assert "<script" not in row
