"""Messages under /v1/messages/{service}: create (with a first sending), list, show, update, duplicate,
delete; services and their permits; the documented validation errors."""

from __future__ import annotations

from loyaltyhub.auth import permits
from tests.members import factories as members
from tests.messaging.conftest import SETTINGS, Api, error_at, make_api, sms_message

BASE_PERMITS = [
    permits.MESSAGES_CREATE,
    permits.MESSAGES_GET,
    permits.MESSAGES_INDEX,
    permits.MESSAGES_UPDATE,
    permits.SENDINGS_CREATE,
    permits.MESSAGING_SETTINGS_UPDATE,
]


def test_create_message_with_its_first_sending_and_show_it(api: Api):
    member = members.member(api.session, api.club)
    body = sms_message(
        sending={
            "schedule": {"type": "relative", "in": "2 days"},
            "recipients": [{"member_id": member.id, "properties": {"name": "Piotr"}}],
        }
    )
    created = api.post("/generic", body)
    assert created.status_code == 201, created.text
    message = created.json()["message"]
    assert message["service"] == "generic" and message["name"] == "My message"
    assert message["shorten_urls"] is True and message["track_in_shortener"] is False
    assert message["marketing"] is False
    [channel] = message["channels"]
    assert channel["type"] == "sms" and channel["sender"] == {"type": "alphanumeric", "value": "Infinity"}
    assert channel["template"]["type"] == "plain"
    assert channel["template"]["content"] == {"body": "Hi {{ member.first_name }}"}
    assert message["sendings_status"] == "scheduled" and message["sendings_count"] == 1
    assert message["latest_sending"]["status"] == "scheduled"
    assert message["latest_sending"]["recipients_count"] == 1

    shown = api.get(f"/generic/{message['id']}")
    assert shown.status_code == 200 and shown.json()["message"] == message
    listed = api.get("/generic").json()
    assert [m["id"] for m in listed["messages"]] == [message["id"]]
    assert listed["pagination_info"]["total_count"] == 1
    assert api.get("/campaigns").json()["messages"] == []


def test_the_docs_inline_template_under_data_is_accepted(api: Api):
    body = sms_message()
    channel = body["message"]["channels"][0]
    channel["template"] = {"type": "inline", "data": channel["template"]["definition"]}
    assert api.post("/generic", body).status_code == 201


def test_sender_defaults_come_from_the_clubs_settings(api: Api):
    body = {
        "message": {
            "channels": [
                {
                    "type": "email",
                    "template": {
                        "type": "inline",
                        "definition": {"type": "email", "content": {"subject": "Hi", "body": "<b>Hei</b>"}},
                    },
                }
            ]
        }
    }
    created = api.post("/generic", body)
    assert created.status_code == 201, created.text
    assert created.json()["message"]["channels"][0]["sender"] == SETTINGS["channels"]["email"]


def test_a_template_by_reference_is_copied(api: Api):
    template = api.post("/templates", {"template": {"type": "plain", "content": {"body": "Hei {{ name }}"}}}).json()
    body = sms_message()
    body["message"]["channels"][0]["template"] = {"type": "reference", "id": template["template"]["id"]}
    message = api.post("/generic", body).json()["message"]
    copied = message["channels"][0]["template"]
    assert copied["id"] != template["template"]["id"] and copied["content"] == {"body": "Hei {{ name }}"}


def test_unknown_service_is_404_and_a_service_without_its_permit_403(client, factory, club):
    caller = make_api(client, factory, club, permits=BASE_PERMITS)
    caller.put("/settings", {"settings": SETTINGS})
    assert caller.get("/nonsense").status_code == 404
    assert caller.get("/nonsense").json() == {"error": "Service nonsense not found"}
    refused = caller.post("/campaigns", sms_message())
    assert refused.status_code == 403 and refused.json() == {"error": "Unauthorized to set specific Service"}
    assert caller.get("/campaigns").status_code == 403
    assert caller.post("/generic", sms_message()).status_code == 201


