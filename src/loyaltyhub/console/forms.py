"""The offer form: HTML form fields to the API's request body and back, and the API's 422 details tree to
messages next to the form's fields.

The form is only a way of typing the API's body: it is validated by the API's schemas
(:class:`~loyaltyhub.offers.schemas.OfferCreate`/``OfferUpdate``) and the offers service, so the console
and the API accept and refuse exactly the same offers. Text that is not a number or a date is passed on
as it is, for the schema to refuse with the API's own error.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import ValidationError

from loyaltyhub.clubs.models import LoyaltyClub
from loyaltyhub.console.dependencies import FormData
from loyaltyhub.errors import ValidationFailed
from loyaltyhub.http.errors import validation_details
from loyaltyhub.offers.schemas import GrantRequest, OfferCreate, OfferOut, OfferUpdate
from loyaltyhub.offers.types import OFFER_TYPES, TIMESPANS

TEXT_FIELDS = (
    "internal_name",
    "notes",
    "external_url",
    "usage_authorization_token",
    "external_source",
    "external_master",
)
INTEGER_FIELDS = ("maximum_uses_per_user", "maximum_grants_per_user", "stock", "usable_in_seconds_after_granting")
ID_FIELDS = ("store_id", "audience_id", "campaign_id")
OBJECT_FIELDS = {
    "read_more": ("button_title", "url", "title", "text"),
    "activation_texts": ("modal", "button", "description"),
}
"""Objects typed as one field each: the object is sent when any of its fields is filled (null when all are
emptied on edit)."""
ID_LIST_FIELDS = ("cms_tag_ids",)
"""Lists of ids typed as numbers separated by commas or spaces."""
JSON_FIELDS = {"extras": {}, "image_template": None}
"""Fields typed as JSON, with what an emptied field means on edit. (``files`` is read-only, as the seed's Offer
says: filled from the offer's uploads through the Files API; the form shows it.)"""

TIME_FIELDS = ("visible_since", "visible_until", "usable_since", "usable_until")
LOCALIZED_FIELDS = ("name", "description")
_INTEGER = re.compile(r"^[+-]?\d{1,30}$")
_LOCAL_TIME = "%Y-%m-%dT%H:%M"


@dataclass(frozen=True)
class FieldError:
    symbol: str
    message: str


def languages_of(club: LoyaltyClub) -> list[str]:
    return list(club.languages or [club.default_language])


def integer(raw: str) -> Any:
    """A typed number as an int; other text as it is (for the schema to refuse with the API's error)."""
    return _integer(raw)


def _integer(raw: str) -> Any:
    text = raw.strip()
    return int(text) if _INTEGER.match(text) else text


def _instant(raw: str, tz: ZoneInfo) -> Any:
    """``datetime-local`` input (the club's wall time) as an aware ISO timestamp; other text as it is."""
    text = raw.strip()
    for pattern in (_LOCAL_TIME, "%Y-%m-%dT%H:%M:%S"):
        try:
            return datetime.strptime(text, pattern).replace(tzinfo=tz).isoformat()
        except ValueError:
            continue
    return text


def body_from_form(form: FormData, club: LoyaltyClub, *, creating: bool) -> dict[str, Any]:
    """The API request body the form stands for. Creating: empty fields are not sent (the API's
    defaults apply). Editing: an emptied field is sent as ``null`` (cleared), as a PATCH would."""
    tz = ZoneInfo(club.timezone)
    body: dict[str, Any] = {}

    def put(name: str, value: Any, empty: bool) -> None:
        if not empty:
            body[name] = value
        elif not creating:
            body[name] = None

    if form.get("type"):
        body["type"] = form.get("type")
    for name in LOCALIZED_FIELDS:
        body[name] = {lang: form.get(f"{name}.{lang}") for lang in languages_of(club) if form.get(f"{name}.{lang}")}
    for name in TEXT_FIELDS:
        put(name, form.get(name), not form.get(name).strip())
    for name in (*INTEGER_FIELDS, *ID_FIELDS):
        put(name, _integer(form.get(name)), not form.get(name).strip())
    for name in TIME_FIELDS:
        put(name, _instant(form.get(name), tz), not form.get(name).strip())
    body["usage_authorization_token_required"] = form.get("usage_authorization_token_required") == "on"
    timespan, limit = form.get("periodic_usage.timespan"), form.get("periodic_usage.limit")
    put(
        "periodic_usage",
        {"timespan": timespan or None, "limit": _integer(limit) if limit.strip() else None},
        not timespan and not limit.strip(),
    )
    for name, keys in OBJECT_FIELDS.items():
        typed = {key: form.get(f"{name}.{key}") for key in keys if form.get(f"{name}.{key}").strip()}
        if name == "read_more" and typed:
            typed["enabled"] = form.get("read_more.enabled") == "on"
        put(name, typed, not typed)
    for name in ID_LIST_FIELDS:
        ids = [_integer(part) for part in re.split(r"[\s,;]+", form.get(name).strip()) if part]
        if ids or not creating:
            body[name] = ids
    if form.get("collections_shown") == "1":  # the form listed the club's collections as checkboxes
        chosen = [_integer(value) for value in form.getlist("collection_ids")]
        if chosen or not creating:
            body["collection_ids"] = chosen
    for name, emptied in JSON_FIELDS.items():
        text = form.get(name).strip()
        if text:
            try:
                body[name] = json.loads(text)
            except ValueError:
                body[name] = text  # not JSON: the schema answers "must be an object" (or a list)
        elif not creating:
            body[name] = emptied
    return body


def parse_create(body: dict[str, Any]) -> OfferCreate:
    return _parse(OfferCreate, body)


def parse_update(body: dict[str, Any]) -> OfferUpdate:
    return _parse(OfferUpdate, body)


def parse_model(model: Any, body: dict[str, Any]) -> Any:
    """Any of the API's request models for ``body``, or the API's 422."""
    return _parse(model, body)


def _parse(model: Any, body: dict[str, Any]) -> Any:
    """The schema's model of ``body``, or the API's 422 (the same details tree the route would answer)."""
    try:
        return model.model_validate(body)
    except ValidationError as exc:
        raise ValidationFailed(validation_details([dict(error) for error in exc.errors()]))


def parse_grant(raw: str) -> GrantRequest:
    """Member ids separated by commas, spaces or lines, as the API's grant body."""
    ids = [_integer(part) for part in re.split(r"[\s,;]+", raw.strip()) if part]
    return _parse(GrantRequest, {"member_ids": ids})


def _local(value: datetime | None, tz: ZoneInfo) -> str:
    return value.astimezone(tz).strftime(_LOCAL_TIME) if value else ""


def values_of(offer: OfferOut, club: LoyaltyClub) -> dict[str, Any]:
    """The form's field values for an offer (times in the club's timezone; collections: a list of ids)."""
    tz = ZoneInfo(club.timezone)
    values: dict[str, Any] = {"type": offer.type, "status": offer.status}
    values["collection_ids"] = [str(i) for i in offer.collection_ids]
    for name in LOCALIZED_FIELDS:
        for lang, text in (getattr(offer, name) or {}).items():
            values[f"{name}.{lang}"] = str(text)
    for name in (*TEXT_FIELDS, *INTEGER_FIELDS, *ID_FIELDS):
        value = getattr(offer, name)
        values[name] = "" if value is None else str(value)
    for name in TIME_FIELDS:
        values[name] = _local(getattr(offer, name), tz)
    values["usage_authorization_token_required"] = "on" if offer.usage_authorization_token_required else ""
    periodic = offer.periodic_usage or {}
    values["periodic_usage.timespan"] = periodic.get("timespan") or ""
    values["periodic_usage.limit"] = "" if periodic.get("limit") is None else str(periodic["limit"])
    for name, keys in OBJECT_FIELDS.items():
        typed = getattr(offer, name) or {}
        for key in keys:
            values[f"{name}.{key}"] = "" if typed.get(key) is None else str(typed[key])
    values["read_more.enabled"] = "on" if (offer.read_more or {}).get("enabled", True) else ""
    for name in ID_LIST_FIELDS:
        values[name] = ", ".join(str(i) for i in getattr(offer, name) or [])
    for name in JSON_FIELDS:
        value = getattr(offer, name)
        values[name] = json.dumps(value, ensure_ascii=False, indent=1) if value else ""
    return values


def form_values(form: FormData) -> dict[str, Any]:
    values: dict[str, Any] = {key: value for key, value in form.items if key != "collection_ids"}
    values["collection_ids"] = form.getlist("collection_ids")
    return values


# --- the API's 422 details, next to the fields ---------------------------------------------------------


def _message(symbol: str, options: dict[str, Any]) -> str:
    expected = options.get("expected")
    article = "an" if str(expected or "")[:1] in "aeiou" else "a"
    messages = {
        "blank": "can't be blank",
        "too_long": f"is too long (at most {options.get('max_length')} characters)",
        "too_short": f"is too short (at least {options.get('min_length')})",
        "invalid_type": f"must be {article} {expected}",
        "greater_than": f"must be greater than {options.get('number')}",
        "greater_or_equal_to": f"must be at least {options.get('number')}",
        "less_than": f"must be less than {options.get('number')}",
        "less_or_equal_to": f"must be at most {options.get('number')}",
        "greater_than_property": f"must be after {str(options.get('property', '')).replace('_', ' ')}",
        "inclusion": "is not one of the allowed values",
        "does_not_exist": "does not exist in this club",
        "invalid_format": "has an invalid format",
        "unknown_attribute": "is not a field of an offer",
        "scope_mismatch": "belongs to another scope",
        "attribute_cannot_be_present_with": f"cannot be given with {options.get('with')}",
    }
    return messages.get(symbol, symbol.replace("_", " "))


def field_errors(details: dict[str, Any], prefix: str = "") -> dict[str, list[FieldError]]:
    """The details tree flattened to form field names (``name.en``, ``periodic_usage.limit``)."""
    found: dict[str, list[FieldError]] = {}
    for key, node in details.items():
        name = f"{prefix}.{key}" if prefix and key != "base" else (prefix or key)
        if isinstance(node, dict):
            for inner, errors in field_errors(node, name).items():
                found.setdefault(inner, []).extend(errors)
        else:
            for error in node:
                symbol = str(error.get("error"))
                found.setdefault(name, []).append(FieldError(symbol, _message(symbol, error.get("options") or {})))
    return found


FORM_FIELDS = (
    "type",
    *TEXT_FIELDS,
    *INTEGER_FIELDS,
    *ID_FIELDS,
    *TIME_FIELDS,
    "usage_authorization_token_required",
    "periodic_usage.timespan",
    "periodic_usage.limit",
    *(f"{name}.{key}" for name, keys in OBJECT_FIELDS.items() for key in (*keys, "enabled")),
)
FOLDED_FIELDS = (*ID_LIST_FIELDS, "collection_ids", *JSON_FIELDS)
"""Fields whose inner errors (``collection_ids.2``, ``extras.colour``) are shown at the field, with the path."""


def split_errors(
    errors: dict[str, list[FieldError]], club: LoyaltyClub
) -> tuple[dict[str, list[FieldError]], list[str]]:
    """Errors of the form's fields, and the others (shown above the form with their path)."""
    names = set(FORM_FIELDS)
    names |= {f"{name}.{lang}" for name in LOCALIZED_FIELDS for lang in languages_of(club)}
    names |= set(LOCALIZED_FIELDS) | {"periodic_usage", *OBJECT_FIELDS}
    shown: dict[str, list[FieldError]] = {}
    other: list[str] = []
    for name, errs in errors.items():
        folded = next((f for f in FOLDED_FIELDS if name == f or name.startswith(f + ".")), None)
        if folded is not None:
            inner = name.removeprefix(folded).lstrip(".")
            shown.setdefault(folded, []).extend(
                FieldError(e.symbol, f"{inner}: {e.message}" if inner else e.message) for e in errs
            )
        elif name in names:
            shown.setdefault(name, []).extend(errs)
        else:
            other.extend(f"{name}: {e.message}" for e in errs)
    return shown, other


CHOICES = {"types": OFFER_TYPES, "timespans": TIMESPANS}


def safe_back(target: str | None, slug: str) -> str | None:
    """A page of the same club to go back to after an action, or None."""
    if target and target.startswith(f"/console/{slug}/") and "//" not in target and "\\" not in target:
        return target
    return None
