"""The offer editor's image template preview: the template typed in the form, drawn by the offer images'
renderer exactly as the Management API's Preview Offer Image Template draws it (``PreviewRequest``,
``offer_images.service.render_for``), for the offer being edited when there is one. Nothing is saved."""

from __future__ import annotations

import json
from typing import Any

from fastapi import Request
from sqlalchemy.orm import Session

from loyaltyhub.auth.context import ClubAccess
from loyaltyhub.console import forms
from loyaltyhub.errors import ValidationFailed
from loyaltyhub.files.dependencies import storage_of
from loyaltyhub.offer_images import service
from loyaltyhub.offer_images.schemas import PreviewRequest


def preview(request: Request, session: Session, access: ClubAccess, raw_template: str, raw_offer_id: str) -> Any:
    """The rendered PNG (with the renderer's notes), or the API's 422 (``image_template.…`` paths)."""
    try:
        template = json.loads(raw_template) if raw_template.strip() else None
    except ValueError:
        raise ValidationFailed.at(("image_template",), "invalid_type", expected="object")
    if template is None:
        raise ValidationFailed.at(("image_template",), "blank")
    offer_id = forms.integer(raw_offer_id) if raw_offer_id.strip() else None
    body = forms.parse_model(PreviewRequest, {"image_template": template, "offer_id": offer_id})
    offer = service.offer_or_404(session, access.club, body.offer_id) if body.offer_id is not None else None
    typed = body.image_template.model_dump(exclude_unset=True)
    typed["rectangles"] = [r.model_dump(exclude_unset=True) for r in body.image_template.rectangles]
    settings = request.app.state.settings
    return service.render_for(session, storage_of(request), access.club, settings.fonts_dir, typed, offer)