def test_missing_base_permit_is_403(client, factory, club):
    caller = make_api(client, factory, club, permits=[permits.MESSAGES_GET])
    response = caller.get("/generic")
    assert response.status_code == 403
    assert response.json() == {"error": f"Missing permit {permits.MESSAGES_INDEX}"}


def test_explicit_marketing_flag_needs_the_consents_permit(client, factory, club):
    caller = make_api(client, factory, club, permits=BASE_PERMITS)
    caller.put("/settings", {"settings": SETTINGS})
    refused = caller.post("/generic", sms_message(marketing=True))
    assert refused.status_code == 403
    assert refused.json() == {"error": f"Missing permit {permits.SENDINGS_WITHOUT_CONSENTS_CHECKS}"}
    full = make_api(client, factory, club)
    created = full.post("/generic", sms_message(marketing=True))
    assert created.status_code == 201 and created.json()["message"]["marketing"] is True


def test_marketing_is_implied_by_the_service(api: Api):
    assert api.post("/campaigns", sms_message()).json()["message"]["marketing"] is True
    assert api.post("/generic", sms_message()).json()["message"]["marketing"] is False


def test_priority_needs_its_permit(client, factory, club):
    caller = make_api(client, factory, club, permits=BASE_PERMITS)
    caller.put("/settings", {"settings": SETTINGS})
    body = sms_message(sending={"priority": 9, "recipients": [{"msisdn": "4740485124"}]})
    refused = caller.post("/generic", body)
    assert refused.status_code == 403 and refused.json() == {"error": "Unauthorized to set Sending priority"}
    assert caller.get("/generic").json()["messages"] == []  # no partial write


def test_documented_validation_errors(api: Api):
    response = api.post("/generic", sms_message(campaign_id=32))
    assert response.status_code == 422
    assert error_at(response, "message", "campaign_id") == ["is_relevant_only_for_campaign_service"]
    assert api.post("/campaigns", sms_message(campaign_id=32)).status_code == 201

    twice = sms_message()
    twice["message"]["channels"] *= 2
    assert error_at(api.post("/generic", twice), "message", "channels") == ["types_must_be_unique"]

    no_channels = {"message": {"name": "x"}}
    assert error_at(api.post("/generic", no_channels), "message", "channels") == ["blank"]


def test_a_channel_the_club_has_not_configured_is_refused(client, factory, club):
    caller = make_api(client, factory, club)
    response = caller.post("/generic", sms_message())
    assert response.status_code == 422
    assert error_at(response, "message", "channels", "0", "type") == ["not_configured"]
    assert caller.get("/settings").json() == {
        "settings": {
            "channels": {"sms": None, "email": None, "push": None},
            "email_transport": None,
            "sms_transport": None,
            "push_transport": None,
        }
    }


def test_template_errors_name_the_path_at_save_time(api: Api):
    broken = api.post("/generic", sms_message("Hi {% if %}"))
    assert broken.status_code == 422
    path = ("message", "channels", "0", "template", "definition", "content", "body")
    assert error_at(broken, *path) == ["invalid_template"]
    unknown = api.post("/generic", sms_message("Hi {{ member.shoe_size }}"))
    assert error_at(unknown, *path) == ["unknown_merge_property"]
    assert unknown.json()["details"]["message"]["channels"]["0"]["template"]["definition"]["content"]["body"][0][
        "options"
    ] == {"property": "member.shoe_size"}
    assert error_at(api.post("/generic", sms_message("{{ x | no_such_filter }}")), *path) == ["unknown_filter"]
    custom = api.post("/generic", sms_message("{{ member.properties.shoe_size }} {{ first_name }}"))
    assert custom.status_code == 201
    assert api.get("/generic").json()["pagination_info"]["total_count"] == 1


