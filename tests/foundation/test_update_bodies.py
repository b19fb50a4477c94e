"""The update-body building block without HTTP: read-only keys set aside, compared, refused."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel, StrictBool, ValidationError

from loyaltyhub.errors import ValidationFailed
from loyaltyhub.schemas import ReadOnlyKeys, UpdateModel, same_json, sent_fields


class Consent(BaseModel):
    status: StrictBool


class ThingUpdate(UpdateModel):
    name: str | None = None
    consents: dict[str, Consent] | None = None

    read_only_keys = ReadOnlyKeys(fixed=("id", "created_at", "consents.*.updated_at"), live=("uses_count",))


STORED: dict[str, Any] = {
    "id": 7,
    "name": "old",
    "created_at": "2024-04-10T12:00:00.000000Z",
    "uses_count": 3,
    "consents": {"sms": {"status": True, "updated_at": "2024-01-01T00:00:00Z"}},
}


def refusals(body: ThingUpdate, stored: Any = STORED) -> dict[str, Any] | None:
    try:
        body.refuse_changed_read_only(lambda: stored)
    except ValidationFailed as failed:
        return failed.body()
    return None


def test_a_body_read_before_is_accepted_and_only_its_writable_keys_are_fields():
    body = ThingUpdate.model_validate({**STORED, "name": "new"})
    assert body.model_fields_set == {"name", "consents"}
    assert body.consents == {"sms": Consent(status=True)}
    assert refusals(body) is None


def test_a_changed_fixed_key_is_refused_by_name():
    body = ThingUpdate.model_validate({**STORED, "id": 8, "created_at": "2020-01-01T00:00:00Z"})
    assert refusals(body) == {
        "error": "Invalid parameters",
        "details": {
            "id": [{"error": "read_only", "options": {}}],
            "created_at": [{"error": "read_only", "options": {}}],
        },
    }


def test_a_changed_nested_fixed_key_is_refused_at_its_path():
    consents = {"sms": {"status": False, "updated_at": "2030-01-01T00:00:00Z"}, "new": {"status": True}}
    assert refusals(ThingUpdate.model_validate({"consents": consents})) == {
        "error": "Invalid parameters",
        "details": {"consents": {"sms": {"updated_at": [{"error": "read_only", "options": {}}]}}},
    }
    # A key the stored resource does not have cannot be set either.
    added = {"new": {"status": True, "updated_at": "2030-01-01T00:00:00Z"}}
    details = refusals(ThingUpdate.model_validate({"consents": added}))["details"]
    assert details == {"consents": {"new": {"updated_at": [{"error": "read_only", "options": {}}]}}}


def test_a_live_key_is_ignored_whatever_it_holds():
    body = ThingUpdate.model_validate({"name": "new", "uses_count": 0})
    assert refusals(body) is None
    assert body.model_fields_set == {"name"}


def test_the_stored_resource_is_rendered_only_when_fixed_keys_were_sent():
    rendered = []
    ThingUpdate.model_validate({"name": "x", "uses_count": 1}).refuse_changed_read_only(lambda: rendered.append(1))
    assert rendered == []


def test_a_body_of_read_only_keys_only_is_still_empty():
    with pytest.raises(ValidationError) as raised:
        ThingUpdate.model_validate({"id": 7, "uses_count": 3})
    assert raised.value.errors()[0]["type"] == "blank"


def test_other_unknown_keys_are_still_refused():
    with pytest.raises(ValidationError) as raised:
        ThingUpdate.model_validate({**STORED, "colour": "red"})
    assert [(e["type"], e["loc"]) for e in raised.value.errors()] == [("extra_forbidden", ("colour",))]


def test_the_input_is_not_changed():
    data = {"id": 7, "name": "x", "consents": {"sms": {"status": True, "updated_at": "t"}}}
    ThingUpdate.model_validate(data)
    assert data == {"id": 7, "name": "x", "consents": {"sms": {"status": True, "updated_at": "t"}}}


def test_values_that_are_not_objects_are_left_to_validation():
    with pytest.raises(ValidationError) as raised:
        ThingUpdate.model_validate({"consents": ["sms"]})
    assert raised.value.errors()[0]["loc"] == ("consents",)


def test_the_stored_resource_may_be_a_response_model():
    class Out(BaseModel):
        id: int
        created_at: str

    assert refusals(ThingUpdate.model_validate({"id": 7, "name": "x"}), Out(id=7, created_at="c")) is None
    assert refusals(ThingUpdate.model_validate({"id": 1, "name": "x"}), Out(id=7, created_at="c")) is not None


@pytest.mark.parametrize(
    ("sent", "stored", "same"),
    [
        (1, 1, True),
        (1, 1.0, True),
        (True, 1, False),
        (1, True, False),
        (False, False, True),
        (None, None, True),
        (None, 0, False),
        ("a", "a", True),
        ("2024-04-10T12:00:00Z", "2024-04-10T12:00:00.000000Z", True),
        ("2024-04-10T14:00:00+02:00", "2024-04-10T12:00:00.000Z", True),
        ("2024-04-10T12:00:00", "2024-04-10T12:00:00Z", False),  # no offset: not an instant
        ("2024-04-10T12:00:01Z", "2024-04-10T12:00:00Z", False),
        ([1, 2], [1, 2], True),
        ([1, 2], [2, 1], False),
        ({"a": [1]}, {"a": [1]}, True),
        ({"a": 1}, {"a": 1, "b": None}, False),
    ],
)
def test_json_values_are_compared_with_their_types(sent, stored, same):
    assert same_json(sent, stored) is same


def test_sent_fields_dump_nested_objects_whole():
    class Inner(BaseModel):
        a: int | None = None
        b: bool = True

    class Body(BaseModel):
        inner: Inner | None = None
        other: int | None = None

    assert sent_fields(Body.model_validate({"inner": {}})) == {"inner": {"a": None, "b": True}}
    assert sent_fields(Body.model_validate({"other": None})) == {"other": None}
