"""Fonts for rendered offer images, from a directory of TrueType files (``LOYALTYHUB_FONTS_DIR``, by default
the DejaVu fonts of Debian's ``fonts-dejavu-core``/``fonts-dejavu-extra``).

A template names a CSS ``font_family`` and a ``font_url`` (a web font). Web fonts cannot be fetched by a
self-hosted, possibly offline server, so the family's generic keyword picks a local family (``serif`` →
DejaVu Serif, ``monospace`` → DejaVu Sans Mono, anything else → DejaVu Sans), weight and style pick its
face, and every substitution is reported as a note. A family without any face on disk is an error the
caller answers with a 422.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from PIL import ImageFont

from loyaltyhub.digits import decimal

# family → {(bold, italic): file name}
FACES: dict[str, dict[tuple[bool, bool], str]] = {
    "DejaVu Sans": {
        (False, False): "DejaVuSans.ttf",
        (True, False): "DejaVuSans-Bold.ttf",
        (False, True): "DejaVuSans-Oblique.ttf",
        (True, True): "DejaVuSans-BoldOblique.ttf",
    },
    "DejaVu Serif": {
        (False, False): "DejaVuSerif.ttf",
        (True, False): "DejaVuSerif-Bold.ttf",
        (False, True): "DejaVuSerif-Italic.ttf",
        (True, True): "DejaVuSerif-BoldItalic.ttf",
    },
    "DejaVu Sans Mono": {
        (False, False): "DejaVuSansMono.ttf",
        (True, False): "DejaVuSansMono-Bold.ttf",
        (False, True): "DejaVuSansMono-Oblique.ttf",
        (True, True): "DejaVuSansMono-BoldOblique.ttf",
    },
}
LIGHT = {"DejaVu Sans": "DejaVuSans-ExtraLight.ttf"}


class FontUnavailable(Exception):
    pass


def local_family(css_family: str | None) -> str:
    """The local family for a CSS ``font-family`` list: its first generic keyword decides."""
    for part in (css_family or "").split(","):
        name = part.strip().strip("'\"").lower()
        if name in ("serif",):
            return "DejaVu Serif"
        if name in ("monospace",):
            return "DejaVu Sans Mono"
        if name in ("sans-serif", "system-ui"):
            return "DejaVu Sans"
        if name.startswith("dejavu"):
            return {"dejavu serif": "DejaVu Serif", "dejavu sans mono": "DejaVu Sans Mono"}.get(name, "DejaVu Sans")
    return "DejaVu Sans"


def is_bold(weight: str | None) -> bool:
    value = (weight or "normal").strip().lower()
    number = decimal(value)
    return value in ("bold", "bolder") or (number is not None and number >= 600)


@dataclass
class FontChoice:
    path: Path
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class FontDir:
    root: Path

    def choose(self, css_family: str | None, weight: str | None, style: str | None) -> FontChoice:
        family = local_family(css_family)
        bold = is_bold(weight)
        italic = (style or "normal").strip().lower() in ("italic", "oblique")
        notes = []
        if css_family and family.lower() not in css_family.lower():
            notes.append(f"font {css_family!r} is not available offline: drawn with {family}")
        wanted = LIGHT.get(family) if (weight or "").strip().lower() == "lighter" else None
        candidates = [wanted] if wanted else []
        candidates += [FACES[family][(bold, italic)], FACES[family][(bold, False)], FACES[family][(False, False)]]
        for index, name in enumerate(dict.fromkeys(c for c in candidates if c)):
            path = self.root / name
            if path.is_file():
                if index > 0:
                    notes.append(f"{name} used: the requested weight/style of {family} is not installed")
                return FontChoice(path, notes)
        raise FontUnavailable(f"Font not available: {family} (no {FACES[family][(False, False)]} in {self.root})")


@lru_cache(maxsize=64)
def truetype(path: str, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path, size)
