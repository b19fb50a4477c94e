"""Every model module, imported so that ``Base.metadata`` is complete (Alembic, tests).

Not part of the ``db`` package, which imports no domain: this module sits above every domain."""

from __future__ import annotations

from loyaltyhub.auth import models as auth_models
from loyaltyhub.club_info import models as club_info_models
from loyaltyhub.clubs import models as clubs_models
from loyaltyhub.db.base import Base
from loyaltyhub.events import models as events_models
from loyaltyhub.exports import models as exports_models
from loyaltyhub.files import models as files_models
from loyaltyhub.idempotency import models as idempotency_models
from loyaltyhub.jobs import models as jobs_models
from loyaltyhub.member_offers import models as member_offers_models
from loyaltyhub.members import models as members_models
from loyaltyhub.members.account import models as member_account_models
from loyaltyhub.members.groups import models as member_groups_models
from loyaltyhub.members.identity import models as member_identity_models
from loyaltyhub.messaging import models as messaging_models
from loyaltyhub.offers import models as offers_models
from loyaltyhub.places import models as places_models
from loyaltyhub.reporting import models as reporting_models
from loyaltyhub.rewards import models as rewards_models
from loyaltyhub.stores import models as stores_models
from loyaltyhub.triggers import models as triggers_models
from loyaltyhub.webhooks import models as webhooks_models

__all__ = [
    "Base",
    "auth_models",
    "club_info_models",
    "clubs_models",
    "events_models",
    "exports_models",
    "files_models",
    "idempotency_models",
    "jobs_models",
    "member_account_models",
    "member_groups_models",
    "member_identity_models",
    "member_offers_models",
    "members_models",
    "messaging_models",
    "offers_models",
    "places_models",
    "reporting_models",
    "rewards_models",
    "stores_models",
    "triggers_models",
    "webhooks_models",
]
