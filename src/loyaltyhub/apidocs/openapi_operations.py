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
_PROGRAMS = "/v1/{loyalty_club_slug}/programs"
_OFFERS = "/v3/{loyalty_club_slug}/offers"
_TEMPLATES = "/v3/{loyalty_club_slug}/offers/image_templates"
_COLLECTIONS = "/v3/{loyalty_club_slug}/offers/collections"
_EXPORTS = "/v1/reporting/exports"
_RW_ME = "/v3/{loyalty_club_slug}/members/me/rewards-program"
_RW_REF = "/v3/{loyalty_club_slug}/members/{member_ref}/rewards-program"
_RW_MEMBER = "/v1/{loyalty_club_slug}/members/{member_id}/rewards-program"
_RW_CATALOGUE = "/v1/{loyalty_club_slug}/rewards-program/rewards"
_RC_MEMBER = "/v3/{loyalty_club_slug}/members/{member_ref}/receipts"
_WHOLE_FILE = "/v3/{loyalty_club_slug}/files/{fileable_type}/{fileable_id}/{kind}"

# The vendor documents these updates as PUT (members, image templates, stores: its older docs and vendor-docs-platform
# (f).1, (g).4); PUT answers as PATCH does (docs/decisions/compatibility.md).
_AS_PATCH = "The vendor's documented `PUT` of this update: the same handler and partial update as `PATCH`."
_MSG = "/v1/messages"
_SVC = "/v1/messages/{service_name}"
_EVENTS = "/v3/{loyalty_club_slug}/member_events"
_HOOKS = "/v3/{loyalty_club_slug}/webhooks"
_RULES = "/v3/{loyalty_club_slug}/triggerer/rules"

