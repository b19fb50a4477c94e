"""Every permit the API knows, in the seeds' naming pattern, and the staff roles built from them.

A permit is a plain string; this module is the declarative registry that ``GET /v1/permits``,
``tokens create --all-permits`` and the roles read. Add a permit here when a route needs a new one.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PermitInfo:
    name: str
    description: str


_REGISTRY: dict[str, PermitInfo] = {}


def permit(name: str, description: str) -> str:
    _REGISTRY[name] = PermitInfo(name, description)
    return name


def all_permits() -> list[PermitInfo]:
    return sorted(_REGISTRY.values(), key=lambda p: p.name)


def app_permits() -> list[str]:
    """The permits of a member app's client token (the demo app, ``tokens create --app-permits``): exactly
    :data:`MEMBER_APP`. An app's token ships inside the app and is public, so it carries what a member's own
    app needs (sign-up, sign-in, the member's own data through ``me`` and a member token, the club's public
    information) and nothing that reads or changes other members or the club's management data."""
    return sorted(MEMBER_APP)


def is_known(name: str) -> bool:
    return name in _REGISTRY


# --- Members (BL) --------------------------------------------------------------------------------
MEMBERS_CREATE = permit("BL:Api:Members:Create", "Create members (Public API sign-up)")
MEMBERS_OAUTH = permit("BL:Api:Members:OAuth", "Issue, inspect and revoke member tokens; one-time passwords")
MEMBERS_SHOW = permit("BL:Api:Members:Show", "Show a member")
MEMBERS_UPDATE = permit("BL:Api:Members:Update", "Update a member (including banning)")
MEMBERS_DESTROY = permit("BL:Api:Members:Destroy", "Destroy (anonymise) a member")
MEMBERS_LIST = permit("BL:Api:Members:List", "List members")
MEMBERS_ACT_AS = permit(
    "BL:Api:Members:ActAs",
    "Act on a member by id on the Public API (/members/{member_id}/...): back-ends and staff only; "
    "a member app's client token ships inside the app and must not carry it",
)
MEMBERS_APP_TOKENS = permit("BL:Api:Members:AppTokens", "Register member push app tokens")
MEMBER_GROUPS_LIST = permit("BL:Api:Members:Groups:List", "List and show member groups")
MEMBER_GROUPS_CREATE = permit("BL:Api:Members:Groups:Create", "Create member groups")
MEMBER_GROUPS_UPDATE = permit("BL:Api:Members:Groups:Update", "Update member groups")
MEMBER_GROUPS_DESTROY = permit("BL:Api:Members:Groups:Destroy", "Destroy member groups")
MEMBER_GROUPS_MEMBERS = permit("BL:Api:Members:Groups:Members", "Add members to and remove them from groups")
MEMBERS_CHECK = permit("BL:Api:Members:Check", "Public info of a member by id, e-mail or MSISDN")
MEMBERS_GROUPS = permit("BL:Api:Members:Groups", "List the groups of a member")
MEMBERS_VALIDATE = permit("BL:Api:Members:Validate", "Validate member data against the club's schema")
MEMBERS_MSISDNS_VERIFY = permit("BL:Api:Members:Msisdns:Verify", "Send and use MSISDN verification tokens")
MEMBERS_EMAILS_VERIFY = permit("BL:Api:Members:Emails:Verify", "Send and use e-mail verification tokens")
MEMBERS_TOKENS_CREATE = permit("BL:Api:Members:Tokens:Create", "Send password reset tokens")
MEMBERS_TOKENS_VERIFY = permit("BL:Api:Members:Tokens:Verify", "Verify password reset tokens")
MEMBERS_RESET_PASSWORD = permit("BL:Api:Members:ResetPassword", "Reset a password with a reset token")
MEMBERS_OAUTH_UPDATE_PASSWORD = permit(
    "BL:Api:Members:OAuth:UpdatePassword", "The signed-in member changes its password"
)
LOYALTY_CLUBS_LIST = permit("BL:Api:LoyaltyClubs:ListMine", "List the loyalty clubs the caller may access")
LOYALTY_CLUBS_GET = permit("BL:Api:LoyaltyClubs:Get", "Show a loyalty club")
SCHEMA_GET = permit("BL:Api:Schema:Get", "Show the member schema of a loyalty club")
PRODUCTS_INDEX = permit("BL:Api:Products:Index", "List the products (channels) of a loyalty club")
LEGAL_INFORMATION_GET = permit("BL:Api:LegalInformation:Get", "Show the legal information of a loyalty club")
LEGAL_INFORMATION_UPDATE = permit("BL:Api:LegalInformation:Update", "Set the legal information of a loyalty club")
TRANSLATIONS_INDEX = permit("Translations:Api:Index", "List the translations of a loyalty club")
TRANSLATIONS_UPDATE = permit("Translations:Api:Update", "Set the translations of a loyalty club")
PROGRAMS_LIST = permit("BL:Api:Programs:List", "List and show the active programs of a loyalty club")
PROGRAMS_MANAGE_LIST = permit("BL:Api:Programs:Manage:List", "List and show every program, inactive ones too")
PROGRAMS_CREATE = permit("BL:Api:Programs:Create", "Create programs")
PROGRAMS_UPDATE = permit("BL:Api:Programs:Update", "Update programs")
PROGRAMS_DESTROY = permit("BL:Api:Programs:Destroy", "Destroy programs")
STORES_LIST = permit("BL:Api:Stores:List", "List and show stores")
STORES_CREATE = permit("BL:Api:Stores:Create", "Create stores")
STORES_UPDATE = permit("BL:Api:Stores:Update", "Update stores")
STORES_DESTROY = permit("BL:Api:Stores:Destroy", "Destroy stores")

