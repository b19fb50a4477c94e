"""HTTP routes of the member_offers domain (thin handlers over the service)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
