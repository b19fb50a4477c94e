from __future__ import annotations

from tests.reporting.factories import member, reporting_headers


def test_members_records_and_gender_count(client, factory, session):
    club = factory.club()
    token = factory.client_token([club])
    member(session, club, gender="man")
    member(session, club)
    member(session, club, gender=None)
    headers = reporting_headers(token, club)
    r = client.post("/v1/reporting/query", json={"report": "members"}, headers=headers)
    assert r.status_code == 200, r.text
    print(r.json())
    r = client.post("/v1/reporting/query", json={"report": "members", "aggregate_by": "gender_count"}, headers=headers)
    assert r.status_code == 200, r.text
    print(r.json(), r.headers)
    for agg in ("consents_count", "interests_count", "total_consents_count"):
        r = client.post("/v1/reporting/query", json={"report": "members", "aggregate_by": agg}, headers=headers)
        assert r.status_code == 200, r.text
        print(r.json())
    r = client.post("/v1/reporting/query", json={"report": "members_grouped_count"}, headers=headers)
    print(r.json())
    r = client.post(
        "/v1/reporting/query",
        json={"report": "member_balance", "from": "2024-04-01T00:00:00", "to": "2024-04-20T00:00:00"},
        headers=headers,
    )
    print(r.json())
    assert r.status_code == 200, r.text
    r = client.post("/v1/reporting/metadata", headers=headers)
    assert r.status_code == 200, r.text
    r = client.post(
        "/v1/reporting/query",
        json={"report": "members", "filter": {"type": "in", "field": "group_ids", "value": [1]}},
        headers=headers,
    )
    assert r.status_code == 200, r.text
