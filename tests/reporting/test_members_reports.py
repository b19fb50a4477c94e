"""Members reports through HTTP: the seed's example shapes, pagination, grouped counts, errors."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from loyaltyhub.reporting.registry import reports
from tests.reporting.factories import destroy_member, member, reporting_headers, update_member

MEMBER_KEYS = [
    "id",
    "community_id",
    "optin_channel",
    "optin_subchannel",
    "optin_platform",
    "gender",
    "age",
    "birth_year_group",
    "subunit_ids",
    "group_ids",
    "favorite_stores",
    "properties",
    "consents",
    "marketing_via_sms",
    "marketing_via_email",
    "marketing_via_push",
    "marketing_via_anything",
    "sms_status",
    "email_status",
    "push_status",
    "push_devices",
    "msisdn_country",
    "location_country",
    "city_place_id",
    "place_id",
    "created_at",
    "updated_at",
]


def query(client, headers, status=200, **body):
    response = client.post("/v1/reporting/query", json=body, headers=headers)
    assert response.status_code == status, response.text
    return response.json()


@pytest.fixture
def club_headers(factory):
    club = factory.club()
    return club, reporting_headers(factory.client_token([club]), club)


def test_members_records_have_the_seed_shape_without_personal_data(client, session, club_headers):
    club, headers = club_headers
    member(
        session,
        club,
        optin_channel="webforms",
        optin_platform="webforms",
        properties={"first_name": "Kari", "email": "kari@example.com", "interests": ["dietary_and_nutrition"]},
        consents={"sms_marketing": {"status": True, "updated_at": "2024-01-01T00:00:00Z"}, "dmp_profiling": False},
        group_ids=[32463, 32454],
        subunit_ids=[5],
        marketing_via_sms=True,
        marketing_via_anything=True,
        sms_status="verified",
        msisdn_country="NO",
        city_place_id="2",
        place_id="3",
    )
    answer = query(client, headers, report="members")
    assert set(answer) == {"records", "pagination", "result_type"}
    assert answer["result_type"] == "records"
    assert answer["pagination"] == {"next_page_info": None}
    [record] = answer["records"]
    assert list(record) == MEMBER_KEYS
    assert record["community_id"] == club.id
    assert record["properties"] == {"interests": ["dietary_and_nutrition"]}
    assert record["consents"] == {"sms_marketing": True, "dmp_profiling": False}
    assert record["group_ids"] == [32454, 32463]
    assert record["created_at"] == "2024-04-10T12:00:00.000000Z"
    assert record["sms_status"] == "verified"


@pytest.mark.parametrize(
    ("aggregation", "keys"),
    [
        ("count", ["community_id", "members_count"]),
        ("total_count", ["members_count"]),
        ("gender_count", ["community_id", "gender", "members_count"]),
        ("total_gender_count", ["gender", "members_count"]),
        ("age_count", ["community_id", "age", "members_count"]),
        ("optin_channel_count", ["community_id", "optin_channel", "members_count"]),
        ("optin_subchannel_count", ["community_id", "optin_subchannel", "members_count"]),
        ("optin_platform_count", ["community_id", "optin_platform", "members_count"]),
        ("marketing_via_anything_count", ["community_id", "marketing_via_anything", "members_count"]),
        ("place_count", ["community_id", "place_id", "members_count"]),
        ("total_city_place_count", ["city_place_id", "members_count"]),
        ("consents_count", ["community_id", "consent_key", "consent_value", "members_count"]),
        ("total_interests_count", ["interest", "members_count"]),
    ],
)
def test_member_aggregations_have_the_seed_keys(client, session, club_headers, aggregation, keys):
    club, headers = club_headers
    member(session, club)
    member(session, club, gender=None, properties={"interests": ["cars", "swimming"]})
    answer = query(client, headers, report="members", aggregate_by=aggregation)
    assert answer["records"]
    assert all(list(record) == keys for record in answer["records"])


def test_gender_count_counts_nulls_as_their_own_group(client, session, club_headers):
    club, headers = club_headers
    member(session, club, gender="woman")
    member(session, club, gender=None)
    member(session, club, gender=None)
    answer = query(client, headers, report="members", aggregate_by="gender_count")
    assert answer["records"] == [
        {"community_id": club.id, "gender": "woman", "members_count": 1},
        {"community_id": club.id, "gender": None, "members_count": 2},
    ]


def test_deleted_members_are_not_reported(client, session, club_headers):
    club, headers = club_headers
    gone = member(session, club)
    member(session, club)
    destroy_member(session, gone)
    assert query(client, headers, report="members_count")["records"] == [{"community_id": club.id, "members_count": 1}]


def test_paging_while_members_are_inserted_returns_every_member_once(client, session, club_headers):
    club, headers = club_headers
    existing = {member(session, club).id for _ in range(7)}
    seen: list[int] = []
    cursor = None
    while True:
        body = {"report": "members", "per_page": 3}
        if cursor:
            body["next_page_info"] = cursor
        answer = query(client, headers, **body)
        seen += [r["id"] for r in answer["records"]]
        member(session, club)  # a new member arrives between pages
        cursor = answer["pagination"]["next_page_info"]
        if cursor is None:
            break
    assert existing <= set(seen)
    assert len(seen) == len(set(seen))


def test_aggregations_page_too(client, session, club_headers):
    club, headers = club_headers
    for gender in ("a", "b", "c", "d", "e"):
        member(session, club, gender=gender)
    first = query(client, headers, report="members", aggregate_by="gender_count", per_page=2)
    second = query(
        client,
        headers,
        report="members",
        aggregate_by="gender_count",
        per_page=2,
        next_page_info=first["pagination"]["next_page_info"],
    )
    assert [r["gender"] for r in first["records"] + second["records"]] == ["a", "b", "c", "d"]


def test_a_cursor_only_works_for_its_own_query(client, session, club_headers):
    club, headers = club_headers
    for _ in range(3):
        member(session, club)
    cursor = query(client, headers, report="members", per_page=1)["pagination"]["next_page_info"]
    other = query(client, headers, 422, report="members", per_page=1, next_page_info=cursor, aggregate_by="count")
    assert other["details"]["next_page_info"][0]["error"] == "invalid"
    middle = len(cursor) // 2
    forged = cursor[:middle] + ("B" if cursor[middle] == "A" else "A") + cursor[middle + 1 :]
    tampered = query(client, headers, 422, report="members", next_page_info=forged)
    assert tampered["details"]["next_page_info"][0]["error"] == "invalid"


def test_filters_select_members(client, session, club_headers):
    club, headers = club_headers
    young = member(session, club, age="20-24", group_ids=[1, 2])
    member(session, club, age="30-34", group_ids=[3])
    member(session, club, age=None)
    body = {"type": "in", "field": "group_ids", "value": [2, 9]}
    assert [r["id"] for r in query(client, headers, report="members", filter=body)["records"]] == [young.id]
    body = {"type": "equal", "field": "age", "value": None}
    assert len(query(client, headers, report="members", filter=body)["records"]) == 1
    body = {"type": "greater_or_equal_to", "field": "created_at", "value": "2024-04-10T12:00:00Z"}
    assert len(query(client, headers, report="members", filter=body)["records"]) == 3


def test_bad_query_answers_422_with_the_path(client, club_headers):
    _, headers = club_headers
    answer = query(client, headers, 422, report="nope")
    assert answer["details"]["report"][0]["error"] == "inclusion"
    answer = query(client, headers, 422, report="members", aggregate_by="shoe_size_count")
    assert answer["details"]["aggregate_by"][0]["error"] == "inclusion"
    bad = {"type": "and", "operations": [{"type": "equal", "field": "shoe_size", "value": 1}]}
    answer = query(client, headers, 422, report="members", filter=bad)
    assert answer["details"]["filter"]["operations"]["0"]["field"][0]["error"] == "inclusion"
    answer = query(client, headers, 422, report="members", per_page=5000)
    assert answer["details"]["per_page"][0]["error"] == "less_or_equal_to"
    answer = query(client, headers, 422, report="member_balance")
    assert answer["details"]["from"][0]["error"] == "blank"


def test_report_permit_is_required(client, factory):
    club = factory.club()
    token = factory.client_token([club], permits=["Reporting:Api:Query", "Reporting:Api:Report:MembersCount"])
    headers = reporting_headers(token, club)
    assert client.post("/v1/reporting/query", json={"report": "members_count"}, headers=headers).status_code == 200
    response = client.post("/v1/reporting/query", json={"report": "members"}, headers=headers)
    assert response.status_code == 403
    assert response.json() == {"error": "Missing permit Reporting:Api:Report:Members"}
    metadata = client.post("/v1/reporting/metadata", headers=headers).json()
    assert [r["name"] for r in metadata["reports"]] == ["members_count"]


def test_without_query_permit_nothing_is_answered(client, factory):
    club = factory.club()
    token = factory.client_token([club], permits=["Reporting:Api:Report:Members"])
    response = client.post("/v1/reporting/query", json={"report": "members"}, headers=reporting_headers(token, club))
    assert response.status_code == 403


def test_other_clubs_are_never_counted(client, session, factory):
    mine, theirs = factory.club(), factory.club()
    member(session, mine)
    member(session, theirs)
    member(session, theirs)
    headers = reporting_headers(factory.client_token([mine]), mine)
    assert query(client, headers, report="members", aggregate_by="total_count")["records"] == [{"members_count": 1}]
    response = client.post(
        "/v1/reporting/query",
        json={"report": "members"},
        headers=reporting_headers(factory.client_token([mine]), theirs),
    )
    assert response.status_code == 403


def test_members_grouped_count_follows_member_changes(client, session, club_headers):
    club, headers = club_headers
    kari = member(session, club, gender="woman", optin_channel="default", group_ids=[7])
    member(session, club, gender="woman", optin_channel="default")
    update_member(session, kari, gender="man", group_ids=[])

    def counts():
        records = query(client, headers, report="members_grouped_count")["records"]
        return {(r["grouping_type"], r["grouping_value"]): r["members_count"] for r in records}

    assert counts()[("gender", "woman")] == 1
    assert counts()[("gender", "man")] == 1
    assert ("group_id", "7") not in counts()  # empty groups are not listed
    destroy_member(session, kari)
    assert counts()[("optin_channel", "default")] == 1
    records = query(client, headers, report="members_grouped_count")["records"]
    assert set(records[0]) == {"community_id", "grouping_type", "grouping_value", "members_count", "updated_at"}
    assert records[0]["updated_at"].endswith("Z")


def test_grouped_count_filter_and_sum_over_clubs(client, session, factory):
    one, two = factory.club(), factory.club()
    for club in (one, two, two):
        member(session, club, optin_channel="default")
    headers = reporting_headers(factory.client_token([one, two]), one, two)
    filter_ = {
        "type": "and",
        "operations": [
            {"type": "equal", "field": "grouping_type", "value": "optin_channel"},
            {"type": "equal", "field": "grouping_value", "value": "default"},
        ],
    }
    answer = query(
        client, headers, report="members_grouped_count", filter=filter_, aggregate_by="by_grouping_type_and_value"
    )
    assert answer["records"] == [{"grouping_type": "optin_channel", "grouping_value": "default", "members_count": 3}]


def test_member_balance_in_and_out(client, session, club_headers):
    club, headers = club_headers
    gone = member(session, club, created_at=datetime(2024, 4, 8, 10, tzinfo=UTC))
    member(session, club, created_at=datetime(2024, 4, 9, 10, tzinfo=UTC))
    destroy_member(session, gone)
    answer = query(
        client,
        headers,
        report="member_balance",
        filter=None,
        aggregate_by="optin_platform",
        interval="auto",
        **{"from": "2024-04-08T00:00:00", "to": "2024-04-25T00:00:00"},
    )
    assert answer["interval"] == "1d"
    assert answer["range_timezone"] == "Europe/Oslo"
    assert answer["time_buckets"] == ["2024-04-08T00:00:00.000+02:00", "2024-04-09T00:00:00.000+02:00"]
    assert {"label": {"type": "in", "optin_platform": "android"}, "values": [1, 1]} in answer["series"]
    assert answer["data_points"] == 2
    now = datetime.now(UTC)
    answer = query(
        client,
        headers,
        report="member_balance",
        interval="1h",
        **{"from": (now - timedelta(hours=2)).isoformat(), "to": (now + timedelta(hours=1)).isoformat()},
    )
    assert answer["series"] == [{"label": {"type": "out"}, "values": [1]}]


def test_clubs_in_several_timezones_answer_in_local_form(client, session, factory):
    oslo, denver = factory.club(timezone="Europe/Oslo"), factory.club(timezone="America/Denver")
    from tests.reporting.factories import balance_event

    balance_event(session, oslo, datetime(2024, 4, 30, 22, 30, tzinfo=UTC))  # 1 May 00:30 in Oslo
    balance_event(session, denver, datetime(2024, 5, 1, 6, 30, tzinfo=UTC))  # 1 May 00:30 in Denver
    headers = reporting_headers(factory.client_token([oslo, denver]), oslo, denver)
    answer = query(
        client,
        headers,
        report="member_balance",
        interval="1d",
        **{"from": "2024-04-30T00:00:00Z", "to": "2024-05-02T00:00:00Z"},
    )
    assert answer["range_timezone"] == "local"
    assert answer["time_buckets"] == ["2024-05-01T00:00:00.000"]
    assert answer["series"] == [
        {"timezone": "Europe/Oslo", "label": {"loyalty_club_id": oslo.id, "type": "in"}, "values": [1]},
        {"timezone": "America/Denver", "label": {"loyalty_club_id": denver.id, "type": "in"}, "values": [1]},
    ]


def test_more_than_150_buckets_is_refused(client, club_headers):
    _, headers = club_headers
    answer = query(
        client,
        headers,
        422,
        report="member_balance",
        interval="1h",
        **{"from": "2024-04-01T00:00:00Z", "to": "2024-04-08T00:00:00Z"},
    )
    assert answer["details"]["interval"][0]["error"] == "too_many_time_buckets"


def test_more_than_1000_data_points_are_cut(client, session, club_headers):
    club, headers = club_headers
    from tests.reporting.factories import balance_event

    start = datetime(2024, 4, 1, tzinfo=UTC)
    for day in range(140):
        for age in range(8):
            balance_event(session, club, start + timedelta(days=day, hours=1), age=f"a{age}")
    answer = query(
        client,
        headers,
        report="member_balance",
        interval="1d",
        aggregate_by="age",
        **{"from": "2024-04-01T00:00:00Z", "to": "2024-08-19T00:00:00Z"},
    )
    assert answer["data_points"] == 1000
    assert sum(v is not None for s in answer["series"] for v in s["values"]) == 1000
    assert len(answer["time_buckets"]) == 125


def test_metadata_lists_reports_with_fields_and_costs(client, club_headers):
    _, headers = club_headers
    response = client.post("/v1/reporting/metadata", headers=headers)
    assert response.status_code == 200
    by_name = {r["name"]: r for r in response.json()["reports"]}
    assert set(by_name) == set(reports())
    members = by_name["members"]
    assert members["format"] == "records"
    assert members["permit"] == "Reporting:Api:Report:Members"
    assert members["rate_limit_tokens_cost"] == 10
    fields = {f["name"]: f for f in members["fields"]}
    assert fields["age"]["type"] == "Enum" and "80-" in fields["age"]["values"]
    assert fields["properties"]["filterable"] is False
    assert {a["name"] for a in members["aggregations"]} >= {"gender_count", "total_interests_count"}
    stats = by_name["offers_usages_stats"]
    assert stats["intervals"] == ["5m", "1h", "1d", "1w", "1mo"]
    assert [a["name"] for a in stats["aggregations"]] == [
        "member_gender",
        "member_age",
        "member_city_place_id",
        "member_place_id",
        "authorized",
        "authorization_type",
    ]
    one = client.post("/v1/reporting/metadata", json={"report": "members_grouped_count"}, headers=headers).json()
    assert [r["name"] for r in one["reports"]] == ["members_grouped_count"]


def test_field_metadata_gives_enum_values_or_present_values(client, session, club_headers):
    club, headers = club_headers
    member(session, club, gender="woman")
    member(session, club, gender="man")
    response = client.post("/v1/reporting/field_metadata", json={"report": "members", "field": "age"}, headers=headers)
    assert response.json()["values"][0] == "-14"
    response = client.post(
        "/v1/reporting/field_metadata", json={"report": "members", "field": "gender"}, headers=headers
    )
    assert response.json()["values"] == ["man", "woman"]
    assert response.json()["values_source"] == "present"
    response = client.post(
        "/v1/reporting/field_metadata",
        json={"report": "members", "field": "gender", "from": "2030-01-01T00:00:00Z"},
        headers=headers,
    )
    assert response.json()["values"] == []
