"""The rules of files as plain data: the club's file kinds (the vendor's File schema), what may be
uploaded for what, and how a file's type is told from its first bytes."""

from __future__ import annotations

import re
from dataclasses import dataclass

# Part uploads may carry larger bodies than other requests (see http/middleware.BodySizeLimit).
UPLOAD_PART_PATHS = r"/v3/[^/]+/files/uploads/\d+/parts/\d+"
# A part is raw bytes: sent without a Content-Type, as application/octet-stream or as an image type.
PART_CONTENT_TYPES = ("", "application/octet-stream", "image/png", "image/jpeg", "image/gif")
# The deprecated Files API sends a whole file as a form, up to the same size as a part.
WHOLE_FILE_PATHS = r"/v3/[^/]+/files/(?:offers|collections)/\d+/[^/]+"
LARGE_BODY_PATHS = f"(?:{UPLOAD_PART_PATHS})|(?:{WHOLE_FILE_PATHS})"
LARGE_BODY_CONTENT_TYPES = (*PART_CONTENT_TYPES, "multipart/form-data")
MAX_PARTS = 10_000
IMAGE_TYPES = ("image/gif", "image/jpeg", "image/png")
_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
)
SNIFF_BYTES = 8


@dataclass(frozen=True)
class Size:
    identifier: str
    min_width: int | None
    min_height: int | None
    max_width: int | None
    max_height: int | None


@dataclass(frozen=True)
class FileKind:
    identifier: str
    ratio: str | None
    sizes: tuple[Size, ...]
    fileable_types: tuple[str, ...]
    type: str = "IMAGE"

    @property
    def original(self) -> Size:
        return next(size for size in self.sizes if size.identifier == "original")


def _fixed(
    identifier: str, ratio: str, base: tuple[int, int], thumb: tuple[int, int], types: tuple[str, ...]
) -> FileKind:
    return FileKind(
        identifier,
        ratio,
        (
            Size("base", base[0], base[1], base[0], base[1]),
            Size("thumbnail", thumb[0], thumb[1], thumb[0], thumb[1]),
            Size("original", base[0], base[1], None, None),
        ),
        types,
    )


def _background(identifier: str, types: tuple[str, ...]) -> FileKind:
    return FileKind(identifier, None, (Size("original", 1, 1, 2000, 2000),), types)


# The vendor's standard kinds (reference (g).1) and the template backgrounds of (g).3.
KINDS: dict[str, FileKind] = {
    kind.identifier: kind
    for kind in (
        _fixed("offer_default", "3:4", (600, 800), (225, 300), ("offers",)),
        _fixed("collection_cover_default", "2:1", (600, 300), (300, 150), ("collections",)),
        _background("offer_inline_template_background", ("offers",)),
        _background("offer_template_background", ("image_templates",)),
    )
}
FILEABLE_TYPES = ("offers", "collections", "image_templates")


def sniff(head: bytes) -> str | None:
    """The image type the first bytes of a file announce, or None."""
    return next((mime for magic, mime in _MAGIC if head.startswith(magic)), None)


def dimension_problems(kind: FileKind, width: int, height: int) -> list[tuple[str, str, dict[str, int]]]:
    """``(field, symbol, options)`` for an original image outside the kind's bounds."""
    size = kind.original
    problems: list[tuple[str, str, dict[str, int]]] = []
    for field, value, low, high in (
        ("width", width, size.min_width, size.max_width),
        ("height", height, size.min_height, size.max_height),
    ):
        if low is not None and value < low:
            problems.append((field, "greater_or_equal_to", {"count": low}))
        if high is not None and value > high:
            problems.append((field, "less_or_equal_to", {"count": high}))
    return problems


# --- resized versions (reference (g).1 "File sizes", "Cropping") -------------------------------------------

THUMBNAIL_SIDE = 300
MAX_RESIZE_PIXELS = 12_000_000
"""The largest original (after JPEG's reduced decoding) resized in the server: decoding holds ~3-4 bytes a pixel."""
_CROP_TO = re.compile(r"^\s*(\d{1,6})\s*,\s*(\d{1,6})\s*,\s*(\d{1,6})\s*,\s*(\d{1,6})\s*$")
Box = tuple[int, int, int, int]


def parse_crop_to(value: str) -> Box | None:
    """``x_top_left,y_top_left,x_bottom_right,y_bottom_right`` as a box, or None when malformed or empty."""
    found = _CROP_TO.match(value)
    if found is None:
        return None
    left, top, right, bottom = (int(group) for group in found.groups())
    return (left, top, right, bottom) if right > left and bottom > top else None


def crop_problem(box: Box, width: int, height: int) -> tuple[str, dict[str, int]] | None:
    """``(symbol, options)`` when the crop area is not inside a ``width`` × ``height`` image."""
    if box[2] > width or box[3] > height:
        return "outside_image", {"width": width, "height": height}
    return None


def _ratio(kind: FileKind) -> tuple[int, int] | None:
    if not kind.ratio:
        return None
    across, _, down = kind.ratio.partition(":")
    return int(across), int(down)


def centred_to_ratio(box: Box, ratio: tuple[int, int] | None) -> Box:
    """The largest part of ``box`` with the kind's ratio, centred (the vendor's gravity "center")."""
    left, top, right, bottom = box
    if ratio is None:
        return box
    width, height = right - left, bottom - top
    across, down = ratio
    if width * down > height * across:  # too wide: trim the sides
        kept = max(1, height * across // down)
        left += (width - kept) // 2
        return left, top, left + kept, bottom
    kept = max(1, width * down // across)
    top += (height - kept) // 2
    return left, top, right, top + kept


def thumbnail_size(width: int, height: int) -> tuple[int, int]:
    """The higher dimension shrunk to 300 px, the other keeping the ratio; smaller images are not shrunk."""
    longest = max(width, height)
    if longest <= THUMBNAIL_SIDE:
        return width, height
    return max(1, round(width * THUMBNAIL_SIDE / longest)), max(1, round(height * THUMBNAIL_SIDE / longest))


@dataclass(frozen=True)
class VersionPlan:
    box: Box
    """The area of the original the versions are made of."""
    sizes: tuple[tuple[str, tuple[int, int]], ...]
    """``(size_type, (width, height))`` of each version."""


def version_plan(kind: FileKind, width: int, height: int, crop_to: Box | None) -> VersionPlan | None:
    """What to make of an original of ``kind``: None for a kind without a fixed ``base`` size (backgrounds)."""
    base = next((s for s in kind.sizes if s.identifier == "base"), None)
    if base is None or base.min_width is None or base.min_height is None:
        return None
    box = centred_to_ratio(crop_to or (0, 0, width, height), _ratio(kind))
    base_size = (base.min_width, base.min_height)
    return VersionPlan(box, (("base", base_size), ("thumbnail", thumbnail_size(*base_size))))
