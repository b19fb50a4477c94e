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


def is_known(name: str) -> bool:
    return name in _REGISTRY


# --- Members (BL) --------------------------------------------------------------------------------
MEMBERS_CREATE = permit("BL:Api:Members:Create", "Create members (Public API sign-up)")
MEMBERS_OAUTH = permit("BL:Api:Members:OAuth", "Issue, inspect and revoke member tokens; one-time passwords")
MEMBERS_SHOW = permit("BL:Api:Members:Show", "Show a member")
MEMBERS_UPDATE = permit("BL:Api:Members:Update", "Update a member (including banning)")
MEMBERS_DESTROY = permit("BL:Api:Members:Destroy", "Destroy (anonymise) a member")
MEMBERS_LIST = permit("BL:Api:Members:List", "List members")
MEMBERS_APP_TOKENS = permit("BL:Api:Members:AppTokens", "Register member push app tokens")
MEMBER_GROUPS_LIST = permit("BL:Api:Members:Groups:List", "List and show member groups")
MEMBER_GROUPS_CREATE = permit("BL:Api:Members:Groups:Create", "Create member groups")
MEMBER_GROUPS_UPDATE = permit("BL:Api:Members:Groups:Update", "Update member groups")
MEMBER_GROUPS_DESTROY = permit("BL:Api:Members:Groups:Destroy", "Destroy member groups")
MEMBER_GROUPS_MEMBERS = permit("BL:Api:Members:Groups:Members", "Add members to and remove them from groups")
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
IMAGE_TEMPLATES_DESTROY = permit("Offers:Api:ImageTemplates:Destroy", "Destroy image templates")

# --- Member offers (Public API) -------------------------------------------------------------------
MEMBER_OFFERS_LIST = permit("Offers:Api:MemberOffers:List", "List, show and count a member's offers")
MEMBER_OFFERS_USE = permit("Offers:Api:MemberOffers:Use", "Use an offer")
MEMBER_OFFERS_LIKE = permit("Offers:Api:MemberOffers:Like", "Like and unlike offers")
MEMBER_OFFERS_EVENTS = permit("Offers:Api:MemberOffers:Events", "Register offer seen/clicked events")
SCOPE_STANDARD = permit("Offers:Api:Scopes:Standard", "Offers of the standard scope")
SCOPE_INFORMATIONAL = permit("Offers:Api:Scopes:Informational", "Offers of the informational scope")
SCOPE_PARKING = permit("Offers:Api:Scopes:Parking", "Offers of the parking scope")
SCOPE_CARBON_OFFSET = permit("Offers:Api:Scopes:CarbonOffset", "Offers of the carbon_offset scope")
SCOPE_REWARD = permit("Offers:Api:Scopes:Reward", "Offers of the reward scope")
SCOPE_PERMITS = {
    "standard": SCOPE_STANDARD,
    "informational": SCOPE_INFORMATIONAL,
    "parking": SCOPE_PARKING,
    "carbon_offset": SCOPE_CARBON_OFFSET,
    "reward": SCOPE_REWARD,
}

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


def _with_prefix(*prefixes: str) -> frozenset[str]:
    return frozenset(name for name in _REGISTRY if name.startswith(prefixes))


ROLES: dict[str, frozenset[str]] = {
    "admin": frozenset(_REGISTRY),
    "offers_manager": _with_prefix("Offers:Api:")
    | {MEMBERS_LIST, MEMBERS_SHOW, MEMBER_GROUPS_LIST, STORES_LIST, STORES_CREATE, STORES_UPDATE},
    "analyst": _with_prefix("Reporting:Api:") | {OFFERS_LIST, COLLECTIONS_LIST, MEMBERS_LIST, STORES_LIST},
}