# --- Offers management -----------------------------------------------------------------------------
OFFERS_LIST = permit("Offers:Api:Offers:List", "List and show offers")
OFFERS_LIST_GROUPS = permit("Offers:Api:Offers:ListGroups", "List offers grouped by an attribute")
OFFERS_CREATE = permit("Offers:Api:Offers:Create", "Create offers")
OFFERS_UPDATE = permit("Offers:Api:Offers:Update", "Update offers")
OFFERS_CLONE = permit("Offers:Api:Offers:Clone", "Clone offers")
OFFERS_ARCHIVE = permit("Offers:Api:Offers:Archive", "Archive offers")
OFFERS_GRANT = permit("Offers:Api:Offers:Grant", "Grant offers to members")
COLLECTIONS_LIST = permit("Offers:Api:Collections:List", "List and show collections")
COLLECTIONS_CREATE = permit("Offers:Api:Collections:Create", "Create collections")
COLLECTIONS_UPDATE = permit("Offers:Api:Collections:Update", "Update collections and their order")
COLLECTIONS_ARCHIVE = permit("Offers:Api:Collections:Archive", "Archive collections")
IMAGE_TEMPLATES_LIST = permit("Offers:Api:ImageTemplates:List", "List and show image templates")
IMAGE_TEMPLATES_CREATE = permit("Offers:Api:ImageTemplates:Create", "Create image templates")
IMAGE_TEMPLATES_UPDATE = permit("Offers:Api:ImageTemplates:Update", "Update image templates")
IMAGE_TEMPLATES_PREVIEW = permit("Offers:Api:ImageTemplates:Preview", "Render the image of a template (preview)")
IMAGE_TEMPLATES_DESTROY = permit("Offers:Api:ImageTemplates:Destroy", "Destroy image templates")

# --- Files -----------------------------------------------------------------------------------------
FILES_GET_SCHEMA = permit("Files:Api:GetSchema", "Show the file schema (file kinds) of a club")
FILES_CREATE = permit("Files:Api:Create", "Upload files (start, parts, finish)")
FILES_UPDATE = permit("Files:Api:Update", "Activate uploaded files")
FILES_LIST = permit("Files:Api:Files:List", "List, show and download file records")
FILES_DESTROY = permit("Files:Api:Files:Destroy", "Destroy (deactivate) file records")
FILES_REPROCESS = permit("Files:Api:Reprocess", "Make a file's resized versions again from a new crop_to")
FILES_DELETE = permit("Files:Api:Delete", "Delete a fileable's file of a kind (the deprecated Files API)")

