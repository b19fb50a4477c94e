"""The rules of files as plain data: the club's file kinds (the vendor's File schema), what may be
uploaded for what, and how a file's type is told from its first bytes."""

from __future__ import annotations

from dataclasses import dataclass

# Part uploads may carry larger bodies than other requests (see http/middleware.BodySizeLimit).
UPLOAD_PART_PATHS = r"/v3/[^/]+/files/uploads/\d+/parts/\d+"
# A part is raw bytes: sent without a Content-Type, as application/octet-stream or as an image type.
PART_CONTENT_TYPES = ("", "application/octet-stream", "image/png", "image/jpeg", "image/gif")
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
