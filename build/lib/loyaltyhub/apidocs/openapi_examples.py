"""Request and response examples of the OpenAPI document, taken from the vendor's documentation pages
(``shared/seeds``) where they give one, and the bodies of the vendor's own status codes.

Response examples are cut down to the properties the schema declares (the seed's offer carries a few we
do not serve), so an example never shows a field a client will not get.
"""

from __future__ import annotations

from typing import Any

# seeds/management-offers-introduction.txt, "Offer model: Example"
SEED_OFFER: dict[str, Any] = {
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
    "read_more": {
        "button_title": "More",
        "url": "https://example.com",
        "title": "That's more",
        "text": "End that's even more",
        "enabled": True,
    },
    "activation_texts": {"button": "Button", "modal": "Modal", "description": "Description"},
    "extras": {"something": "additional"},
    "files": [],
    "created_at": "2022-05-27T09:12:29.358079Z",
    "updated_at": "2022-05-27T09:12:29.358079Z",
    "archived_at": None,
    "uses_count": 0,
    "grants_count": 0,
}

# What a client sends to create the seed's offer: its content, without read-only fields and without ids of
# other records (collections, stores) that a new club does not have.
OFFER_CREATE_REQUEST = {
    key: SEED_OFFER[key]
    for key in (
        "type", "status", "name", "description", "internal_name", "notes", "usable_since", "usable_until",
        "visible_since", "visible_until", "external_url", "maximum_uses_per_user", "maximum_grants_per_user",
        "periodic_usage", "stock", "read_more", "activation_texts", "extras",
    )
}  # fmt: skip

# seeds/management-offers-introduction.txt, "Collection model: Example"
SEED_COLLECTION: dict[str, Any] = {
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
    "files": [],
}

# seeds/public-use-offer.txt
USE_OFFER_RESPONSE = {
    "usage": {"usable": True, "max_uses": 100, "uses_left": 68, "active_until": "2019-05-08T14:47:22.323Z"}
}
USE_OFFER_422 = {
    "Already active": "The offer has just been used",
    "Not granted": "The offer is not available to the member",
    "Usage authorization token missing": "The offer needs the store's authorization token",
    "Usage authorization token invalid": "The authorization token given is not the offer's",
    "User limit exceeded": "The member used up their uses",
    "Periodic user limit exceeded": "The member used up their uses of the current period",
    "Global limit exceeded": "No stock left",
    "Not in usable timeframes": "The offer is not usable yet, or no more",
}

# seeds/reporting-members_grouped_count.txt
GROUPED_COUNT_QUERY = {"report": "members_grouped_count", "aggregate_by": "by_grouping_type_and_value"}
GROUPED_COUNT_RESPONSE = {
    "records": [
        {"grouping_type": "optin_channel", "grouping_value": "default", "members_count": 159},
        {"grouping_type": "optin_platform", "grouping_value": "other", "members_count": 633},
        {"grouping_type": "country", "grouping_value": "NO", "members_count": 680},
    ],
    "pagination": {"next_page_info": "CNOW-AE"},
    "result_type": "records",
}

REQUEST_EXAMPLES: dict[str, Any] = {
    "offers_create": OFFER_CREATE_REQUEST,
    "offers_update": {"status": "published"},
    "collections_create": {key: SEED_COLLECTION[key] for key in ("scope", "title", "description", "position")},
    "reporting_query": GROUPED_COUNT_QUERY,
}

RESPONSE_EXAMPLES: dict[str, dict[str, Any]] = {
    "offers_create": {"201": SEED_OFFER},
    "offers_show": {"200": SEED_OFFER},
    "offers_update": {"200": SEED_OFFER},
    "collections_create": {"201": SEED_COLLECTION},
    "collections_show": {"200": SEED_COLLECTION},
    "member_offers_use": {"200": USE_OFFER_RESPONSE},
    "reporting_query": {"200": GROUPED_COUNT_RESPONSE},
}

BANNED_UNTIL_EXAMPLE = "2137-10-28T17:24:06.207Z"

# The vendor's own status codes (seeds "Common HTTP Error Codes"; reference B.2): meaning and an example body.
VENDOR_STATUSES: dict[int, tuple[str, dict[str, Any]]] = {
    460: (
        "The member access token (`Authorization: Bearer lhm_...`) is missing, invalid or expired: refresh it "
        "(`grant_type=refresh_token`) or sign the member in again.",
        {"error": "Invalid or expired access token"},
    ),
    461: (
        "The member's identifier and password (or one-time password) do not match.",
        {"error": "Invalid credentials"},
    ),
    462: (
        "The refresh token is invalid, expired or revoked: sign the member in again.",
        {"error": "Invalid or expired refresh token"},
    ),
    467: (
        "The member is banned until `banned_until`.",
        {"error": "Member is banned!", "banned_until": BANNED_UNTIL_EXAMPLE},
    ),
    470: (
        "A header this operation requires is missing (e.g. `X-Product-Name`).",
        {"error": "Missing required header X-Product-Name"},
    ),
    471: (
        "A header is malformed (e.g. `X-Customer`, `X-Locale`, `Idempotency-Key`).",
        {"error": "Malformed header X-Customer: empty"},
    ),
}