def test_a_template_type_must_suit_the_channel(api: Api):
    body = sms_message()
    body["message"]["channels"][0]["template"]["definition"] = {"type": "email", "content": {"body": "x"}}
    response = api.post("/generic", body)
    assert error_at(response, "message", "channels", "0", "template", "definition", "type") == ["invalid_for_channel"]


def test_sms_sender_rules(api: Api):
    for value, ok in (("Infinity", True), ("A", False), ("TwelveChars12", False), ("12345", False)):
        body = sms_message()
        body["message"]["channels"][0]["sender"] = {"type": "alphanumeric", "value": value}
        assert (api.post("/generic", body).status_code == 201) is ok, value
    body = sms_message()
    body["message"]["channels"][0]["sender"] = {"type": "international", "value": "+47 404 85 124"}
    created = api.post("/generic", body)
    assert created.json()["message"]["channels"][0]["sender"] == {"type": "international", "value": "4740485124"}


def test_update_is_partial_and_channels_replace(api: Api):
    message = api.post("/generic", sms_message()).json()["message"]
    renamed = api.put(f"/generic/{message['id']}", {"message": {"name": "Renamed"}})
    assert renamed.status_code == 200 and renamed.json()["message"]["name"] == "Renamed"
    assert renamed.json()["message"]["channels"] == message["channels"]
    replaced = api.put(f"/generic/{message['id']}", sms_message("Bye {{ member.first_name }}"))
    channel = replaced.json()["message"]["channels"][0]
    assert channel["template"]["content"] == {"body": "Bye {{ member.first_name }}"}
    assert replaced.json()["message"]["name"] == "My message"
    sending = api.put(f"/generic/{message['id']}", {"message": {"sending": {"draft": True}}})
    assert error_at(sending, "message", "sending") == ["available_only_on_creation"]


def test_duplicate_copies_channels_without_sendings(api: Api):
    body = sms_message(sending={"draft": True, "recipients": [{"msisdn": "4740485124"}]})
    message = api.post("/generic", body).json()["message"]
    copy = api.put(f"/generic/{message['id']}/duplicate")
    assert copy.status_code == 201
    duplicated = copy.json()["message"]
    assert duplicated["id"] != message["id"] and duplicated["sendings_count"] == 0
    assert duplicated["channels"][0]["template"]["content"] == message["channels"][0]["template"]["content"]
    assert duplicated["channels"][0]["template"]["id"] != message["channels"][0]["template"]["id"]


def test_delete_cancels_drafts_and_hides_the_message(api: Api):
    body = sms_message(sending={"draft": True, "recipients": [{"msisdn": "4740485124"}]})
    message = api.post("/generic", body).json()["message"]
    sending_id = message["latest_sending"]["id"]
    deleted = api.delete(f"/generic/{message['id']}")
    assert deleted.status_code == 200 and deleted.json()["message"]["id"] == message["id"]
    assert api.get(f"/generic/{message['id']}").json() == {"error": "Message not found"}
    assert api.get(f"/generic/sendings/{sending_id}").status_code == 404
    assert api.delete(f"/generic/{message['id']}").status_code == 404


def test_a_message_of_another_service_is_not_found(api: Api):
    message = api.post("/generic", sms_message()).json()["message"]
    assert api.get(f"/campaigns/{message['id']}").status_code == 404


def test_club_context_by_header(client, factory, club):
    token = factory.client_token([club])
    missing = client.get("/v1/messages/generic", headers=factory.headers(token))
    assert missing.status_code == 470
    by_customer = client.get("/v1/messages/generic", headers=factory.headers(token, **{"X-Customer": str(club.id)}))
    assert by_customer.status_code == 200
    other = factory.club()
    refused = client.get("/v1/messages/generic", headers=factory.headers(token, **{"X-Loyalty-Club-Slug": other.slug}))
    assert refused.status_code == 401
    unknown = client.get("/v1/messages/generic", headers=factory.headers(token, **{"X-Loyalty-Club-Slug": "nope"}))
    assert unknown.status_code == 404