# --- Member offers (Public API) -------------------------------------------------------------------
MEMBER_OFFERS_LIST = permit("Offers:Api:MemberOffers:List", "List, show and count a member's offers")
MEMBER_OFFERS_USE = permit("Offers:Api:MemberOffers:Use", "Use an offer")
MEMBER_OFFERS_LIKE = permit("Offers:Api:MemberOffers:Like", "Like and unlike offers")
MEMBER_OFFERS_EVENTS = permit("Offers:Api:MemberOffers:Events", "Register offer seen/clicked events")
MEMBER_OFFERS_ENCODE = permit(
    "Offers:Api:MemberOffers:Encode", "Encode an offer the member is using (a code a store scans)"
)
OFFER_CODES_VALIDATE = permit(
    "Offers:Api:OfferCodes:Validate", "Validate a member's encoded offer code (stores, tills)"
)
SCOPE_STANDARD = permit("Offers:Api:Scopes:Standard", "Offers of the standard scope")
SCOPE_INFORMATIONAL = permit("Offers:Api:Scopes:Informational", "Offers of the informational scope")
SCOPE_PARKING = permit("Offers:Api:Scopes:Parking", "Offers of the parking scope")
SCOPE_CARBON_OFFSET = permit("Offers:Api:Scopes:CarbonOffset", "Offers of the carbon_offset scope")
SCOPE_REWARD = permit("Offers:Api:Scopes:Reward", "Offers of the reward scope")
MANAGEMENT_ONLY = frozenset({MEMBERS_ACT_AS, OFFER_CODES_VALIDATE})
"""Permits never given to a member app's token by default (the demo app, ``tokens create --app``)."""
SCOPE_PERMITS = {
    "standard": SCOPE_STANDARD,
    "informational": SCOPE_INFORMATIONAL,
    "parking": SCOPE_PARKING,
    "carbon_offset": SCOPE_CARBON_OFFSET,
    "reward": SCOPE_REWARD,
}

