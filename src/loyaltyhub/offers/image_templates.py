"""ImageTemplate records (reference C.8): a club's reusable templates for offer images.

At most one template per club is the ``default``: marking one un-marks the previous default.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, Field, StrictBool
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from loyaltyhub.db.base import utcnow
from loyaltyhub.db.tenancy import in_club
from loyaltyhub.errors import ValidationFailed
from loyaltyhub.offers.fields import MicroTime, Pixels, Rectangle, Rectangles, Url, full_shape
from loyaltyhub.offers.models import ImageTemplate
from loyaltyhub.schemas import NotNull, PaginationInfo, ReadOnlyKeys, StrictModel, UpdateModel, sent_fields


class ImageTemplateCreate(StrictModel):
    envelope = "image_template"  # the older docs' body (reference (g).4)
    name: Annotated[str, Field(min_length=1, max_length=255)]
    default: StrictBool = False
    width: Pixels
    height: Pixels
    background_url: Url | None = None
    rectangles: Rectangles = Field(default_factory=list)


class ImageTemplateUpdate(UpdateModel):
    read_only_keys = ReadOnlyKeys(fixed=("id", "created_at", "updated_at"))
    envelope = "image_template"  # the older docs' body (reference (g).4)

    name: Annotated[str, Field(min_length=1, max_length=255)] | None = NotNull()
    default: StrictBool | None = NotNull()
    width: Pixels | None = NotNull()
    height: Pixels | None = NotNull()
    background_url: Url | None = None
    rectangles: Rectangles | None = NotNull()


class ImageTemplateOut(BaseModel):
    id: int
    name: str
    width: int
    height: int
    background_url: str | None
    default: bool
    rectangles: list[dict[str, Any]]
    created_at: MicroTime
    updated_at: MicroTime


class ImageTemplatesPage(BaseModel):
    image_templates: list[ImageTemplateOut]
    pagination_info: PaginationInfo


def present(template: ImageTemplate) -> ImageTemplateOut:
    return ImageTemplateOut(
        id=template.id,
        name=template.name,
        width=template.width,
        height=template.height,
        background_url=template.background_url,
        default=template.is_default,
        rectangles=[full_shape(Rectangle, r) for r in template.rectangles or []],
        created_at=template.created_at,
        updated_at=template.updated_at,
    )


def club_templates(club_id: int) -> Any:
    return select(ImageTemplate).where(in_club(ImageTemplate, club_id))


def _unmark_default(session: Session, club_id: int, keep_id: int | None) -> None:
    statement = update(ImageTemplate).where(in_club(ImageTemplate, club_id), ImageTemplate.is_default.is_(True))
    if keep_id is not None:
        statement = statement.where(ImageTemplate.id != keep_id)
    session.execute(statement.values(is_default=False).execution_options(synchronize_session="fetch"))


def create_template(session: Session, club_id: int, body: ImageTemplateCreate) -> ImageTemplate:
    values = body.model_dump()
    if values["default"]:
        _unmark_default(session, club_id, None)
    now = utcnow()
    template = ImageTemplate(
        loyalty_club_id=club_id,
        created_at=now,
        updated_at=now,
        name=values["name"],
        width=values["width"],
        height=values["height"],
        background_url=values["background_url"],
        is_default=values["default"],
        rectangles=values["rectangles"],
    )
    session.add(template)
    session.flush()
    return template


def update_template(session: Session, template: ImageTemplate, body: ImageTemplateUpdate) -> ImageTemplate:
    patch = sent_fields(body)
    for field in ("name", "width", "height", "default", "rectangles"):
        if field in patch and patch[field] is None:
            raise ValidationFailed.at((field,), "blank")
    if patch.get("default"):
        _unmark_default(session, template.loyalty_club_id, template.id)
    if "default" in patch:
        template.is_default = patch.pop("default")
    for field, value in patch.items():
        setattr(template, field, value)
    template.updated_at = utcnow()
    session.flush()
    return template


def destroy_template(session: Session, template: ImageTemplate) -> None:
    """Offers keep their copies (``image_template`` is a copy, not a reference)."""
    session.delete(template)
    session.flush()
