"""The examples of seed ``management-offers-introduction``, verbatim."""

from __future__ import annotations

import copy
from typing import Any

OFFER_EXAMPLE: dict[str, Any] = {
    "id": 129,
    "type": "regular",
    "status": "published",
    "name": {"en": "Great Offer!", "pl": "Super Oferta"},
    "description": {"en": "Special", "pl": "Specjalna"},
    "internal_name": "Internal offer name",
    "notes": "Internal offer description",
    "usable_since": "2022-05-05T13:00:00.000000Z",
    "usable_until": "2030-05-05T13:00:00.000000Z",
    "visible_since": "2021-05-05T13:00:00.000000Z",
    "visible_until": "2031-05-05T13:00:00.000000Z",
    "collection_ids": [2],
    "store_id": 15,
    "audience_id": 34,
    "campaign_id": 32,
    "url": "promotions/423",
    "external_url": "https://example.com",
    "maximum_uses_per_user": 5,
    "maximum_grants_per_user": 10,
    "periodic_usage": {"timespan": "week", "limit": 15},
    "stock": 30,
    "usage_authorization_token": "tok3n",
    "usage_authorization_token_required": True,
    "external_master": None,
    "image_template": {
        "width": 100,
        "height": 300,
        "default": False,
        "rectangles": [
            {
                "name": "Title",
                "color": "#FF00FF",
                "width": 100,
                "height": 200,
                "number": 5,
                "content": "{{stores}}",
                "padding": 5,
                "font_url": "https://fonts.googleapis.com/css?family=Raleway:400,700&display=swap",
                "font_size": 15,
                "font_style": "normal",
                "offset_top": 5,
                "text_align": "center",
                "font_family": "'Playfair Display', serif",
                "font_weight": "normal",
                "offset_left": 15,
                "text_decoration": "none",
            }
        ],
        "background_url": "https://example.com/image.png",
    },
    "read_more": {
        "button_title": "More",
        "url": "https://example.com",
        "title": "That's more",
        "text": "End that's even more",
        "enabled": True,
    },
    "activation_texts": {"button": "Button", "modal": "Modal", "description": "Description"},
    "extras": {"something": "additional"},
    "files": [
        {
            "url": "https://offers-api.s3.eu-central-1.amazonaws.com/offer-1000115-offer_default-original.jpg",
            "width": 600,
            "height": 800,
            "kind": "offer_default",
            "size_type": "base",
        }
    ],
    "created_at": "2022-05-27T09:12:29.358079Z",
    "updated_at": "2022-05-27T09:12:29.358079Z",
    "archived_at": None,
    "uses_count": 0,
    "grants_count": 0,
}

# Read-only fields of the definition table (server-generated; a client cannot send them). ``files`` lists the
# offer's active uploads (Files API) and rendered image.
OFFER_READ_ONLY = ("id", "url", "files", "created_at", "updated_at", "archived_at", "uses_count", "grants_count")
# Fields of the definition table that the example does not show.
OFFER_FIELDS_NOT_IN_EXAMPLE = ("usable_in_seconds_after_granting", "external_source", "cms_tag_ids")

COLLECTION_EXAMPLE: dict[str, Any] = {
    "id": 4591,
    "scope": "standard",
    "title": {"en": "Super Collection", "pl": "Super Kolekcja"},
    "description": {"en": "Very Special", "pl": "Bardzo specjalna"},
    "offers_order": [],
    "created_at": "2021-09-22T10:41:45.872Z",
    "updated_at": "2021-12-10T10:55:42.536Z",
    "archived_at": None,
    "position": 2,
    "offers_count": 1,
    "offers_visible_count": 0,
    "offers_uses_count": 1,
    "offers_upcoming_count": 0,
    "visible_since": "2021-09-21T22:00:00.000Z",
    "visible_until": "2021-09-23T21:59:59.999Z",
    "usable_since": "2021-09-21T22:00:00.000Z",
    "usable_until": "2021-09-23T21:59:59.999Z",
    "files": [
        {
            "url": "https://offers-api.s3.eu-central-1.amazonaws.com/offer-1000115-offer_default-original.jpg",
            "width": 600,
            "height": 800,
            "kind": "collection_cover_default",
            "size_type": "base",
        }
    ],
}
COLLECTION_COMPUTED = (
    "id",
    "created_at",
    "updated_at",
    "archived_at",
    "offers_count",
    "offers_visible_count",
    "offers_uses_count",
    "offers_upcoming_count",
    "visible_since",
    "visible_until",
    "usable_since",
    "usable_until",
)


def offer_payload(**overrides: Any) -> dict[str, Any]:
    """The example's writable fields, as a POST body."""
    body = {k: copy.deepcopy(v) for k, v in OFFER_EXAMPLE.items() if k not in OFFER_READ_ONLY}
    body.update(overrides)
    return body


# The keys of the nested objects of the seed's models (the example shows each with every key).
RECTANGLE_KEYS = tuple(OFFER_EXAMPLE["image_template"]["rectangles"][0])
IMAGE_TEMPLATE_KEYS = tuple(OFFER_EXAMPLE["image_template"])
READ_MORE_KEYS = tuple(OFFER_EXAMPLE["read_more"])
ACTIVATION_TEXTS_KEYS = tuple(OFFER_EXAMPLE["activation_texts"])
FILE_KEYS = tuple(OFFER_EXAMPLE["files"][0])
PERIODIC_USAGE_KEYS = tuple(OFFER_EXAMPLE["periodic_usage"])
