"""Deterministic demo data: the ``infinity-mall`` club (Europe/Oslo, ``no``/``en``) and a second club.

``load_demo`` runs each domain's step in order; a step reads and extends the shared
:class:`DemoContext`. The same options (and seed) always produce the same data.
"""

from __future__ import annotations

import importlib
import random
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from loyaltyhub.clubs.models import LoyaltyClub
from loyaltyhub.db.base import utcnow

if TYPE_CHECKING:
    from loyaltyhub.ops.progress import StepProgress

# "module:function" per domain, run in this order.
DEMO_STEPS = (
    "loyaltyhub.demo.clubs:load",
    "loyaltyhub.stores.demo:load",
    "loyaltyhub.members.demo:load",
    "loyaltyhub.offers.demo:load",
    "loyaltyhub.member_offers.demo:load",
    "loyaltyhub.messaging.demo:load",
    "loyaltyhub.reporting.demo:load",
    "loyaltyhub.club_info.demo:load",  # draws no random numbers
    "loyaltyhub.rewards.demo:load",  # last: the earlier steps draw the same random numbers as before it
)


@dataclass(frozen=True)
class DemoOptions:
    members: int = 2000
    days: int = 90
    seed: int = 42
    # Members of the second club, as a share of the first.
    second_club_share: float = 0.25


@dataclass
class DemoContext:
    options: DemoOptions
    rng: random.Random
    now: datetime
    clubs: dict[str, LoyaltyClub] = field(default_factory=dict)
    credentials: dict[str, Any] = field(default_factory=dict)
    # Ids created by earlier steps, for later steps: e.g. data["member_ids"]["infinity-mall"].
    data: dict[str, Any] = field(default_factory=dict)


def database_is_empty(session: Session) -> bool:
    return session.execute(select(LoyaltyClub.id).limit(1)).first() is None


def _step(path: str) -> Any:
    module_name, _, function_name = path.partition(":")
    return getattr(importlib.import_module(module_name), function_name)


def step_name(path: str) -> str:
    """``loyaltyhub.members.demo:load`` → ``members``."""
    parts = path.partition(":")[0].split(".")
    return parts[-1] if parts[-1] != "demo" else parts[-2]


def load_demo(
    session: Session,
    options: DemoOptions | None = None,
    now: datetime | None = None,
    progress: StepProgress | None = None,
) -> dict[str, Any]:
    options = options or DemoOptions()
    context = DemoContext(options=options, rng=random.Random(options.seed), now=now or utcnow())
    for path in DEMO_STEPS:
        if progress is None:
            _step(path)(session, context)
            session.flush()
            continue
        with progress.step(step_name(path)):
            _step(path)(session, context)
            session.flush()
    return context.credentials
