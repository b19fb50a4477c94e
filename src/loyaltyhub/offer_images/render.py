"""Rendering an ImageTemplate (reference (g).3) to a PNG: up to 4 rectangles of text drawn over an optional
background, each with its colour, padding, alignment, font size, weight, style and decoration. Merge fields
(``{{name}}``, ``{{description}}``, ``{{collection}}``, ``{{stores}}``) are filled from the offer.

Pure: a template (dict), the merge values, a background image and a font directory in, PNG bytes and notes
(substitutions the renderer had to make) out. A template it cannot draw raises ``ValidationFailed`` (422)
naming the key; nothing here answers a 500 for bad input.
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from PIL import Image, ImageColor, ImageDraw, ImageFont

from loyaltyhub.digits import decimal
from loyaltyhub.errors import ValidationFailed, details_tree
from loyaltyhub.offer_images.fonts import FontDir, FontUnavailable, truetype

MAX_RECTANGLES = 4
MAX_SIDE = 2000
MERGE_FIELDS = ("name", "description", "collection", "stores")
_MERGE = re.compile(r"{{\s*([A-Za-z_]+)\s*}}")
ALIGNS = ("left", "center", "right", "justify")
DECORATIONS = ("none", "underline", "overline", "line-through")
STYLES = ("normal", "italic", "oblique")
WEIGHTS = ("normal", "bold", "bolder", "lighter")
BACKGROUND = (255, 255, 255, 255)


class TemplateUnrenderable(ValidationFailed):
    """A 422 whose details point into ``image_template``."""


@dataclass
class Rendered:
    png: bytes
    notes: list[str] = field(default_factory=list)


Problems = list[tuple[tuple[str | int, ...], str, dict[str, Any]]]


def _int(rect: Mapping[str, Any], key: str, path: tuple, problems: Problems, *, low: int = 0) -> int:
    value = rect.get(key)
    if value is None:
        problems.append(((*path, key), "blank", {}))
        return 0
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= MAX_SIDE:
        problems.append(((*path, key), "invalid", {"in": f"{low}..{MAX_SIDE}"}))
        return 0
    return value


def check(template: Mapping[str, Any], root: tuple = ("image_template",)) -> Problems:
    """What makes a template impossible to draw, as details-tree entries."""
    problems: Problems = []
    _int(template, "width", root, problems, low=1)
    _int(template, "height", root, problems, low=1)
    rectangles = template.get("rectangles") or []
    if not isinstance(rectangles, list):
        return [*problems, ((*root, "rectangles"), "invalid_type", {"expected": "array"})]
    if len(rectangles) > MAX_RECTANGLES:
        problems.append(((*root, "rectangles"), "too_long", {"max_length": MAX_RECTANGLES}))
    for index, rect in enumerate(rectangles[:MAX_RECTANGLES]):
        path = (*root, "rectangles", index)
        if not isinstance(rect, Mapping):
            problems.append((path, "invalid_type", {"expected": "object"}))
            continue
        _int(rect, "offset_left", path, problems)
        _int(rect, "offset_top", path, problems)
        w = _int(rect, "width", path, problems, low=1)
        _int(rect, "height", path, problems, low=1)
        # A rectangle reaching past the image is clipped by it (the seed's own example does: 15 + 100 > 100).
        padding = rect.get("padding") or 0
        if not isinstance(padding, int) or isinstance(padding, bool) or padding < 0 or (w and 2 * padding >= w):
            problems.append(((*path, "padding"), "invalid", {}))
        content = rect.get("content") or ""
        for name in _MERGE.findall(content):
            if name not in MERGE_FIELDS:
                problems.append(((*path, "content"), "unknown_merge_field", {"field": name, "in": list(MERGE_FIELDS)}))
        if content.strip():
            _int(rect, "font_size", path, problems, low=1)
            try:
                ImageColor.getrgb(str(rect.get("color") or ""))
            except ValueError:
                problems.append(((*path, "color"), "invalid_format", {"format": "#RRGGBB"}))
        for key, allowed in (
            ("text_align", ALIGNS),
            ("text_decoration", DECORATIONS),
            ("font_style", STYLES),
            ("font_weight", WEIGHTS),
        ):
            value = rect.get(key)
            if (
                value is not None
                and value not in allowed
                and not (key == "font_weight" and decimal(str(value)) is not None)
            ):
                problems.append(((*path, key), "inclusion", {"in": list(allowed)}))
    return problems


def fill(content: str, values: Mapping[str, str] | None) -> str:
    """Merge fields filled from ``values``; without values (a preview without an offer) they stay as written."""
    if values is None:
        return content
    return _MERGE.sub(lambda m: values.get(m.group(1), ""), content)


def _wrap(text: str, font: ImageFont.FreeTypeFont, width: int) -> list[str]:
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        for word in paragraph.split(" "):
            candidate = f"{line} {word}" if line else word
            if font.getlength(candidate) <= width:
                line = candidate
                continue
            if line:
                lines.append(line)
            line = ""
            for char in word:  # a word wider than the box is broken where it must be
                if font.getlength(line + char) > width and line:
                    lines.append(line)
                    line = ""
                line += char
        lines.append(line)
    return lines


def _draw_rectangle(canvas: Image.Image, rect: Mapping[str, Any], text: str, fonts: FontDir, notes: list[str]) -> None:
    left, top, width, height = rect["offset_left"], rect["offset_top"], rect["width"], rect["height"]
    padding = rect.get("padding") or 0
    if not text.strip():
        return
    choice = fonts.choose(rect.get("font_family"), rect.get("font_weight"), rect.get("font_style"))
    notes.extend(note for note in choice.notes if note not in notes)
    font = truetype(str(choice.path), int(rect["font_size"]))
    color = ImageColor.getrgb(str(rect["color"]))
    color = (*color, 255) if len(color) == 3 else color
    inner = width - 2 * padding
    ascent, descent = font.getmetrics()
    line_height = ascent + descent
    thickness = max(1, round(int(rect["font_size"]) / 15))
    layer = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    align = rect.get("text_align") or "left"
    decoration = rect.get("text_decoration") or "none"
    y = padding
    for line in _wrap(text, font, inner):
        if y >= height - padding:
            break
        length = font.getlength(line)
        x = padding + {"center": (inner - length) / 2, "right": inner - length}.get(align, 0)
        draw.text((x, y), line, font=font, fill=color)
        if decoration != "none" and line:
            offset = {"underline": ascent + thickness, "overline": 0, "line-through": ascent * 0.65}[decoration]
            draw.line([(x, y + offset), (x + length, y + offset)], fill=color, width=thickness)
        y += line_height
    # Clipped to the rectangle minus its padding, as a box with overflow hidden.
    mask = Image.new("L", (width, height), 0)
    ImageDraw.Draw(mask).rectangle([padding, padding, width - padding - 1, height - padding - 1], fill=255)
    layer.putalpha(Image.composite(layer.getchannel("A"), mask.point(lambda _: 0), mask))
    visible = (min(width, canvas.width - left), min(height, canvas.height - top))
    if visible[0] > 0 and visible[1] > 0:
        canvas.alpha_composite(layer.crop((0, 0, *visible)), (left, top))


def render(
    template: Mapping[str, Any],
    values: Mapping[str, str] | None,
    *,
    fonts: FontDir,
    background: Image.Image | None = None,
) -> Rendered:
    """The PNG of ``template``: the background scaled to cover the image, then each rectangle's text."""
    problems = check(template)
    if problems:
        raise TemplateUnrenderable(details_tree(problems))
    size = (template["width"], template["height"])
    canvas = Image.new("RGBA", size, BACKGROUND)
    if background is not None:
        canvas.alpha_composite(_cover(background.convert("RGBA"), size))
    notes: list[str] = []
    for index, rect in enumerate(template.get("rectangles") or []):
        try:
            _draw_rectangle(canvas, rect, fill(rect.get("content") or "", values), fonts, notes)
        except FontUnavailable as missing:
            raise TemplateUnrenderable(
                details_tree(
                    [
                        (
                            ("image_template", "rectangles", index, "font_family"),
                            "font_unavailable",
                            {"reason": str(missing)},
                        )
                    ]
                )
            )
    out = io.BytesIO()
    canvas.convert("RGB").save(out, format="PNG", optimize=False)
    return Rendered(out.getvalue(), notes)


def _cover(image: Image.Image, size: tuple[int, int]) -> Image.Image:
    """Scale and centre-crop ``image`` to fill ``size`` (CSS ``background-size: cover``)."""
    scale = max(size[0] / image.width, size[1] / image.height)
    scaled = image.resize((max(1, round(image.width * scale)), max(1, round(image.height * scale))), Image.LANCZOS)
    left, top = (scaled.width - size[0]) // 2, (scaled.height - size[1]) // 2
    return scaled.crop((left, top, left + size[0], top + size[1]))
