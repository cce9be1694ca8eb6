"""The escaping functions, one per output kind, judged by unicodedata and by cmark-gfm (GitHub's renderer)."""

from __future__ import annotations

import sys
import unicodedata

import pytest

from secretops.util.display import key_path, markdown, safe

LINE_BREAKING = "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"


def test_safe_escapes_every_control_format_and_separator_code_point() -> None:
    """Every Cc, Cf, Zl, Zp and Cs code point is made visible; every other one is left as it is
    (but format characters newer than this Python's Unicode, unassigned here)."""
    for code in range(sys.maxunicode + 1):
        char = chr(code)
        category = unicodedata.category(char)
        hidden = category in ("Cc", "Cf", "Zl", "Zp", "Cs")
        assert (safe(char) != char) == hidden or category == "Cn", hex(code)
        if hidden:
            assert safe(char).isascii() and safe(char).isprintable()


def test_safe_text_never_starts_a_line() -> None:
    for char in LINE_BREAKING:
        assert len(f"x {safe('a' + char + 'sops.age: age1x')}".splitlines()) == 1
    assert safe("ключ café") == "ключ café"


@pytest.mark.parametrize("name", ["www.evil.example/x", "https://evil.example", "me@evil.example", "@octocat",
                                  "a_b_", "**b**", "~~s~~", "<img src=x onerror=alert(1)>", "&amp; &#64;",
                                  "[x](javascript:alert(1))", "![i](https://evil.example/i.png)", "a|b", "|",
                                  "back\\|slash", "a\\", "\\\\|", "`", "``x`", "`|`", "x `y` z", "# h", "> q",
                                  "line\nbreak", "\u202eslif.exe", "zero\u200bwidth", "- item", "1. item"])
def test_markdown_is_one_code_element_with_the_text_as_it_was(name: str) -> None:
    import cmarkgfm
    from cmarkgfm.cmark import Options

    html = cmarkgfm.github_flavored_markdown_to_html(f"| a | b |\n|---|---|\n| {markdown(name)} | x |\n",
                                                     options=Options.CMARK_OPT_UNSAFE)
    body = html.split("<tbody>", 1)[1]
    assert body.count("<td>") == 2 and body.count("<code>") == 1 and "<a " not in body and "<img" not in body
    from html import unescape

    shown = body.split("<code>", 1)[1].split("</code>", 1)[0]
    assert unescape(shown) == safe(name)
    assert "\n" not in markdown(name)


def test_key_paths_are_plain_when_plain_and_quoted_otherwise() -> None:
    assert key_path(("stringData", "password")) == "stringData.password"
    assert key_path(("items", 0, "name")) == "items.[0].name"
    assert key_path(("data", "tls.crt")) == 'data."tls.crt"'
    assert key_path(("sops", "age")) == '"sops".age' and key_path(("sops.age",)) == '"sops.age"'
    assert key_path(("x", "sops")) == "x.sops"
    forged = key_path(("stringData", "x\nsops.age: age1forged"))
    assert forged == 'stringData."x\\nsops.age: age1forged"' and len(forged.splitlines()) == 1
    assert key_path(("k", "\u202eevil")) == 'k."\\u202eevil"'