# --- Messaging (vendor-docs-platform §1) ----------------------------------------------------------
MESSAGES_CREATE = permit("Messages:Api:Messages:Create", "Create and duplicate messages")
MESSAGES_GET = permit("Messages:Api:Messages:Get", "Show messages")
MESSAGES_INDEX = permit("Messages:Api:Messages:Index", "List messages")
MESSAGES_UPDATE = permit("Messages:Api:Messages:Update", "Update messages")
MESSAGES_DESTROY = permit("Messages:Api:Messages:Destroy", "Delete messages")
MESSAGES_USE_CAMPAIGNS = permit("Messages:Api:Messages:UseService:Campaigns", "Use the campaigns service")
MESSAGES_USE_TENANTS = permit("Messages:Api:Messages:UseService:Tenants", "Use the tenants service")
MESSAGES_USE_TENANTS_TESTING = permit(
    "Messages:Api:Messages:UseService:TenantsTesting", "Use the tenants_testing service"
)
MESSAGES_USE_OTP = permit("Messages:Api:Messages:UseService:Otp", "Use the otp system service")
MESSAGES_USE_REWARDS_NOTIFICATIONS = permit(
    "Messages:Api:Messages:UseService:RewardsNotifications", "Use the rewards_notifications system service"
)
SENDINGS_CREATE = permit("Messages:Api:Sendings:Create", "Create sendings")
SENDINGS_GET = permit("Messages:Api:Sendings:Get", "Show sendings")
SENDINGS_UPDATE = permit("Messages:Api:Sendings:Update", "Update and cancel sendings")
SENDINGS_SET_PRIORITY = permit("Messages:Api:Sendings:SetPriority", "Set a sending's priority")
SENDINGS_WITHOUT_CONSENTS_CHECKS = permit(
    "Messages:Api:Sendings:WithoutConsentsChecks", "Mark a message explicitly marketing or non-marketing"
)
DISPATCHES_LIST = permit("Messages:Api:Dispatches:List", "List a sending's dispatches")
DISPATCHES_MEMBERS = permit("Messages:Api:Dispatches:Members:Index", "List a sending's distinct members")
MESSAGING_SETTINGS_SHOW = permit("Messages:Api:Settings:Show", "Show the club's messaging settings")
MESSAGING_SETTINGS_UPDATE = permit("Messages:Api:Settings:Update", "Change the club's messaging settings")
MESSAGE_TEMPLATES_INDEX = permit("Messages:Api:Templates:Index", "List message templates")
MESSAGE_TEMPLATES_GET = permit("Messages:Api:Templates:Get", "Show message templates")
MESSAGE_TEMPLATES_CREATE = permit("Messages:Api:Templates:Create", "Create message templates")
MESSAGE_TEMPLATES_UPDATE = permit("Messages:Api:Templates:Update", "Update message templates")
MESSAGE_TEMPLATES_DESTROY = permit("Messages:Api:Templates:Destroy", "Destroy message templates")
MERGE_PROPERTIES_INDEX = permit("Messages:Api:MergeProperties:Index", "List merge properties")
SENDER_IDENTITIES_INDEX = permit("Messages:Api:SenderIdentities:Index", "List and show sender identities")
SENDER_IDENTITIES_CREATE = permit("Messages:Api:SenderIdentities:Create", "Create sender identities")
SENDER_IDENTITIES_UPDATE = permit("Messages:Api:SenderIdentities:Update", "Update sender identities")
SENDER_IDENTITIES_DESTROY = permit("Messages:Api:SenderIdentities:Destroy", "Destroy sender identities")
MESSAGES_HISTORY_LIST = permit("BL:Api:MessagesHistory:List", "List the messages sent to members (history)")
MEMBER_MESSAGES_HISTORY_LIST = permit(
    "BL:Api:Members:OAuth:MessagesHistory:List", "List the messages sent to the signed-in member"
)
LINKS_GENERATE = permit("BL:Api:Links:Generate", "Generate a short link for any URL")
# --- Rewards program (reference (a).1-(a).11; management names in the same pattern) --------------
REWARDS_PROGRAM_INFO = permit("Rewards:Api:Program:GetInfo", "Show the rewards program (achievements, levels)")
REWARDS_JOIN = permit("Rewards:Api:OAuth:Memberships:Create", "Join the rewards program (signed-in member)")
REWARDS_LEAVE = permit("Rewards:Api:OAuth:Memberships:Delete", "Leave the rewards program (signed-in member)")
REWARDS_MY_STATUS = permit("Rewards:Api:OAuth:Memberships:CheckStatus", "The signed-in member's points status")
REWARDS_STATUS = permit("Rewards:Api:Memberships:CheckStatus", "A member's points status, by member id")
REWARDS_LIST = permit("Rewards:Api:OAuth:Rewards:List", "List the rewards a member can purchase")
REWARDS_LIST_PURCHASED = permit("Rewards:Api:OAuth:Rewards:ListPurchased", "List a member's purchased rewards")
REWARDS_PURCHASE = permit("Rewards:Api:OAuth:Rewards:Purchase", "Purchase a reward with points")
REWARDS_USE = permit("Rewards:Api:OAuth:Rewards:Use", "Use a purchased reward")
REWARDS_LIST_BY_ID = permit("Rewards:Api:Rewards:List", "List the rewards a member (by id) can purchase")
REWARDS_LIST_PURCHASED_BY_ID = permit("Rewards:Api:Rewards:ListPurchased", "List a member's (by id) purchased rewards")
REWARDS_PURCHASE_BY_ID = permit("Rewards:Api:Rewards:Purchase", "Purchase a reward for a member (by id)")
REWARDS_USE_BY_ID = permit("Rewards:Api:Rewards:Use", "Use a member's (by id) purchased reward")
REWARDS_GRANT_POINTS = permit("Rewards:Api:GrantPoints", "Grant points to a member")
REWARDS_TRANSACTIONS_CANCEL = permit("Rewards:Api:Transactions:Cancel", "Cancel a points transaction")
REWARDS_TRANSACTIONS_CORRECT = permit("Rewards:Api:Transactions:Correct", "Correct a member's points")
REWARDS_TRANSACTIONS_LIST = permit("Rewards:Api:Transactions:List", "List a member's points transactions")
REWARDS_PROGRAM_SHOW = permit("Rewards:Api:Management:Program:Show", "Show the rewards program's configuration")
REWARDS_PROGRAM_UPDATE = permit("Rewards:Api:Management:Program:Update", "Configure the rewards program")
REWARDS_CATALOGUE_LIST = permit("Rewards:Api:Management:Rewards:List", "List and show the rewards catalogue")
REWARDS_CATALOGUE_CREATE = permit("Rewards:Api:Management:Rewards:Create", "Create rewards")
REWARDS_CATALOGUE_UPDATE = permit("Rewards:Api:Management:Rewards:Update", "Update rewards (price, stock...)")
REWARDS_CATALOGUE_DESTROY = permit("Rewards:Api:Management:Rewards:Destroy", "Archive rewards")
TRANSACTION_POINTS_CREATE = permit("Transaction:Api:Points:Create", "Post point-of-sale points transactions")
REWARDS_ACHIEVEMENTS_LIST = permit("Rewards:Api:Management:Achievements:List", "List and show achievements")
REWARDS_ACHIEVEMENTS_CREATE = permit("Rewards:Api:Management:Achievements:Create", "Create achievements")
REWARDS_ACHIEVEMENTS_UPDATE = permit("Rewards:Api:Management:Achievements:Update", "Update achievements")
REWARDS_ACHIEVEMENTS_DESTROY = permit("Rewards:Api:Management:Achievements:Destroy", "Archive achievements")
POINT_MULTIPLIERS_LIST = permit("Triggerer:Api:PointMultipliers:List", "List and show point multipliers")
POINT_MULTIPLIERS_CREATE = permit("Triggerer:Api:PointMultipliers:Create", "Create point multipliers")
POINT_MULTIPLIERS_UPDATE = permit("Triggerer:Api:PointMultipliers:Update", "Update point multipliers")
POINT_MULTIPLIERS_DESTROY = permit("Triggerer:Api:PointMultipliers:Destroy", "Delete point multipliers")
# --- Receipts (vendor-docs-platform §3: the management permits' pattern; the others in the same style) ---
RECEIPTS_CONFIGURATION = permit("Receipt:Api:Configuration:Show", "Show the club's receipts configuration (apps)")
RECEIPTS_MY_LIST = permit("Receipt:Api:OAuth:Submissions:List", "List and show the member's receipt submissions")
RECEIPTS_MY_CREATE = permit("Receipt:Api:OAuth:Submissions:Create", "Submit a receipt (signed-in member)")
RECEIPTS_MY_UPDATE = permit("Receipt:Api:OAuth:Submissions:Update", "Complete a receipt submission's form")
RECEIPTS_MY_DELETE = permit("Receipt:Api:OAuth:Submissions:Delete", "Withdraw a receipt submission")
RECEIPTS_MY_LIMITS = permit("Receipt:Api:OAuth:Submissions:CheckLimits", "Check the member's receipts limits")
RECEIPTS_LIST_BY_ID = permit("Receipt:Api:Submissions:List", "List and show a member's (by id) receipt submissions")
RECEIPTS_CREATE_BY_ID = permit("Receipt:Api:Submissions:Create", "Submit a receipt for a member (by id)")
RECEIPTS_UPDATE_BY_ID = permit("Receipt:Api:Submissions:Update", "Complete a member's (by id) submission form")
RECEIPTS_DELETE_BY_ID = permit("Receipt:Api:Submissions:Delete", "Withdraw a member's (by id) receipt submission")
RECEIPTS_LIMITS_BY_ID = permit("Receipt:Api:Submissions:CheckLimits", "Check a member's (by id) receipts limits")
RECEIPTS_MANAGEMENT_LIST = permit("Receipt:Api:Management:Submissions:List", "List and show receipt submissions")
RECEIPTS_MANAGEMENT_UPDATE = permit(
    "Receipt:Api:Management:Submissions:Update", "Accept, reject and correct receipt submissions"
)
RECEIPTS_MANAGEMENT_CONFIGURATION_SHOW = permit(
    "Receipt:Api:Management:Configuration:Show", "Show the receipts configuration (management)"
)
RECEIPTS_MANAGEMENT_CONFIGURATION_UPDATE = permit(
    "Receipt:Api:Management:Configuration:Update", "Change the receipts configuration"
)
TRANSACTION_POINTS_GET = permit("Transaction:Api:Points:Get", "Read a member's points per wallet")
TRANSACTION_POINTS_LIST = permit("Transaction:Api:Points:List", "List a member's point events (wallet view)")
# --- Member events, the Triggerer, webhooks (the vendor names none of these permits) --------------------
MEMBER_EVENTS_CREATE = permit("Data:Api:MemberEvents:Create", "Register member events (one member or in bulk)")
MEMBER_EVENTS_LIST = permit("Data:Api:MemberEvents:List", "List and show member events and the event types schema")
TRIGGERER_RULES_LIST = permit("Triggerer:Api:Rules:List", "List and show Triggerer rules, their log and dry runs")
TRIGGERER_RULES_CREATE = permit("Triggerer:Api:Rules:Create", "Create Triggerer rules")
TRIGGERER_RULES_UPDATE = permit("Triggerer:Api:Rules:Update", "Update, pause and start Triggerer rules")
TRIGGERER_RULES_DESTROY = permit("Triggerer:Api:Rules:Destroy", "Delete Triggerer rules")
WEBHOOKS_LIST = permit("Webhooks:Api:Subscriptions:List", "List and show webhook subscriptions and deliveries")
WEBHOOKS_CREATE = permit("Webhooks:Api:Subscriptions:Create", "Create webhook subscriptions")
WEBHOOKS_UPDATE = permit("Webhooks:Api:Subscriptions:Update", "Update webhook subscriptions, redeliver")
WEBHOOKS_DESTROY = permit("Webhooks:Api:Subscriptions:Destroy", "Delete webhook subscriptions")

