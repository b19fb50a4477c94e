"""Comparing rendered PNGs with stored references within a small tolerance (font rasterizers differ a
little between FreeType versions), and the templates the references were made from."""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image, ImageChops, ImageStat

DATA = Path(__file__).parent / "data"

# The seed's example ImageTemplate (seed management-offers-introduction, Offer model), as given.
SEED_TEMPLATE = {
    "width": 100,
    "height": 300,
    "default": False,
    "rectangles": [
        {
            "name": "Title",
            "color": "#FF00FF",
            "width": 100,
            "height": 200,
            "number": 5,
            "content": "{{stores}}",
            "padding": 5,
            "font_url": "https://fonts.googleapis.com/css?family=Raleway:400,700&display=swap",
            "font_size": 15,
            "font_style": "normal",
            "offset_top": 5,
            "text_align": "center",
            "font_family": "'Playfair Display', serif",
            "font_weight": "normal",
            "offset_left": 15,
            "text_decoration": "none",
        }
    ],
    "background_url": "https://example.com/image.png",
}

# The vendor's Preview example (reference (g).6), its background replaced by a file of the club.
PREVIEW_TEMPLATE = {
    "width": 400,
    "height": 600,
    "rectangles": [
        {
            "number": 1,
            "name": "Title",
            "offset_top": 510,
            "offset_left": 0,
            "width": 400,
            "height": 200,
            "padding": 5,
            "font_size": 30,
            "font_family": "'Playfair Display', serif",
            "font_url": "https://fonts.googleapis.com/css?family=Raleway:400,700&display=swap",
            "font_weight": "bold",
            "font_style": "italic",
            "color": "#eb4034",
            "text_align": "center",
            "text_decoration": "underline",
            "content": "WOW {{name}}!",
        },
        {
            "name": "Where",
            "offset_top": 20,
            "offset_left": 20,
            "width": 200,
            "height": 120,
            "padding": 10,
            "font_size": 18,
            "font_family": "sans-serif",
            "color": "#1a1a1a",
            "text_align": "left",
            "content": "{{stores}} in {{collection}}: {{description}}",
        },
    ],
}


def background_png() -> bytes:
    """A deterministic gradient, 800×1200 (scaled to cover the 400×600 template)."""
    image = Image.new("RGB", (800, 1200))
    image.putdata([(x * 255 // 799, y * 255 // 1199, 160) for y in range(1200) for x in range(800)])
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def difference(png: bytes, reference: Path) -> tuple[float, float]:
    """Mean absolute difference (0-255, over channels) and the share of pixels differing by more than 64."""
    rendered = Image.open(io.BytesIO(png)).convert("RGB")
    expected = Image.open(reference).convert("RGB")
    assert rendered.size == expected.size, (rendered.size, expected.size)
    diff = ImageChops.difference(rendered, expected)
    pixels = rendered.width * rendered.height
    mean = sum(ImageStat.Stat(diff).mean) / 3
    over = [channel.point(lambda value: 255 if value > 64 else 0) for channel in diff.split()]
    marked = ImageChops.lighter(ImageChops.lighter(over[0], over[1]), over[2])
    large = marked.histogram()[255] / pixels
    return mean, large


def assert_close(png: bytes, reference: Path, *, mean_tolerance: float = 2.0, share_tolerance: float = 0.01) -> None:
    mean, large = difference(png, reference)
    assert mean <= mean_tolerance and large <= share_tolerance, f"{reference.name}: mean {mean:.2f}, {large:.2%} off"
