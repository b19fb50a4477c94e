"""Every model module, imported so that ``Base.metadata`` is complete (Alembic, tests).

Not part of the ``db`` package, which imports no domain: this module sits above every domain."""

from __future__ import annotations

from loyaltyhub.auth import models as auth_models
from loyaltyhub.clubs import models as clubs_models
from loyaltyhub.db.base import Base
from loyaltyhub.exports import models as exports_models
from loyaltyhub.idempotency import models as idempotency_models
from loyaltyhub.jobs import models as jobs_models
from loyaltyhub.member_offers import models as member_offers_models
from loyaltyhub.members import models as members_models
from loyaltyhub.offers import models as offers_models
from loyaltyhub.places import models as places_models
from loyaltyhub.reporting import models as reporting_models
from loyaltyhub.stores import models as stores_models

__all__ = [
    "Base",
    "auth_models",
    "clubs_models",
    "exports_models",
    "idempotency_models",
    "jobs_models",
    "member_offers_models",
    "members_models",
    "offers_models",
    "places_models",
    "reporting_models",
    "stores_models",
]
