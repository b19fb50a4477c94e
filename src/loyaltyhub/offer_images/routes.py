"""HTTP route of Preview Offer Image Template (Management API, reference (g).6): the PNG of an ImageTemplate,
for an offer or as written, saved nowhere. The vendor documents a GET with a JSON body; POST takes the same
body for clients that cannot send one with a GET."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request, Response

from loyaltyhub.auth import permits
from loyaltyhub.auth.context import ClubAccess
from loyaltyhub.auth.dependencies import ClubAuth
from loyaltyhub.files.dependencies import storage_of
from loyaltyhub.http.responses import errors
from loyaltyhub.http.routing import LoyaltyRouter
from loyaltyhub.http.session import SessionDep
from loyaltyhub.offer_images import service
from loyaltyhub.offer_images.schemas import PreviewRequest

router = LoyaltyRouter(prefix="/v3/{loyalty_club_slug}/offers/image_templates", tags=["Management API: offers"])

TemplatesPreview = Annotated[ClubAccess, Depends(ClubAuth(permits.IMAGE_TEMPLATES_PREVIEW))]
NOTES_HEADER = "X-Render-Notes"
# Documented as binary (the generated clients' File); the answer's Content-Type is image/png.
PNG = {
    200: {
        "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
        "description": "The PNG (sent as image/png)",
    }
}


def _preview(request: Request, access: ClubAccess, body: PreviewRequest, session: SessionDep) -> Response:
    offer = service.offer_or_404(session, access.club, body.offer_id) if body.offer_id is not None else None
    template = body.image_template.model_dump(exclude_unset=True)
    template["rectangles"] = [r.model_dump(exclude_unset=True) for r in body.image_template.rectangles]
    rendered = service.render_for(
        session, storage_of(request), access.club, request.app.state.settings.fonts_dir, template, offer
    )
    headers = {NOTES_HEADER: "; ".join(rendered.notes).encode("ascii", "replace").decode()} if rendered.notes else {}
    return Response(rendered.png, media_type="image/png", headers=headers)


@router.get("/preview", response_class=Response, responses={**PNG, **errors(401, 403, 404, 422)})
def preview_image_template(
    request: Request, access: TemplatesPreview, body: PreviewRequest, session: SessionDep
) -> Response:
    """Generates the image (``image/png``) of an ImageTemplate, for ``offer_id`` when given. What the
    renderer had to substitute (a web font drawn with a local one, a background it did not fetch) is in
    the ``X-Render-Notes`` header. A template it cannot draw is a 422 naming the key."""
    return _preview(request, access, body, session)


@router.post("/preview", response_class=Response, responses={**PNG, **errors(401, 403, 404, 422)})
def preview_image_template_post(
    request: Request, access: TemplatesPreview, body: PreviewRequest, session: SessionDep
) -> Response:
    """The same as the GET with a body: the PNG of an ImageTemplate, nothing saved."""
    return _preview(request, access, body, session)
