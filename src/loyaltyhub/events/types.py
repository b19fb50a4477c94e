"""The member event vocabulary: every type, who produces it, and the schema of its ``data``.

Two families (docs/decisions/events.md):

* **client** types — the vendor's achievement vocabulary (``app_opened``, ``coupon_used``, ...): apps and
  integrations register them through the API;
* **loyaltyhub** types — what the platform itself records when it happens (a member signed up, an offer was
  used, ...): produced by listeners in the same transaction as the change, refused on the API (a client
  cannot claim that an offer was used).

Each type's ``data`` is a Pydantic model; its JSON schema is what the event types schema endpoint serves and
what ingestion validates against. Unknown keys in ``data`` are refused, so a typo never goes unnoticed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, TypeAdapter

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Id = Annotated[int, Field(ge=1, le=2**63 - 1)]


class EventData(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Empty(EventData):
    pass


class AppOpened(EventData):
    app_version: Text | None = None
    platform: Literal["ios", "android", "web", "other"] | None = None


class CouponUsed(EventData):
    offer_id: Id
    store_id: Id | None = None


class LinkClicked(EventData):
    url: Annotated[str, StringConstraints(min_length=1, max_length=2048)]
    link_id: Text | None = None


class MessageOpened(EventData):
    message_id: Id | None = None
    sending_id: Id | None = None


class WifiApproached(EventData):
    access_point: Text | None = None
    store_id: Id | None = None


class GeofenceApproached(EventData):
    geofence_id: Text
    latitude: Annotated[float, Field(ge=-90, le=90)] | None = None
    longitude: Annotated[float, Field(ge=-180, le=180)] | None = None


class BeaconApproached(EventData):
    beacon_id: Text
    store_id: Id | None = None


class ConsentGranted(EventData):
    consent: Text


class MemberUpdated(EventData):
    changed: list[str] = []


class MemberSignedUp(EventData):
    optin_channel: str | None = None


class OfferEvent(EventData):
    offer_id: Id


class OfferUsed(EventData):
    offer_id: Id
    usage_id: Id | None = None


class SendingEvent(EventData):
    sending_id: Id
    channel: Literal["sms", "email", "push"] | None = None
    url: str | None = None


class ReceiptAccepted(EventData):
    receipt_id: Id
    amount: float | None = None


class PointsEvent(EventData):
    points: int
    reason: str | None = None


CLIENT = "client"
LOYALTYHUB = "loyaltyhub"


@dataclass(frozen=True)
class EventType:
    name: str
    description: str
    produced_by: Literal["client", "loyaltyhub"]
    data: type[EventData]

    def schema(self) -> dict[str, Any]:
        return self.data.model_json_schema()


_TYPES = (
    EventType("app_opened", "The member opened the loyalty club mobile application", CLIENT, AppOpened),
    EventType("coupon_used", "Member used some coupon", CLIENT, CouponUsed),
    EventType("link_clicked", "Member clicked on link that has been sent from us", CLIENT, LinkClicked),
    EventType("email_opened", "Member opened an email that has been sent from us", CLIENT, MessageOpened),
    EventType("push_opened", "Member opened a push message that has been sent from us", CLIENT, MessageOpened),
    EventType("wifi_approached", "Member approached (logged in to) loyalty club's WiFi", CLIENT, WifiApproached),
    EventType(
        "geofence_approached",
        "Member approached geofence defined by loyalty club mobile application",
        CLIENT,
        GeofenceApproached,
    ),
    EventType("beacon_approached", "Member approached one of loyalty club's beacons", CLIENT, BeaconApproached),
    EventType("consent_granted", "Member granted one of loyalty club's consents", CLIENT, ConsentGranted),
    EventType("member_signed_up", "The member signed up (or was imported)", LOYALTYHUB, MemberSignedUp),
    EventType("member_updated", "The member's profile changed", LOYALTYHUB, MemberUpdated),
    EventType("member_deleted", "The member was deleted (anonymised)", LOYALTYHUB, Empty),
    EventType("offer_granted", "An offer was granted to the member", LOYALTYHUB, OfferEvent),
    EventType("offer_used", "The member used an offer", LOYALTYHUB, OfferUsed),
    EventType("offer_liked", "The member liked an offer", LOYALTYHUB, OfferEvent),
    EventType("sending_dispatched", "A message was dispatched to the member", LOYALTYHUB, SendingEvent),
    EventType("sending_delivered", "A message was delivered to the member", LOYALTYHUB, SendingEvent),
    EventType("sending_opened", "The member opened a message", LOYALTYHUB, SendingEvent),
    EventType("sending_clicked", "The member clicked a link in a message", LOYALTYHUB, SendingEvent),
    EventType("receipt_accepted", "A receipt of the member was accepted", LOYALTYHUB, ReceiptAccepted),
    EventType("points_earned", "The member earned points", LOYALTYHUB, PointsEvent),
    EventType("points_spent", "The member spent points", LOYALTYHUB, PointsEvent),
)

EVENT_TYPES: dict[str, EventType] = {t.name: t for t in _TYPES}
CLIENT_TYPES = tuple(t.name for t in _TYPES if t.produced_by == CLIENT)

_ADAPTERS: dict[str, TypeAdapter[Any]] = {}


def adapter(name: str) -> TypeAdapter[Any]:
    """The validator of a type's ``data`` (built once per type)."""
    found = _ADAPTERS.get(name)
    if found is None:
        found = _ADAPTERS[name] = TypeAdapter(EVENT_TYPES[name].data)
    return found
