from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict


class ClubOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    slug: str
    name: str
    timezone: str
    country: str | None
    default_language: str
    languages: list[str]
    chain: str | None
    organization_id: int | None
    offer_active_seconds: int
    community_id: int | None = None
    created_at: datetime