# --- Reporting -------------------------------------------------------------------------------------
REPORTING_QUERY = permit("Reporting:Api:Query", "Use the Reporting API (query, metadata, field metadata)")
REPORTING_EXPORT = permit("Reporting:Api:Export", "Export reports to files")
REPORTING_GEO = permit("Reporting:Api:Geo", "Geo API: coordinates and places")
REPORT_MEMBERS = permit("Reporting:Api:Report:Members", "Report members")
REPORT_MEMBERS_COUNT = permit("Reporting:Api:Report:MembersCount", "Report members_count")
REPORT_MEMBERS_GROUPED_COUNT = permit("Reporting:Api:Report:MembersGroupedCount", "Report members_grouped_count")
REPORT_MEMBER_BALANCE = permit("Reporting:Api:Report:MemberBalance", "Report member_balance")
REPORT_MEMBERS_COUNT_SNAPSHOT = permit("Reporting:Api:Report:MembersCountSnapshot", "Report members_count_snapshot")
REPORT_MEMBERS_COUNT_HISTORY = permit("Reporting:Api:Report:MembersCountHistory", "Report members_count_history")
REPORT_OFFERS = permit("Reporting:Api:Report:Offers", "Report offers")
REPORT_OFFERS_COLLECTIONS = permit("Reporting:Api:Report:OffersCollections", "Report offers_collections")
REPORT_OFFERS_USAGES_HISTORY = permit("Reporting:Api:Report:OffersUsagesHistory", "Report offers_usages_history")
REPORT_OFFERS_EVENTS_HISTORY = permit("Reporting:Api:Report:OffersEventsHistory", "Report offers_events_history")
REPORT_OFFERS_USAGES_STATS = permit("Reporting:Api:Report:OffersUsagesStats", "Report offers_usages_stats")
REPORT_OFFERS_EVENTS_STATS = permit("Reporting:Api:Report:OffersEventsStats", "Report offers_events_stats")
REPORT_SENDINGS = permit("Reporting:Api:Report:Sendings", "Report sendings")
REPORT_SENDINGS_EVENTS_HISTORY = permit("Reporting:Api:Report:SendingsEventsHistory", "Report sendings_events_history")
REPORT_SENDINGS_RECIPIENTS_STATISTICS = permit(
    "Reporting:Api:Report:SendingsRecipientsStatistics", "Report sendings_recipients_statistics"
)
REPORT_SENDINGS_LINKS = permit("Reporting:Api:Report:SendingsLinks", "Report sendings_links")
REPORT_SENDINGS_LINKS_STATS = permit("Reporting:Api:Report:SendingsLinksStats", "Report sendings_links_stats")
REPORT_SENDINGS_STATS = permit("Reporting:Api:Report:SendingsStats", "Report sendings_stats")
REPORT_LINKS_VISITS_HISTORY = permit("Reporting:Api:Report:LinksVisitsHistory", "Report links_visits_history")
REPORT_TRANSACTIONS = permit("Reporting:Api:Report:Transactions", "Report transactions (points ledger records)")
REPORT_TRANSACTIONS_HISTORY = permit(
    "Reporting:Api:Report:TransactionsHistory", "Report transactions_history (points earned, spent, expired)"
)
REPORT_POINTS_BALANCES = permit("Reporting:Api:Report:PointsBalances", "Report points_balances (members' points)")
REPORT_MEMBER_EVENTS = permit("Reporting:Api:Report:MemberEvents", "Report member_events")
REPORT_MEMBER_EVENTS_HISTORY = permit("Reporting:Api:Report:MemberEventsHistory", "Report member_events_history")
REPORT_MEMBER_EVENTS_STATS = permit("Reporting:Api:Report:MemberEventsStats", "Report member_events_stats")


