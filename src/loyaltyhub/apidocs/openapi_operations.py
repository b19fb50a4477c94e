"""How each operation is named in the OpenAPI document: its ``operationId`` (the method name a generated
client gets), its summary, and its description where the handler has no docstring.

Keyed by ``"METHOD /path"`` as the document spells the path. ``tests/foundation/test_openapi_contract.py``
fails on an operation missing here, so a new route gets its names when it is added.
"""

from __future__ import annotations

from typing import NamedTuple


class OperationText(NamedTuple):
    operation_id: str
    summary: str
    description: str | None = None
    """None: the handler's docstring is the description."""


_MEMBER_OFFER = "/v3/{loyalty_club_slug}/members/{member_ref}/offers"
_MEMBERS = "/v3/{loyalty_club_slug}/members"
_GROUPS = "/v3/{loyalty_club_slug}/members/groups"
_STORES = "/v3/{loyalty_club_slug}/stores"
_OFFERS = "/v3/{loyalty_club_slug}/offers"
_TEMPLATES = "/v3/{loyalty_club_slug}/offers/image_templates"
_COLLECTIONS = "/v3/{loyalty_club_slug}/offers/collections"
_EXPORTS = "/v1/reporting/exports"
_EVENTS = "/v3/{loyalty_club_slug}/member_events"
_HOOKS = "/v3/{loyalty_club_slug}/webhooks"
_RULES = "/v3/{loyalty_club_slug}/triggerer/rules"

