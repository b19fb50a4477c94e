from __future__ import annotations

from typing import Annotated

from pydantic import Field, StrictInt

from loyaltyhub.offers.fields import EmbeddedImageTemplate
from loyaltyhub.schemas import StrictModel


class PreviewRequest(StrictModel):
    image_template: EmbeddedImageTemplate
    offer_id: Annotated[StrictInt, Field(ge=1)] | None = Field(
        default=None, description="Fill the merge fields from this offer; without it they are drawn as written."
    )