def _with_prefix(*prefixes: str) -> frozenset[str]:
    return frozenset(name for name in _REGISTRY if name.startswith(prefixes))


ROLES: dict[str, frozenset[str]] = {
    "admin": frozenset(_REGISTRY),
    "offers_manager": _with_prefix("Offers:Api:")
    | {MEMBERS_LIST, MEMBERS_SHOW, MEMBER_GROUPS_LIST, STORES_LIST, STORES_CREATE, STORES_UPDATE},
    "analyst": _with_prefix("Reporting:Api:") | {OFFERS_LIST, COLLECTIONS_LIST, MEMBERS_LIST, STORES_LIST},
}


MEMBER_APP = frozenset(
    {
        # the club's public information
        LOYALTY_CLUBS_GET,
        LOYALTY_CLUBS_LIST,
        SCHEMA_GET,
        PRODUCTS_INDEX,
        LEGAL_INFORMATION_GET,
        TRANSLATIONS_INDEX,
        PROGRAMS_LIST,
        STORES_LIST,
        FILES_GET_SCHEMA,
        # signing up and in; the member's account (``me``, with the member's token)
        MEMBERS_CREATE,
        MEMBERS_OAUTH,
        MEMBERS_CHECK,
        MEMBERS_VALIDATE,
        MEMBERS_APP_TOKENS,
        MEMBERS_EMAILS_VERIFY,
        MEMBERS_MSISDNS_VERIFY,
        MEMBERS_TOKENS_CREATE,
        MEMBERS_TOKENS_VERIFY,
        MEMBERS_RESET_PASSWORD,
        MEMBERS_OAUTH_UPDATE_PASSWORD,
        MEMBER_MESSAGES_HISTORY_LIST,
        MEMBER_EVENTS_CREATE,
        # the member's offers
        MEMBER_OFFERS_LIST,
        MEMBER_OFFERS_USE,
        MEMBER_OFFERS_LIKE,
        MEMBER_OFFERS_EVENTS,
        MEMBER_OFFERS_ENCODE,
        *SCOPE_PERMITS.values(),
        # the member's rewards and receipts (the signed-in member's forms, not the by-id ones)
        REWARDS_PROGRAM_INFO,
        REWARDS_JOIN,
        REWARDS_LEAVE,
        REWARDS_MY_STATUS,
        REWARDS_LIST,
        REWARDS_LIST_PURCHASED,
        REWARDS_PURCHASE,
        REWARDS_USE,
        RECEIPTS_CONFIGURATION,
        RECEIPTS_MY_LIST,
        RECEIPTS_MY_CREATE,
        RECEIPTS_MY_UPDATE,
        RECEIPTS_MY_DELETE,
        RECEIPTS_MY_LIMITS,
    }
)
"""What a member app's token carries by default (:func:`app_permits`): never :data:`MANAGEMENT_ONLY`, nor any
management permit (members by id or by e-mail, lists, reports, offers, messaging, webhooks, rules)."""