OPERATIONS: dict[str, OperationText] = {
    # Public API: member offers
    f"GET {_MEMBER_OFFER}": OperationText("member_offers_list", "List a member's offers"),
    f"GET {_MEMBER_OFFER}/meta": OperationText("member_offers_meta", "Count a member's offers per tab"),
    f"GET {_MEMBER_OFFER}/{{offer_id}}": OperationText("member_offers_show", "Show an offer to a member"),
    f"POST {_MEMBER_OFFER}/{{offer_id}}/use": OperationText("member_offers_use", "Use an offer"),
    f"POST {_MEMBER_OFFER}/{{offer_id}}/like": OperationText("member_offers_like", "Like an offer"),
    f"DELETE {_MEMBER_OFFER}/{{offer_id}}/like": OperationText("member_offers_unlike", "Unlike an offer"),
    f"POST {_MEMBER_OFFER}/{{offer_id}}/events/seen": OperationText(
        "member_offers_seen", "Register that an offer was seen"
    ),
    f"POST {_MEMBER_OFFER}/{{offer_id}}/events/clicked": OperationText(
        "member_offers_clicked", "Register that an offer was clicked"
    ),
    # Auth
    "GET /v1/permits": OperationText(
        "permits_list", "List permits", "Every permit a client token or a staff role can hold, with its description."
    ),
    "GET /v1/me": OperationText(
        "me_show",
        "Show the caller",
        "The principal behind the credentials sent (client token or staff user), its permits and its clubs.",
    ),
    "POST /v1/users/oauth/token": OperationText(
        "users_token_create",
        "Sign in a staff user",
        "Exchange a staff user's e-mail and password for a Bearer access token (`Authorization: Bearer lhu_...`).",
    ),
    # Public API: members
    f"POST {_MEMBERS}": OperationText("members_create", "Sign up a member"),
    f"POST {_MEMBERS}/oauth/token": OperationText("members_token_create", "Sign in a member or refresh a token"),
    f"GET {_MEMBERS}/oauth/token/info": OperationText("members_token_info", "Show the member token's details"),
    f"POST {_MEMBERS}/oauth/revoke": OperationText("members_token_revoke", "Revoke a member token"),
    f"POST {_MEMBERS}/otp/sms": OperationText("members_otp_sms", "Send a one-time password by SMS"),
    f"POST {_MEMBERS}/otp/email": OperationText("members_otp_email", "Send a one-time password by e-mail"),
    f"GET {_MEMBERS}/me": OperationText(
        "members_me_show", "Show the signed-in member", "The profile of the member of the Bearer access token."
    ),
    f"PATCH {_MEMBERS}/me": OperationText(
        "members_me_update",
        "Update the signed-in member",
        "Change the member's own profile; fields not sent are left as they are, `null` clears one.",
    ),
    f"DELETE {_MEMBERS}/me": OperationText("members_me_destroy", "Leave the club"),
    f"POST {_MEMBERS}/me/app_tokens": OperationText("members_me_app_tokens_create", "Register a push token"),
    # Management API: members and groups
    f"GET {_MEMBERS}": OperationText(
        "members_list",
        "List members",
        "The club's members a page at a time, filtered by the query parameters and sorted by `sort`.",
    ),
    f"GET {_MEMBERS}/{{member_id}}": OperationText("members_show", "Show a member", "One member of the club."),
    f"PATCH {_MEMBERS}/{{member_id}}": OperationText("members_update", "Update a member"),
    f"DELETE {_MEMBERS}/{{member_id}}": OperationText("members_destroy", "Destroy a member"),
    f"GET {_GROUPS}": OperationText("member_groups_list", "List member groups", "The club's member groups."),
    f"POST {_GROUPS}": OperationText("member_groups_create", "Create a member group", "A new, empty member group."),
    f"GET {_GROUPS}/{{group_id}}": OperationText(
        "member_groups_show", "Show a member group", "One member group with its member count."
    ),
    f"PATCH {_GROUPS}/{{group_id}}": OperationText(
        "member_groups_update", "Update a member group", "Rename a member group or change its description."
    ),
    f"DELETE {_GROUPS}/{{group_id}}": OperationText(
        "member_groups_destroy", "Delete a member group", "Delete the group; its members stay in the club."
    ),
    f"GET {_GROUPS}/{{group_id}}/members": OperationText(
        "member_groups_members_list", "List a group's members", "The members of the group, a page at a time."
    ),
    f"POST {_GROUPS}/{{group_id}}/members": OperationText("member_groups_members_add", "Add members to a group"),
    f"DELETE {_GROUPS}/{{group_id}}/members/{{member_id}}": OperationText(
        "member_groups_members_remove", "Remove a member from a group", "The member stays in the club."
    ),
    # Management API: stores
    f"GET {_STORES}": OperationText("stores_list", "List stores", "The club's stores, a page at a time."),
    f"POST {_STORES}": OperationText("stores_create", "Create a store", "A new store of the club."),
    f"GET {_STORES}/{{store_id}}": OperationText("stores_show", "Show a store", "One store of the club."),
    f"PATCH {_STORES}/{{store_id}}": OperationText(
        "stores_update", "Update a store", "Change a store; fields not sent are left as they are."
    ),
    f"DELETE {_STORES}/{{store_id}}": OperationText(
        "stores_destroy", "Delete a store", "Delete a store; its offers keep their other data."
    ),
    # Management API: offers
    f"GET {_OFFERS}": OperationText(
        "offers_list",
        "List offers",
        "The club's offers a page at a time, filtered by the query parameters (status, type, dates, extras...).",
    ),
    f"POST {_OFFERS}": OperationText(
        "offers_create",
        "Create an offer",
        "A new offer (a draft unless `status` says otherwise). Publish it with `status: published`.",
    ),
    f"GET {_OFFERS}/grouped": OperationText("offers_grouped", "List offers grouped by an attribute"),
    f"GET {_OFFERS}/{{offer_id}}": OperationText(
        "offers_show", "Show an offer", "One offer of the club with its counters (uses, grants)."
    ),
    f"PATCH {_OFFERS}/{{offer_id}}": OperationText(
        "offers_update",
        "Update an offer",
        "Change an offer; fields not sent are left as they are. `status: published` publishes it.",
    ),
    f"POST {_OFFERS}/{{offer_id}}/clone": OperationText("offers_clone", "Clone an offer"),
    f"POST {_OFFERS}/{{offer_id}}/archive": OperationText(
        "offers_archive", "Archive an offer", "Archive the offer: members no longer see it; it cannot be changed."
    ),
    f"POST {_OFFERS}/{{offer_id}}/grant": OperationText("offers_grant", "Grant an offer to members"),
    f"GET {_TEMPLATES}": OperationText(
        "image_templates_list", "List image templates", "The club's offer image templates."
    ),
    f"POST {_TEMPLATES}": OperationText(
        "image_templates_create", "Create an image template", "A new offer image template."
    ),
    f"GET {_TEMPLATES}/{{template_id}}": OperationText(
        "image_templates_show", "Show an image template", "One offer image template."
    ),
    f"PATCH {_TEMPLATES}/{{template_id}}": OperationText(
        "image_templates_update", "Update an image template", "Change an offer image template."
    ),
    f"DELETE {_TEMPLATES}/{{template_id}}": OperationText(
        "image_templates_destroy", "Delete an image template", "Offers keep the copy they were given."
    ),
    # Management API: collections
    f"GET {_COLLECTIONS}": OperationText("collections_list", "List collections"),
    f"POST {_COLLECTIONS}": OperationText(
        "collections_create", "Create a collection", "A new collection of offers, placed at `position`."
    ),
    f"PUT {_COLLECTIONS}/order": OperationText(
        "collections_order", "Order collections", "Set the order of the club's collections by listing their ids."
    ),
    f"GET {_COLLECTIONS}/{{collection_id}}": OperationText(
        "collections_show", "Show a collection", "One collection with its offer counters."
    ),
    f"PATCH {_COLLECTIONS}/{{collection_id}}": OperationText(
        "collections_update", "Update a collection", "Change a collection; fields not sent are left as they are."
    ),
    f"POST {_COLLECTIONS}/{{collection_id}}/archive": OperationText(
        "collections_archive", "Archive a collection", "Archive the collection: members no longer see it."
    ),
    # Reporting API
    "POST /v1/reporting/query": OperationText("reporting_query", "Run a report query"),
    "POST /v1/reporting/metadata": OperationText("reporting_metadata", "List the reports you may query"),
    "POST /v1/reporting/field_metadata": OperationText("reporting_field_metadata", "Describe one report field"),
    "POST /v1/reporting/geo/coordinates": OperationText("geo_coordinates", "Find coordinates of locations"),
    "POST /v1/reporting/geo/places": OperationText("geo_places_list", "List places"),
    "GET /v1/reporting/geo/places/{place_id}": OperationText(
        "geo_places_show", "Show a place", "One place (country or city) by its id."
    ),
    "POST /v1/reporting/query/export": OperationText(
        "reporting_query_export",
        "Export a report query",
        "Start an export of a query (records, timeseries or statistics) to CSV or NDJSON; answers 202 with "
        "the export job to poll.",
    ),
    "POST /v1/reporting/tenants/query/export": OperationText(
        "reporting_tenants_query_export",
        "Export a report query per club",
        "Run the query once per club of the `X-Customer` selection into one file, with the club id on every row.",
    ),
    f"GET {_EXPORTS}": OperationText(
        "exports_list", "List exports", "The caller's latest exports (up to 100) within the selected clubs."
    ),
    f"GET {_EXPORTS}/{{export_id}}": OperationText("exports_show", "Show an export", "One export job and its state."),
    f"DELETE {_EXPORTS}/{{export_id}}": OperationText(
        "exports_cancel", "Cancel an export", "Cancel a running export; a finished one's file is deleted."
    ),
    f"GET {_EXPORTS}/{{export_id}}/download": OperationText(
        "exports_download",
        "Download an export",
        "The file of a finished export (409 while it runs, 410 once it expired).",
    ),
    # Operations
    "GET /healthz": OperationText("health_check", "Check the process is alive"),
    "GET /readyz": OperationText("readiness_check", "Check the service is ready"),
    # Data API: member events
    "POST /v3/{loyalty_club_slug}/members/{member_ref}/events": OperationText(
        "member_events_register",
        "Register events of a member",
        "One or many events of a member (`me` or an id); a client event id already stored is a duplicate.",
    ),
    f"POST {_EVENTS}/bulk": OperationText(
        "member_events_bulk",
        "Register events in bulk",
        "Up to 1,000 events of any members of the club, all or nothing.",
    ),
    f"GET {_EVENTS}/types": OperationText(
        "member_events_types",
        "Event types schema",
        "Every event type, who produces it and the JSON schema of its data.",
    ),
    f"GET {_EVENTS}": OperationText("member_events_list", "List member events", "The club's events, newest first."),
    f"GET {_EVENTS}/{{event_id}}": OperationText("member_events_show", "Show a member event", "One event."),
    # Management API: webhooks
    f"GET {_HOOKS}/event_types": OperationText(
        "webhooks_event_types", "Webhook event types", "The trackable resources and their event types."
    ),
    f"GET {_HOOKS}/subscriptions": OperationText(
        "webhooks_subscriptions_list", "List webhook subscriptions", "The club's subscriptions."
    ),
    f"POST {_HOOKS}/subscriptions": OperationText(
        "webhooks_subscriptions_create", "Create a webhook subscription", "A receiver of the club's events."
    ),
    f"GET {_HOOKS}/subscriptions/{{subscription_id}}": OperationText(
        "webhooks_subscriptions_show", "Show a webhook subscription", "One subscription with its secrets."
    ),
    f"PATCH {_HOOKS}/subscriptions/{{subscription_id}}": OperationText(
        "webhooks_subscriptions_update", "Update a webhook subscription", "`active: true` re-enables a disabled one."
    ),
    f"DELETE {_HOOKS}/subscriptions/{{subscription_id}}": OperationText(
        "webhooks_subscriptions_destroy", "Delete a webhook subscription", "The subscription and its deliveries."
    ),
    f"GET {_HOOKS}/subscriptions/{{subscription_id}}/deliveries": OperationText(
        "webhooks_deliveries_list", "List deliveries", "A subscription's deliveries, newest first."
    ),
    f"GET {_HOOKS}/deliveries/{{delivery_id}}": OperationText(
        "webhooks_deliveries_show", "Show a delivery", "A delivery with every attempt (the delivery log)."
    ),
    f"POST {_HOOKS}/deliveries/{{delivery_id}}/redeliver": OperationText(
        "webhooks_deliveries_redeliver", "Redeliver", "Send a delivery again now, with the same webhook-id."
    ),
    # Management API: the Triggerer
    "GET /v3/{loyalty_club_slug}/triggerer/event_types": OperationText(
        "triggerer_event_types", "Event types schema", "The event types rules can react to."
    ),
    f"GET {_RULES}": OperationText("triggerer_rules_list", "List rules", "The club's rules (not deleted)."),
    f"POST {_RULES}": OperationText("triggerer_rules_create", "Create a rule", "A rule as the vendor's Rule model."),
    f"GET {_RULES}/{{rule_id}}": OperationText("triggerer_rules_show", "Show a rule", "One rule."),
    f"PATCH {_RULES}/{{rule_id}}": OperationText(
        "triggerer_rules_update", "Update a rule", "Change a rule; fields not sent are left as they are."
    ),
    f"DELETE {_RULES}/{{rule_id}}": OperationText("triggerer_rules_destroy", "Delete a rule", "Soft delete."),
    f"PUT {_RULES}/{{rule_id}}/pause": OperationText("triggerer_rules_pause", "Pause a rule", "Stop its execution."),
    f"PUT {_RULES}/{{rule_id}}/start": OperationText("triggerer_rules_start", "Start a rule", "Resume its execution."),
    f"GET {_RULES}/{{rule_id}}/executions": OperationText(
        "triggerer_rules_executions", "A rule's execution log", "How each event was judged."
    ),
    f"POST {_RULES}/{{rule_id}}/dry_run": OperationText(
        "triggerer_rules_dry_run", "Dry run a rule", "Which of the last N events would have fired."
    ),
}
