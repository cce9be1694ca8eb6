"""The safe loader reads YAML exactly as ruamel's `YAML(typ="safe")` does (values, types, errors),
on real repositories' files and on the corners of YAML 1.2; only faster."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from secretops.errors import InputError
from secretops.util import yamlio

CORNERS = [
    "%YAML 1.1\n---\na: yes\nb: 0777\nc: 1:20\n", "a: yes\nb: 0777\nc: 0o17\nd: 2001-12-14t21:59:43.10-05:00\n",
    "a: 1\na: 2\n", "x: &a {p: 1}\ny:\n  <<: *a\n  q: 2\n", "!!binary aGVsbG8=\n", "- !!set {a, b}\n",
    "a: !custom 1\n", "---\na: 1\n---\n---\nb: .inf\nc: ~\nd: null\ne: 1_000\n", "[1, 2, {a: b}]", "a: '\\x'\n",
    "{a: 1, a: 1}", "? [a]\n: 1\n", "a: *b\n", "a: &b 1\nc: &b 2\nd: *b\n", "\t- a", "a: 0x1F\nb: -.5\nc: +12e03\n",
    "a: !!str 12\nb: !!int '7'\n", "", "# only a comment\n", "a: |\n  x\n  y\nb: >-\n  p\n  q\n", "a: [1, 2\n",
    "k: v\n...\n---\nk: w\n", "- &x [1]\n- *x\n", "a: 2001-12-14\nb: 12:30:45\nc: 1e3\nd: .NaN\n", "'a': \"\\u263A\"\n",
    "a: &p {x: 1}\nb: &q {y: 2}\nc:\n  <<: [*p, *q]\n  z: 3\n", "1: a\n2.5: b\ntrue: c\n~: d\n", "a: !!float 1\n",
    "a:\n  b:\n    - c: 1\n      c: 2\n", "a: &r\n  self: *r\n", "- !!map {a: 1}\n- !!seq [1]\n- !!str\n", "? |\n  k\n: v\n",
    "a: !!binary aGk=\n", "a: !!timestamp 2001-12-14\n", "a: !!omap [x: 1]\n", "<<: {a: 1}\nb: 2\n",
    "a: 1\n'a': 2\n", "a:\n- - - deep\n", "x: " + "[" * 300 + "]" * 300 + "\n",
]


def _ruamel(text: str) -> tuple[Any, str | None]:
    try:
        return list(YAML(typ="safe").load_all(text)), None
    except Exception as exc:  # every error ruamel raises
        return None, yamlio.describe_error(exc)


def _ours(text: str) -> tuple[Any, str | None]:
    try:
        return yamlio.load_all(text, "f"), None
    except InputError as exc:
        return None, exc.message.removeprefix("f: ")


def _same(value: Any) -> Any:  # nan != nan: compare its text
    return repr(value)


@pytest.mark.parametrize("text", CORNERS)
def test_reads_every_corner_as_ruamel_does(text: str) -> None:
    ours, theirs = _ours(text), _ruamel(text)
    assert (_same(ours[0]), ours[1]) == (_same(theirs[0]), theirs[1])


def test_reads_real_repositories_as_ruamel_does(corpus: Path) -> None:
    files = [p for p in corpus.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file()]
    assert len(files) > 1000
    for path in files:
        text = path.read_text("utf-8", "replace")
        ours, theirs = _ours(text), _ruamel(text)
        assert (_same(ours[0]), ours[1]) == (_same(theirs[0]), theirs[1]), path


def _bomb(levels: int, redefine: bool = False) -> str:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for n in range(1, levels):
        name = "a0" if redefine and n % 2 == 0 else "a1" if redefine else f"a{n}"
        prev = ("a1" if n % 2 == 0 else "a0") if redefine else f"a{n - 1}"
        lines.append(f"a{n}: &{name} [" + ", ".join([f"*{prev}"] * 10) + "]")
    return "\n".join(lines) + "\n"


def test_alias_bombs_are_counted_by_libyaml_and_by_ruamel_where_libyaml_refuses() -> None:
    from secretops.util import yamlio

    assert yamlio.alias_bomb(_bomb(7))  # 10^7 nodes once expanded
    assert not yamlio.alias_bomb(_bomb(3))
    assert yamlio.alias_bomb(_bomb(7, redefine=True))  # a re-defined anchor (Go's yaml and ruamel take it)
    assert not yamlio.alias_bomb("a: &x 1\nb: *x\n")


_LENIENT_CASES = [
    "apiVersion: v1\nkind: Secret\nmetadata:\n  name: a\nstringData:\n  k: v\n",
    "---\napiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nspec:\n  path: ./x\n"
    "  decryption:\n    provider: sops\n    secretRef:\n      name: sops-age\n---\nkind: B\n",
    "a: {b: [1, 2.5, true, null, 2001-12-14]}\nc: 'q'\n",  # flow style, typed scalars
    "a: 1\na: 2\n",  # duplicate key: the strict readers refuse it
    "k: !Unknown v\nl: !!str 3\n",  # an unknown tag
    "base: &b {x: 1}\nuse: *b\nmerged:\n  <<: *b\n  y: 2\n",  # anchors and a merge key
    "a: &x 1\nb: &x 2\nc: *x\n",  # a re-defined anchor, as Go's yaml reads it
    "s: |\n  line\n  two\nt: >-\n  folded\n",
    "- a\n- b: c\n",
    "a: [unclosed\n",  # unreadable either way
    "",
]


@pytest.mark.parametrize("last_wins", [False, True])
@pytest.mark.parametrize("text", _LENIENT_CASES)
def test_lenient_reads_what_ruamels_lenient_loader_reads(text: str, last_wins: bool) -> None:
    """The fast readers that go first give the documents ruamel's lenient loader gives, or step aside."""
    import warnings

    from ruamel.yaml.error import YAMLError

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            want = list(yamlio._lenient(last_wins).load_all(text))
        except YAMLError:
            want = None
    assert yamlio.load_all_lenient(text, last_wins=last_wins) == want


def test_a_syntax_error_is_final_for_the_lenient_reader() -> None:
    """libyaml reports it; the pure-Python reader (ten times slower) is asked only for what it takes."""
    from unittest import mock

    from secretops.util import yamlio

    with mock.patch.object(yamlio, "_lenient", side_effect=AssertionError("asked")):
        assert yamlio.load_all_lenient("a: b: c\n") is None
        assert yamlio.load_all_lenient("a: [1\n") is None
    assert yamlio.load_all_lenient("a: 1\na: 2\n") == [{"a": 1}]
    assert yamlio.load_all_lenient("a: 1\na: 2\n", last_wins=True) == [{"a": 2}]
    assert yamlio.load_all_lenient("a: !custom x\n") == [{"a": "x"}]


def test_a_bomb_is_refused_when_read_and_its_count_is_the_one_parse() -> None:
    """load_all composes a text with aliases once (libyaml), counts its expansion on those nodes and
    builds from them; a bomb is refused either way, a re-defined anchor through ruamel's composer."""
    from secretops.util import yamlio

    for text in (_bomb(7), _bomb(7, redefine=True)):
        with pytest.raises(InputError, match="alias bomb"):
            yamlio.load_all(text, "f")
    assert yamlio.load_all(_bomb(3), "f") == list(YAML(typ="safe").load_all(_bomb(3)))
