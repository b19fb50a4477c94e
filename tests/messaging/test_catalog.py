"""Settings, merge properties, standalone templates and sender identities."""

from __future__ import annotations

from loyaltyhub.auth import permits
from tests.messaging.conftest import SETTINGS, Api, error_at, make_api


def test_settings_show_and_update(api: Api):
    shown = api.get("/settings")
    assert shown.status_code == 200
    assert shown.json()["settings"]["channels"] == SETTINGS["channels"]
    changed = api.put("/settings", {"settings": {"channels": {"push": None}}})
    assert changed.json()["settings"]["channels"]["push"] is None
    assert changed.json()["settings"]["channels"]["sms"] == SETTINGS["channels"]["sms"]
    transport = {"host": "127.0.0.1", "port": 2525, "security": "none", "username": "u", "password": "secret"}
    with_transport = api.put("/settings", {"settings": {"email_transport": transport}}).json()["settings"]
    assert with_transport["email_transport"]["host"] == "127.0.0.1"
    assert "password" not in with_transport["email_transport"]


def test_settings_errors(api: Api):
    bad = api.put(
        "/settings", {"settings": {"channels": {"sms": {"sender_type": "alphanumeric", "sender_value": "X"}}}}
    )
    assert error_at(bad, "settings", "channels", "sms", "sender_value") == ["invalid_alphanumeric_sender"]
    bad = api.put("/settings", {"settings": {"channels": {"email": {"from_email": "nope"}}}})
    assert error_at(bad, "settings", "channels", "email", "from_email") == ["invalid_email"]
    bad = api.put("/settings", {"settings": {"channels": {"push": {"color": "red"}}}})
    assert error_at(bad, "settings", "channels", "push", "color") == ["unknown_attribute"]


def test_settings_permits(client, factory, club):
    caller = make_api(client, factory, club, permits=[permits.MESSAGING_SETTINGS_SHOW])
    assert caller.get("/settings").status_code == 200
    refused = caller.put("/settings", {"settings": SETTINGS})
    assert refused.json() == {"error": f"Missing permit {permits.MESSAGING_SETTINGS_UPDATE}"}


def test_merge_properties(api: Api):
    names = {p["name"] for p in api.get("/merge_properties").json()["merge_properties"]}
    assert {"member.id", "member.first_name", "member.secret_id", "member.properties", "email"} <= names


def test_template_crud(api: Api):
    body = {"template": {"type": "email", "content": {"subject": "Welcome!", "body": "<b>Hei {{ name }}</b>"}}}
    created = api.post("/templates", body)
    assert created.status_code == 201
    template = created.json()["template"]
    assert template["type"] == "email" and template["wrapper_id"] is None
    assert api.get(f"/templates/{template['id']}").json()["template"] == template
    updated = api.put(f"/templates/{template['id']}", {"template": {"content": {"body": "<i>Hi</i>"}}})
    assert updated.status_code == 200 and updated.json()["template"]["content"] == {"body": "<i>Hi</i>"}
    assert [t["id"] for t in api.get("/templates").json()["templates"]] == [template["id"]]
    assert api.delete(f"/templates/{template['id']}").status_code == 200
    assert api.get(f"/templates/{template['id']}").json() == {"error": "Template not found"}


def test_template_errors(api: Api):
    bee = api.post("/templates", {"template": {"type": "bee_email", "content": {"body": "x", "bee_json": {}}}})
    assert error_at(bee, "template", "type") == ["read_only"]
    blank = api.post("/templates", {"template": {"type": "plain", "content": {}}})
    assert error_at(blank, "template", "content", "body") == ["blank"]
    unknown = api.post("/templates", {"template": {"type": "plain", "content": {"body": "x", "subject": "y"}}})
    assert error_at(unknown, "template", "content", "subject") == ["unknown_attribute"]
    broken = api.post("/templates", {"template": {"type": "push", "content": {"body": "{{ member.nope }}"}}})
    assert error_at(broken, "template", "content", "body") == ["unknown_merge_property"]
    syntax = api.post("/templates", {"template": {"type": "generic", "content": {"subject": "{% for %}"}}})
    assert error_at(syntax, "template", "content", "subject") == ["invalid_template"]
    assert api.get("/templates").json()["templates"] == []


def test_wrappers(api: Api):
    push = api.post("/templates", {"template": {"type": "push", "content": {"body": "[{{ content }}]"}}}).json()
    generic = api.post("/templates", {"template": {"type": "generic", "content": {"body": "<{{ content }}>"}}}).json()
    wrapped = api.post(
        "/templates", {"template": {"type": "plain", "content": {"body": "x"}, "wrapper_id": push["template"]["id"]}}
    )
    assert wrapped.status_code == 201 and wrapped.json()["template"]["wrapper_id"] == push["template"]["id"]
    refused = api.post(
        "/templates", {"template": {"type": "email", "content": {"body": "x"}, "wrapper_id": push["template"]["id"]}}
    )
    assert error_at(refused, "template", "wrapper_id") == ["inclusion"]
    ok = api.post(
        "/templates", {"template": {"type": "email", "content": {"body": "x"}, "wrapper_id": generic["template"]["id"]}}
    )
    assert ok.status_code == 201
    missing = api.post("/templates", {"template": {"type": "plain", "content": {"body": "x"}, "wrapper_id": 999999}})
    assert error_at(missing, "template", "wrapper_id") == ["not_found"]


def test_sender_identities(api: Api):
    email = api.post(
        "/sender_identities",
        {"sender_identity": {"type": "email", "from_email": "News@Example.com", "from_name": "News"}},
    )
    assert email.status_code == 201
    assert email.json()["sender_identity"]["from_email"] == "news@example.com"
    sms = api.post(
        "/sender_identities", {"sender_identity": {"type": "sms", "sender_type": "alphanumeric", "value": "Mall"}}
    )
    identity = sms.json()["sender_identity"]
    listed = api.get("/sender_identities").json()["sender_identities"]
    assert [i["type"] for i in listed] == ["email", "sms"]
    updated = api.put(f"/sender_identities/{identity['id']}", {"sender_identity": {"value": "Mall2"}})
    assert updated.json()["sender_identity"]["value"] == "Mall2"
    retyped = api.put(f"/sender_identities/{identity['id']}", {"sender_identity": {"type": "email"}})
    assert error_at(retyped, "sender_identity", "type") == ["read_only"]
    bad = api.post(
        "/sender_identities", {"sender_identity": {"type": "sms", "sender_type": "alphanumeric", "value": "x"}}
    )
    assert error_at(bad, "sender_identity", "value") == ["invalid_alphanumeric_sender"]
    msisdn = api.post(
        "/sender_identities",
        {"sender_identity": {"type": "sms", "sender_type": "international", "value": "+4740485124"}},
    )
    assert msisdn.json()["sender_identity"]["value"] == "4740485124"
    no_type = api.post("/sender_identities", {"sender_identity": {"value": "x"}})
    assert error_at(no_type, "sender_identity", "type") == ["inclusion"]
    # A message channel may name a sender identity.
    message = {
        "message": {
            "channels": [
                {
                    "type": "sms",
                    "sender": {"identity_id": identity["id"]},
                    "template": {"type": "inline", "definition": {"type": "plain", "content": {"body": "x"}}},
                }
            ]
        }
    }
    created = api.post("/generic", message)
    assert created.json()["message"]["channels"][0]["sender"] == {"type": "alphanumeric", "value": "Mall2"}
    assert api.delete(f"/sender_identities/{identity['id']}").status_code == 204
    assert api.get(f"/sender_identities/{identity['id']}").json() == {"error": "Sender identity not found"}
