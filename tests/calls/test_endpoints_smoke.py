from humanadd.calls.repository import CallRecord


async def test_list_and_detail_smoke(client, make_account, add_calls, openapi):
    account = await make_account()
    await add_calls(
        account,
        [
            CallRecord(
                call_id="call_abc123",
                direction="inbound",
                started_at=1736965324000,
                ended_at=1736965406000,
                duration_seconds=82,
                from_number="+15551234567",
                to_number="+15559876543",
                sentiment="positive",
                tags=["booking"],
                booked=True,
                transcript="AI: Hello",
                transcript_object=[{"role": "agent", "content": "Hello"}],
            )
        ],
    )
    response = await client.get("/api/v1/calls?limit=10", headers=account.headers)
    assert response.status_code == 200, response.text
    openapi.check(response)
    print(response.json(), dict(response.headers))
    response = await client.get("/api/v1/calls/call_abc123", headers=account.headers)
    assert response.status_code == 200, response.text
    openapi.check(response)
    print(response.json())
    response = await client.get("/api/v1/calls/nope", headers=account.headers)
    assert response.status_code == 404
    openapi.check(response)
    response = await client.get("/api/v1/calls?limit=0", headers=account.headers)
    print(response.json())
    assert response.status_code == 400
    openapi.check(response)