OPERATIONS: dict[str, OperationText] = {
    # Public API: member offers
    f"GET {_MEMBER_OFFER}": OperationText("member_offers_list", "List a member's offers"),
    f"GET {_MEMBER_OFFER}/meta": OperationText("member_offers_meta", "Count a member's offers per tab"),
    f"GET {_MEMBER_OFFER}/{{offer_id}}": OperationText("member_offers_show", "Show an offer to a member"),
    f"POST {_MEMBER_OFFER}/{{offer_id}}/use": OperationText("member_offers_use", "Use an offer"),
    f"GET {_MEMBER_OFFER}/{{offer_id}}/encode": OperationText(
        "member_offers_encode", "Encode an offer the member is using (a code for the store)"
    ),
    "POST /v3/{loyalty_club_slug}/offers/codes/validate": OperationText(
        "offer_codes_validate", "Validate a member's encoded offer code (store, till)"
    ),
    f"GET {_OFFERS}/preview": OperationText("offers_preview_list", "Preview the offers list of a group or guest"),
    f"GET {_OFFERS}/preview/meta": OperationText("offers_preview_meta", "Preview the offers meta of a group or guest"),
    f"GET {_OFFERS}/preview/{{offer_id}}": OperationText(
        "offers_preview_show", "Preview an offer for a group or guest"
    ),
    f"POST {_MEMBER_OFFER}/{{offer_id}}/like": OperationText("member_offers_like", "Like an offer"),
    f"DELETE {_MEMBER_OFFER}/{{offer_id}}/like": OperationText("member_offers_unlike", "Unlike an offer"),
    f"PUT {_MEMBER_OFFER}/{{offer_id}}/like": OperationText(
        "member_offers_like_put", "Like an offer (PUT)", "The older docs' `PUT .../like`: the same as `POST .../like`."
    ),
    f"PUT {_MEMBER_OFFER}/{{offer_id}}/unlike": OperationText(
        "member_offers_unlike_put",
        "Unlike an offer (PUT)",
        "The older docs' `PUT .../unlike`: the same as `DELETE .../like`.",
    ),
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
    f"PUT {_MEMBERS}/me": OperationText("members_me_update_put", "Update the signed-in member (PUT)", _AS_PATCH),
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
    f"PUT {_MEMBERS}/{{member_id}}": OperationText("members_update_put", "Update a member (PUT)", _AS_PATCH),
    f"DELETE {_MEMBERS}/{{member_id}}": OperationText("members_destroy", "Destroy a member"),
    # Management API: member lookups
    f"GET {_MEMBERS}/by_email/{{email}}": OperationText(
        "members_show_by_email", "Show a member by e-mail", "The club's member with this e-mail address."
    ),
    f"GET {_MEMBERS}/by_msisdn/{{msisdn}}": OperationText(
        "members_show_by_msisdn", "Show a member by MSISDN", "The club's member with this MSISDN (422 if malformed)."
    ),
    f"GET {_MEMBERS}/{{member_id}}/public_info": OperationText("members_public_info", "Show a member's public info"),
    f"GET {_MEMBERS}/by_email/{{email}}/public_info": OperationText(
        "members_public_info_by_email", "Show public info by e-mail", "Whether a member has this address."
    ),
    f"GET {_MEMBERS}/by_msisdn/{{msisdn}}/public_info": OperationText(
        "members_public_info_by_msisdn", "Show public info by MSISDN", "Whether a member has this MSISDN."
    ),
    f"GET {_MEMBERS}/{{member_id}}/groups": OperationText("members_groups_of_member", "List the groups of a member"),
    f"GET {_MEMBERS}/by_email/{{email}}/groups": OperationText(
        "members_groups_by_email",
        "List the groups of a member by e-mail",
        "The groups of the member with this address.",
    ),
    f"GET {_MEMBERS}/by_msisdn/{{msisdn}}/groups": OperationText(
        "members_groups_by_msisdn",
        "List the groups of a member by MSISDN",
        "The groups of the member with this MSISDN.",
    ),
    f"POST {_MEMBERS}/validate": OperationText("members_validate", "Validate member data"),
    # Public API: member account flows
    f"PUT {_MEMBERS}/channels/msisdn/{{msisdn}}/send_verification": OperationText(
        "members_msisdn_send_verification", "Send an MSISDN verification SMS"
    ),
    f"PUT {_MEMBERS}/channels/msisdn/{{msisdn}}/verify": OperationText("members_msisdn_verify", "Verify an MSISDN"),
    f"PUT {_MEMBERS}/channels/email/{{email}}/send_verification": OperationText(
        "members_email_send_verification", "Send an e-mail verification message"
    ),
    f"PUT {_MEMBERS}/channels/email/{{email}}/verify": OperationText(
        "members_email_verify", "Verify an e-mail address"
    ),
    f"POST {_MEMBERS}/by_email/{{email}}/send_password_reset_token": OperationText(
        "members_password_reset_token_send", "Send a password reset token"
    ),
    f"GET {_MEMBERS}/by_email/{{email}}/verify_token/{{type}}/{{token}}": OperationText(
        "members_token_verify", "Verify a password reset token"
    ),
    f"PUT {_MEMBERS}/by_email/{{email}}/reset_password": OperationText("members_password_reset", "Reset a password"),
    f"PUT {_MEMBERS}/me/update_password": OperationText("members_me_update_password", "Change the member's password"),
    # The older docs' paths of the same flows (docs/decisions/compatibility.md)
    f"PUT {_MEMBERS}/update_password": OperationText(
        "members_update_password_legacy",
        "Change the member's password (older path)",
        "The older docs' path line of Update Password: the same as `PUT .../members/me/update_password`.",
    ),
    f"GET {_MEMBERS}/{{member_id}}/person_id": OperationText("members_person_id", "Show a member's person id"),
    f"GET {_MEMBERS}/by_email/{{email}}/person_id": OperationText(
        "members_person_id_by_email", "Show a person id by e-mail"
    ),
    f"GET {_MEMBERS}/by_msisdn/{{msisdn}}/person_id": OperationText(
        "members_person_id_by_msisdn", "Show a person id by MSISDN"
    ),
    f"POST {_MEMBERS}/by_msisdn/{{msisdn}}/send_one_time_password_via_sms": OperationText(
        "members_otp_sms_by_msisdn", "Send a one-time password by SMS (member by MSISDN)"
    ),
    f"POST {_MEMBERS}/by_email/{{email}}/send_one_time_password_via_sms": OperationText(
        "members_otp_sms_by_email", "Send a one-time password by SMS (member by e-mail)"
    ),
    f"POST {_MEMBERS}/by_msisdn/{{msisdn}}/send_one_time_password_via_email": OperationText(
        "members_otp_email_by_msisdn", "Send a one-time password by e-mail (member by MSISDN)"
    ),
    f"POST {_MEMBERS}/by_email/{{email}}/send_one_time_password_via_email": OperationText(
        "members_otp_email_by_email", "Send a one-time password by e-mail (member by e-mail)"
    ),
    f"POST {_MEMBERS}/by_msisdn/{{msisdn}}/send_one_time_password": OperationText(
        "members_otp_by_msisdn", "Send a one-time password (member by MSISDN, deprecated)"
    ),
    f"POST {_MEMBERS}/by_email/{{email}}/send_one_time_password": OperationText(
        "members_otp_by_email", "Send a one-time password (member by e-mail, deprecated)"
    ),
    f"POST {_MEMBERS}/by_msisdn/{{msisdn}}/send_registration_password": OperationText(
        "members_registration_password_sms", "Send a registration password by SMS"
    ),
    f"POST {_MEMBERS}/by_email/{{email}}/send_registration_password": OperationText(
        "members_registration_password_email", "Send a registration password by e-mail"
    ),
    f"PUT {_MEMBERS}/me/update_app_token": OperationText(
        "members_me_update_app_token", "Update the member's push token (older path)"
    ),
    f"PUT {_MEMBERS}/{{member_id}}/update_app_token": OperationText(
        "members_update_app_token", "Update a member's push token (older path)"
    ),
    f"GET {_MEMBERS}/{{member_id}}/stores": OperationText("members_stores_list", "List a member's stores"),
    f"POST {_MEMBERS}/{{member_id}}/stores": OperationText("members_stores_assign", "Assign a member to stores"),
    f"DELETE {_MEMBERS}/{{member_id}}/stores": OperationText("members_stores_remove", "Remove a member's stores"),
    "GET /v1/files": OperationText("files_list_v1", "List file records (v1 path)"),
    "DELETE /v1/files": OperationText("files_destroy_v1", "Destroy file records (v1 path)"),
    # Messaging API: the older docs' paths without {service} (the generic service)
    "GET /v1/messages": OperationText("messages_list_generic", "List generic messages (older path)"),
    "POST /v1/messages": OperationText("messages_create_generic", "Create a generic message (older path)"),
    "GET /v1/messages/{message_id}": OperationText("messages_show_generic", "Show a generic message (older path)"),
    "PUT /v1/messages/{message_id}": OperationText("messages_update_generic", "Update a generic message (older path)"),
    "DELETE /v1/messages/{message_id}": OperationText(
        "messages_destroy_generic", "Delete a generic message (older path)"
    ),
    "POST /v1/messages/{message_id}/sendings": OperationText(
        "sendings_create_generic", "Create a sending of a generic message (older path)"
    ),
    "GET /v1/messages/sendings/{sending_id}": OperationText(
        "sendings_show_generic", "Show a generic sending (older path)"
    ),
    "PUT /v1/messages/sendings/{sending_id}": OperationText(
        "sendings_update_generic", "Update a generic sending (older path)"
    ),
    "PUT /v1/messages/sendings/{sending_id}/cancel": OperationText(
        "sendings_cancel_generic", "Cancel a generic sending (older path)"
    ),
    "GET /v1/messages/sendings/{sending_id}/dispatches": OperationText(
        "dispatches_list_generic", "List a generic sending's dispatches (older path)"
    ),
    "GET /v1/messages/sendings/{sending_id}/dispatches/members": OperationText(
        "dispatch_members_generic", "List a generic sending's members (older path)"
    ),
    f"GET {_MEMBERS}/{{member_id}}/messages": OperationText(
        "members_messages_list", "List a member's messages (older path)"
    ),
    f"GET {_MEMBERS}/{{member_id}}/messages/{{message_id}}": OperationText(
        "members_messages_show", "Show a member's message (older path)"
    ),
    # Management API: the older docs' Members Groups API
    "GET /v3/{loyalty_club_slug}/members_groups": OperationText("members_groups_legacy_list", "List members groups"),
    "POST /v3/{loyalty_club_slug}/members_groups": OperationText(
        "members_groups_legacy_create", "Create a members group"
    ),
    "GET /v3/{loyalty_club_slug}/members_groups/types": OperationText(
        "members_groups_legacy_types", "List members group types"
    ),
    "GET /v3/{loyalty_club_slug}/members_groups/{group_id}": OperationText(
        "members_groups_legacy_show", "Show a members group"
    ),
    "PUT /v3/{loyalty_club_slug}/members_groups/{group_id}": OperationText(
        "members_groups_legacy_update", "Update a members group"
    ),
    "DELETE /v3/{loyalty_club_slug}/members_groups/{group_id}": OperationText(
        "members_groups_legacy_destroy", "Destroy a members group"
    ),
    "GET /v3/{loyalty_club_slug}/members_groups/{group_id}/members": OperationText(
        "members_groups_legacy_members", "List the members of a members group"
    ),
    "POST /v3/{loyalty_club_slug}/members_groups/{group_id}/members/{member_id}": OperationText(
        "members_groups_legacy_add_member", "Add a member to a members group"
    ),
    "DELETE /v3/{loyalty_club_slug}/members_groups/{group_id}/members/{member_id}": OperationText(
        "members_groups_legacy_remove_member", "Remove a member from a members group"
    ),
    # Public API: the older docs' offer events (a batch for the signed-in member)
    "POST /v3/{loyalty_club_slug}/members/me/events/offers_seen": OperationText(
        "member_offers_events_seen_legacy", "Register seen offers (older path)"
    ),
    "POST /v3/{loyalty_club_slug}/members/me/events/offers_clicked": OperationText(
        "member_offers_events_clicked_legacy", "Register clicked offers (older path)"
    ),
    "POST /v3/{loyalty_club_slug}/offers/events/offers_seen": OperationText(
        "member_offers_events_seen_legacy_curl",
        "Register seen offers (older example path)",
        "The path of the older docs' curl example: the same as `POST .../members/me/events/offers_seen`.",
    ),
    "POST /v3/{loyalty_club_slug}/offers/events/offers_clicked": OperationText(
        "member_offers_events_clicked_legacy_curl",
        "Register clicked offers (older example path)",
        "The path of the older docs' curl example: the same as `POST .../members/me/events/offers_clicked`.",
    ),
    # Data API: the older Transaction API's wallet reads
    "GET /v3/{loyalty_club_slug}/transactions/points/by_member_id/{member_id}": OperationText(
        "wallet_points_by_member_id", "Show a member's points per wallet"
    ),
    "GET /v3/{loyalty_club_slug}/transactions/points/by_msisdn/{msisdn}": OperationText(
        "wallet_points_by_msisdn", "Show a member's points per wallet by MSISDN"
    ),
    "GET /v3/{loyalty_club_slug}/transactions/points/by_email/{email}": OperationText(
        "wallet_points_by_email", "Show a member's points per wallet by e-mail"
    ),
    "GET /v3/{loyalty_club_slug}/transactions/points/events/{member_id}": OperationText(
        "wallet_point_events", "List a member's point events"
    ),
    # Management API: offer image templates rendered
    "GET /v3/{loyalty_club_slug}/offers/image_templates/preview": OperationText(
        "image_templates_preview", "Preview an offer image template"
    ),
    "POST /v3/{loyalty_club_slug}/offers/image_templates/preview": OperationText(
        "image_templates_preview_post", "Preview an offer image template (POST)"
    ),
    # Management API: files
    "GET /v3/{loyalty_club_slug}/files/schema": OperationText("files_schema", "Show the file schema"),
    "POST /v3/{loyalty_club_slug}/files/uploads": OperationText("files_upload_start", "Start an upload"),
    "GET /v3/{loyalty_club_slug}/files/uploads/{upload_id}": OperationText("files_upload_show", "Show an upload"),
    "PUT /v3/{loyalty_club_slug}/files/uploads/{upload_id}/parts/{part_number}": OperationText(
        "files_upload_part", "Upload a part"
    ),
    "POST /v3/{loyalty_club_slug}/files/uploads/{upload_id}/finish": OperationText(
        "files_upload_finish", "Finish an upload"
    ),
    "GET /v3/{loyalty_club_slug}/files": OperationText("files_list", "List file records"),
    "GET /v3/{loyalty_club_slug}/files/{file_id}": OperationText(
        "files_show", "Show a file record", "One file record of the club."
    ),
    "GET /v3/{loyalty_club_slug}/files/{file_id}/content": OperationText("files_content", "Download a file"),
    "POST /v3/{loyalty_club_slug}/files/{file_id}/activate": OperationText("files_activate", "Activate a file"),
    "DELETE /v3/{loyalty_club_slug}/files/{file_id}": OperationText("files_destroy", "Destroy a file record"),
    # Management API: files, the deprecated one-request API (reference (g).1)
    f"POST {_WHOLE_FILE}": OperationText("files_create_file", "Create file (deprecated Files API)"),
    f"PUT {_WHOLE_FILE}": OperationText("files_update_file", "Update file (deprecated Files API)"),
    f"PUT {_WHOLE_FILE}/reprocess": OperationText("files_reprocess_file", "Reprocess file (deprecated Files API)"),
    f"DELETE {_WHOLE_FILE}": OperationText("files_delete_file", "Delete file (deprecated Files API)"),
    # Public API: loyalty club
    "GET /v3/loyalty_clubs": OperationText("loyalty_clubs_list", "List loyalty clubs"),
    "GET /v3/loyalty_clubs/{loyalty_club_slug}": OperationText("loyalty_clubs_show", "Show a loyalty club"),
    "GET /v3/{loyalty_club_slug}/member_schema": OperationText("loyalty_clubs_member_schema", "Show the member schema"),
    "GET /v3/loyalty_clubs/by_community_id/{community_id}": OperationText(
        "loyalty_clubs_show_by_community_id", "Show a loyalty club by its community id"
    ),
    "GET /v3/{loyalty_club_slug}/products": OperationText("loyalty_clubs_products", "List the products of a club"),
    "GET /v3/{loyalty_club_slug}/legal_information": OperationText(
        "loyalty_clubs_legal_information_show", "Show legal information"
    ),
    "PUT /v1/{loyalty_club_slug}/legal_information": OperationText(
        "loyalty_clubs_legal_information_set", "Set legal information"
    ),
    "GET /v3/{loyalty_club_slug}/translations": OperationText(
        "loyalty_clubs_translations_list", "List translations (v3)"
    ),
    "PUT /v1/{loyalty_club_slug}/translations/{language}": OperationText(
        "loyalty_clubs_translations_set", "Set the translations of a language"
    ),
    "GET /v3/{loyalty_club_slug}/programs": OperationText("programs_list", "List programs"),
    "GET /v3/{loyalty_club_slug}/programs/{program_id}": OperationText("programs_show", "Show a program"),
    f"GET {_PROGRAMS}": OperationText("programs_manage_list", "List programs (management)"),
    f"POST {_PROGRAMS}": OperationText("programs_create", "Create a program"),
    f"GET {_PROGRAMS}/{{program_id}}": OperationText("programs_manage_show", "Show a program (management)"),
    f"PATCH {_PROGRAMS}/{{program_id}}": OperationText("programs_update", "Update a program"),
    f"PUT {_PROGRAMS}/{{program_id}}": OperationText("programs_update_put", "Update a program (PUT)", _AS_PATCH),
    f"DELETE {_PROGRAMS}/{{program_id}}": OperationText("programs_destroy", "Destroy a program"),
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
    f"PUT {_STORES}/{{store_id}}": OperationText("stores_update_put", "Update a store (PUT)", _AS_PATCH),
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
    f"PUT {_TEMPLATES}/{{template_id}}": OperationText(
        "image_templates_update_put", "Update an image template (PUT)", _AS_PATCH
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
    # Rewards program
    "GET /v3/{loyalty_club_slug}/rewards-program/info": OperationText(
        "rewards_program_info", "Show the rewards program"
    ),
    f"POST {_RW_ME}/join": OperationText("rewards_program_join", "Join the rewards program"),
    f"DELETE {_RW_ME}/leave": OperationText("rewards_program_leave", "Leave the rewards program"),
    "GET /v1/{loyalty_club_slug}/rewards-program": OperationText(
        "rewards_program_show", "Show the rewards program's configuration"
    ),
    "PUT /v1/{loyalty_club_slug}/rewards-program": OperationText(
        "rewards_program_save", "Configure the rewards program"
    ),
    f"GET {_RW_REF}/status": OperationText("rewards_member_status", "Show a member's points status"),
    f"POST {_RW_MEMBER}/grant_points": OperationText("rewards_grant_points", "Grant points to a member"),
    f"POST {_RW_MEMBER}/corrections": OperationText("rewards_correct_points", "Correct a member's points"),
    f"DELETE {_RW_MEMBER}/transactions/{{transaction_id}}/cancel": OperationText(
        "rewards_transaction_cancel", "Cancel a points transaction"
    ),
    f"GET {_RW_MEMBER}/transactions": OperationText("rewards_transactions_list", "List a member's points transactions"),
    "POST /v3/{loyalty_club_slug}/transactions/points": OperationText(
        "transaction_points_create", "Post points from a point of sale"
    ),
    f"GET {_RW_CATALOGUE}": OperationText("rewards_list", "List the rewards catalogue"),
    f"POST {_RW_CATALOGUE}": OperationText("rewards_create", "Create a reward"),
    f"GET {_RW_CATALOGUE}/{{reward_id}}": OperationText("rewards_show", "Show a reward"),
    f"PATCH {_RW_CATALOGUE}/{{reward_id}}": OperationText("rewards_update", "Update a reward"),
    f"DELETE {_RW_CATALOGUE}/{{reward_id}}": OperationText("rewards_archive", "Archive a reward"),
    f"GET {_RW_REF}/rewards": OperationText("rewards_member_list", "List the rewards a member can purchase"),
    f"GET {_RW_REF}/rewards/purchased": OperationText("rewards_member_purchased", "List a member's purchased rewards"),
    f"POST {_RW_REF}/rewards/{{reward_id}}/purchase": OperationText("rewards_purchase", "Purchase a reward"),
    f"POST {_RW_REF}/rewards/{{reward_id}}/use": OperationText("rewards_use", "Use a purchased reward"),
    # Achievements and point multipliers
    "GET /v1/{loyalty_club_slug}/rewards-program/achievements": OperationText(
        "rewards_achievements_list", "List achievements"
    ),
    "POST /v1/{loyalty_club_slug}/rewards-program/achievements": OperationText(
        "rewards_achievements_create", "Create an achievement"
    ),
    "GET /v1/{loyalty_club_slug}/rewards-program/achievements/{achievement_id}": OperationText(
        "rewards_achievements_show", "Show an achievement"
    ),
    "PATCH /v1/{loyalty_club_slug}/rewards-program/achievements/{achievement_id}": OperationText(
        "rewards_achievements_update", "Update an achievement"
    ),
    "DELETE /v1/{loyalty_club_slug}/rewards-program/achievements/{achievement_id}": OperationText(
        "rewards_achievements_archive", "Archive an achievement"
    ),
    f"GET {_RW_REF}/status/achievements_summary": OperationText(
        "rewards_achievements_summary", "Show a member's achievements summary"
    ),
    "GET /v3/{loyalty_club_slug}/triggerer/point_multipliers": OperationText(
        "point_multipliers_list", "List point multipliers"
    ),
    "POST /v3/{loyalty_club_slug}/triggerer/point_multipliers": OperationText(
        "point_multipliers_create", "Create a point multiplier"
    ),
    "GET /v3/{loyalty_club_slug}/triggerer/point_multipliers/{multiplier_id}": OperationText(
        "point_multipliers_show", "Show a point multiplier"
    ),
    "PATCH /v3/{loyalty_club_slug}/triggerer/point_multipliers/{multiplier_id}": OperationText(
        "point_multipliers_update", "Update a point multiplier"
    ),
    "DELETE /v3/{loyalty_club_slug}/triggerer/point_multipliers/{multiplier_id}": OperationText(
        "point_multipliers_delete", "Delete a point multiplier"
    ),
    # Receipts
    "GET /v3/{loyalty_club_slug}/receipts/configuration": OperationText(
        "receipts_configuration_public", "Show the receipts configuration"
    ),
    f"GET {_RC_MEMBER}/submissions": OperationText("receipts_member_list", "List a member's receipt submissions"),
    f"GET {_RC_MEMBER}/submissions/{{submission_id}}": OperationText(
        "receipts_member_show", "Show a receipt submission"
    ),
    f"POST {_RC_MEMBER}/submissions": OperationText("receipts_member_create", "Submit a receipt"),
    f"PATCH {_RC_MEMBER}/submissions/{{submission_id}}": OperationText(
        "receipts_member_update", "Update a receipt submission's form"
    ),
    f"DELETE {_RC_MEMBER}/submissions/{{submission_id}}": OperationText(
        "receipts_member_delete", "Delete a receipt submission"
    ),
    f"GET {_RC_MEMBER}/limits_exceeded": OperationText("receipts_check_limits", "Check receipts limits exceeded"),
    "GET /v1/receipts/submissions": OperationText("receipts_submissions_list", "List receipt submissions"),
    "GET /v1/receipts/submissions/{submission_id}": OperationText(
        "receipts_submissions_show", "Show a receipt submission (management)"
    ),
    "PATCH /v1/receipts/submissions/{submission_id}": OperationText(
        "receipts_submissions_update", "Accept, reject or correct a receipt submission"
    ),
    "GET /v1/receipts/management/configuration": OperationText(
        "receipts_configuration_show", "Show receipts configuration"
    ),
    "PUT /v1/receipts/management/configuration": OperationText("receipts_configuration_save", "Configure receipts"),
    # Messaging API
    f"GET {_MSG}/settings": OperationText("messaging_settings_show", "Show messaging settings"),
    f"PUT {_MSG}/settings": OperationText("messaging_settings_update", "Update messaging settings"),
    f"GET {_MSG}/merge_properties": OperationText("messaging_merge_properties", "List merge properties"),
    f"GET {_MSG}/templates": OperationText("message_templates_list", "List templates"),
    f"POST {_MSG}/templates": OperationText("message_templates_create", "Create a template"),
    f"GET {_MSG}/templates/{{template_id}}": OperationText("message_templates_show", "Show a template"),
    f"PUT {_MSG}/templates/{{template_id}}": OperationText("message_templates_update", "Update a template"),
    f"DELETE {_MSG}/templates/{{template_id}}": OperationText("message_templates_destroy", "Destroy a template"),
    f"GET {_MSG}/sender_identities": OperationText("sender_identities_list", "List sender identities"),
    f"POST {_MSG}/sender_identities": OperationText("sender_identities_create", "Create a sender identity"),
    f"GET {_MSG}/sender_identities/{{identity_id}}": OperationText("sender_identities_show", "Show a sender identity"),
    f"PUT {_MSG}/sender_identities/{{identity_id}}": OperationText(
        "sender_identities_update", "Update a sender identity"
    ),
    f"DELETE {_MSG}/sender_identities/{{identity_id}}": OperationText(
        "sender_identities_destroy", "Destroy a sender identity"
    ),
    f"GET {_SVC}": OperationText("messages_list", "List messages"),
    f"POST {_SVC}": OperationText("messages_create", "Create a message"),
    f"GET {_SVC}/{{message_id}}": OperationText("messages_show", "Show a message"),
    f"PUT {_SVC}/{{message_id}}": OperationText("messages_update", "Update a message"),
    f"DELETE {_SVC}/{{message_id}}": OperationText("messages_delete", "Delete a message"),
    f"PUT {_SVC}/{{message_id}}/duplicate": OperationText("messages_duplicate", "Duplicate a message"),
    f"POST {_SVC}/{{message_id}}/sendings": OperationText("sendings_create", "Create a sending"),
    f"GET {_SVC}/sendings/{{sending_id}}": OperationText("sendings_show", "Show a sending"),
    f"PUT {_SVC}/sendings/{{sending_id}}": OperationText("sendings_update", "Update a sending"),
    f"PUT {_SVC}/sendings/{{sending_id}}/cancel": OperationText("sendings_cancel", "Cancel a sending"),
    f"GET {_SVC}/sendings/{{sending_id}}/dispatches": OperationText(
        "sendings_dispatches", "List a sending's dispatches"
    ),
    f"GET {_SVC}/sendings/{{sending_id}}/dispatches/members": OperationText(
        "sendings_dispatch_members", "List a sending's members"
    ),
    "GET /v1/messages_history": OperationText("messages_history_list", "List the messages history"),
    "GET /v1/members/me/messages_history": OperationText(
        "my_messages_history_list", "List the signed-in member's messages history"
    ),
    "POST /v3/{loyalty_club_slug}/links/generate": OperationText("links_generate", "Generate a short link"),
    "GET /s/{link_ref}": OperationText("links_visit", "Visit a short link"),
    "GET /s/{link_ref}/{recipient_ref}": OperationText("links_visit_tracked", "Visit a tracked short link"),
    "GET /s/open/{pixel}": OperationText("messages_open_pixel", "Record an e-mail open"),
    "GET /s/unsubscribe/{recipient_ref}": OperationText("messages_unsubscribe_page", "Show the unsubscribe page"),
    "POST /s/unsubscribe/{recipient_ref}": OperationText("messages_unsubscribe", "Unsubscribe in one click"),
    "POST /s/delivery/{club_id}/{channel}/sms_provider": OperationText(
        "messages_delivery_sms_provider", "Receive an SMS provider's delivery status"
    ),
    "POST /s/delivery/{club_id}/{channel}/webhook": OperationText(
        "messages_delivery_webhook", "Receive the messaging webhook's delivery status"
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
