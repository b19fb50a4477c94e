"""Numbers read from text: ASCII decimal digits only (``"²"`` passes ``str.isdigit()`` and fails ``int()``)."""

from __future__ import annotations

import pytest

from loyaltyhub.digits import decimal
from loyaltyhub.offer_images.fonts import is_bold


@pytest.mark.parametrize(
    ("text", "signed", "expected"),
    [
        ("0", False, 0),
        ("42", False, 42),
        ("-42", False, None),
        ("-42", True, -42),
        ("²", False, None),
        ("٣", False, None),  # an Arabic-Indic three: int() would read it as 3
        ("4²", False, None),
        ("", False, None),
        (None, False, None),
        ("12\n", False, None),
        (" 12", False, None),
        ("--5", True, None),
        ("9" * 18, False, 10**18 - 1),
        ("9" * 19, False, None),
    ],
)
def test_decimal_reads_ascii_digits_only(text, signed, expected):
    assert decimal(text, signed=signed) == expected


def test_a_font_weight_of_unicode_digits_is_not_bold_and_no_error():
    assert is_bold("700") and not is_bold("400") and is_bold("bold")
    assert not is_bold("²")
