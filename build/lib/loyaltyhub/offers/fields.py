"""Building blocks shared by the offers, image templates and collections schemas."""

from __future__ import annotations

import types
from datetime import UTC, datetime
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel, Field, PlainSerializer, StrictBool, StrictInt
from pydantic_core import PydanticUndefined

from loyaltyhub.schemas import StrictModel


def format_micro(value: datetime) -> str:
    """``2022-05-05T13:00:00.000000Z``: the seed's Offer model renders microseconds."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def format_milli(value: datetime) -> str:
    """``2021-09-22T10:41:45.872Z``: the seed's Collection model renders milliseconds."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:23] + "Z"


MicroTime = Annotated[datetime, PlainSerializer(format_micro, return_type=str)]
MilliTime = Annotated[datetime, PlainSerializer(format_milli, return_type=str)]

# LocalizedContent (reference B.6): {"en": "Hello", "no": "Hei"}; the keys are checked against the
# club's languages by the services (the schema cannot know the club).
LocalizedContent = dict[str, str]

Url = Annotated[str, Field(min_length=1, max_length=2048)]
ShortText = Annotated[str, Field(max_length=255)]
Pixels = Annotated[StrictInt, Field(ge=1, le=2000)]
MAX_RECTANGLES = 4


class Rectangle(StrictModel):
    """A TemplateRectangle (reference C.8): one text box drawn over the template's background."""

    name: ShortText | None = None
    color: Annotated[str, Field(pattern=r"^#[0-9A-Fa-f]{6}([0-9A-Fa-f]{2})?$")] | None = None
    width: Annotated[StrictInt, Field(ge=0, le=2000)] | None = None
    height: Annotated[StrictInt, Field(ge=0, le=2000)] | None = None
    number: StrictInt | None = None
    content: Annotated[str, Field(max_length=2000)] | None = None
    padding: Annotated[StrictInt, Field(ge=0, le=2000)] | None = None
    font_url: Url | None = None
    font_size: Annotated[StrictInt, Field(ge=1, le=2000)] | None = None
    font_style: ShortText | None = None
    offset_top: Annotated[StrictInt, Field(ge=0, le=2000)] | None = None
    text_align: Literal["left", "center", "right", "justify"] | None = None
    font_family: ShortText | None = None
    font_weight: ShortText | None = None
    offset_left: Annotated[StrictInt, Field(ge=0, le=2000)] | None = None
    text_decoration: ShortText | None = None


Rectangles = Annotated[list[Rectangle], Field(max_length=MAX_RECTANGLES)]


class EmbeddedImageTemplate(StrictModel):
    """An offer's ``image_template``: a copy of an ImageTemplate model, not a reference to a record."""

    width: Pixels
    height: Pixels
    default: StrictBool = False
    rectangles: Rectangles = Field(default_factory=list)
    background_url: Url | None = None


class FileDescriptor(StrictModel):
    """The File model as it appears in ``files`` (an uploaded, already processed image)."""

    url: Url
    width: Annotated[StrictInt, Field(ge=1)] | None = None
    height: Annotated[StrictInt, Field(ge=1)] | None = None
    kind: Annotated[str, Field(min_length=1, max_length=64)]
    size_type: Annotated[str, Field(min_length=1, max_length=32)] = "base"


def _nested(annotation: Any) -> tuple[type[BaseModel] | None, bool]:
    """The model a field holds (``X``, ``X | None``, ``list[X]``...) and whether it is a list of them."""
    origin = get_origin(annotation)
    if origin is Annotated:
        return _nested(get_args(annotation)[0])
    if origin in (Union, types.UnionType):
        for arg in get_args(annotation):
            if arg is not type(None):
                return _nested(arg)
    if origin is list:
        model, _ = _nested(get_args(annotation)[0])
        return model, True
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation, False
    return None, False


def full_shape(model: type[BaseModel], value: Any) -> Any:
    """A stored nested object with every key of ``model`` (the seed's definition), in the model's order:
    a key never sent (or stored before it existed) renders its default, or ``null``. Nested models and
    lists of them are completed the same way; anything that is not an object is returned as it is."""
    if not isinstance(value, dict):
        return value
    shaped: dict[str, Any] = {}
    for name, field in model.model_fields.items():
        if name in value:
            item = value[name]
        else:
            default = field.get_default(call_default_factory=True)
            item = None if default is PydanticUndefined else default
        inner, many = _nested(field.annotation)
        if inner is not None and item is not None:
            item = [full_shape(inner, i) for i in item] if many and isinstance(item, list) else full_shape(inner, item)
        shaped[name] = item
    return shaped
