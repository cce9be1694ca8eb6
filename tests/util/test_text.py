"""Decoding and display: every encoding a file may use, and names that cannot drive a terminal."""

from __future__ import annotations

import pytest

from secretops.util.display import safe, short
from secretops.util.text import decode

TEXT = "apiVersion: v1\nkind: Secret\nstringData:\n  a: \u00e9t\u00e9\n"


@pytest.mark.parametrize("codec", ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "utf-32",
                                   "utf-32-le", "utf-32-be"])
def test_decode_every_unicode_encoding(codec: str) -> None:
    assert decode(TEXT.encode(codec)) == TEXT


def test_binary_and_invalid_utf8() -> None:
    assert decode(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00") is None
    assert decode(b"a: \xff\xfe-not-a-bom\n") == "a: \ufffd\ufffd-not-a-bom\n"


def test_display() -> None:
    assert safe("a\x1b[31mb\nc") == "a\\x1b[31mb\\x0ac"
    assert short("age1" + "q" * 58) == "age1qqqqqqqq…qqqq" and short("abc") == "abc"
