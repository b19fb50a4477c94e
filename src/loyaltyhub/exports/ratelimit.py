"""Rate-limit costs of exports: the query's cost up front (enforced, like the query itself), then the
report's cost again for every further 1,000 rows written (not enforced: the bucket may go negative, so
the caller's next requests wait). Until the rate limiter lands these are no-ops."""

from __future__ import annotations

from fastapi import Request

from loyaltyhub.auth.dependencies import CustomerAccess


def charge_request(request: Request, access: CustomerAccess, cost: int) -> None:
    return None


def worker_charger(settings: object) -> None:
    return None
