"""The plain block YAML reader returns what ruamel's safe load returns, or None: on every YAML file
of the corpus, on generated documents full of YAML's traps, and on the ones it must leave to ruamel."""

from __future__ import annotations

import random
import re
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML
from ruamel.yaml.resolver import implicit_resolvers

from secretops.util import yamlsimple


def _ruamel(text: str) -> Any:
    try:
        return repr(list(YAML(typ="safe").load_all(text)))
    except Exception as exc:  # every error ruamel raises
        return f"error {type(exc).__name__}"


def _agrees(text: str) -> bool:
    """True when the reader took the text (and then it must agree with ruamel); False when it left it."""
    ours = yamlsimple.load_all(text)
    if ours is None:
        return False
    assert repr(ours) == _ruamel(text), text
    return True


def test_reads_real_repositories_as_ruamel_does(corpus: Path) -> None:
    files = [p for p in corpus.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file()]
    taken = sum(_agrees(p.read_text("utf-8", "replace")) for p in files)
    assert taken > len(files) // 5  # not a reader that takes nothing


KEYS = ["a", "b", "name", "on", "y", "app.kubernetes.io/name", "x_y", "k-1", "true", "True", "null", "NULL", "8080",
        "'q'", "a b"]
VALUES = ["v", "true", "True", "TRUE", "false", "False", "FALSE", "yes", "no", "on", "null", "~", "Null", "NULL", "0", "7", "007", "0777", "0o17", "0x1F",
          "0b101", "1_000", "+1", "-1", "-v", "-", "1.5", ".5", ".inf", ".NaN", "1e3", "2001-12-14", "12:30", "3.2.1",
          "10Gi", "30m", "<none>", "<<", "=", "a#b", "a #b", "x: y", "x:", "http://h:80/p", "'it''s'", "'a'b", '"q"',
          '"a\\"b"', '"a #b"', "{a: 1}", "[1]", "&x 1", "*x", "!!str 1", "|", ">-", "%x", "@x", "`x`", ",x", "?x",
          ":x", "a, b", "b[0]", "${VAR}", "{{ .Values.x }}", "ENC[AES256_GCM,data:QQ==,iv:QQ==,tag:QQ==,type:str]",
          "v # comment", "''", '""', "_", "+_", "..."]


def _generated(rng: random.Random) -> str:
    lines: list[str] = []

    def block(indent: int, depth: int) -> None:
        as_list = rng.random() < 0.3
        for _ in range(rng.randint(1, 4)):
            pad = " " * indent
            if as_list:
                if depth < 3 and rng.random() < 0.3:
                    lines.append(f"{pad}- {rng.choice(KEYS)}: {rng.choice(VALUES)}")
                    lines.append(f"{pad}  {rng.choice(KEYS)}: {rng.choice(VALUES)}")
                else:
                    lines.append(f"{pad}- {rng.choice(VALUES)}")
            elif depth < 3 and rng.random() < 0.35:
                lines.append(f"{pad}{rng.choice(KEYS)}:")
                block(indent + rng.choice([0, 2, 4]) if rng.random() < 0.2 else indent + 2, depth + 1)
            else:
                lines.append(f"{pad}{rng.choice(KEYS)}: {rng.choice(VALUES)}")
            if rng.random() < 0.1:
                lines.append(rng.choice(["", "# c", f"{pad}  # deeper comment", "---", f"{pad}  continued"]))

    block(rng.choice([0, 0, 2]), 0)
    return "\n".join(lines) + rng.choice(["\n", "", "\n---\n", "\n\n"])


def test_generated_documents_agree_with_ruamel() -> None:
    rng = random.Random(14)
    taken = sum(_agrees(_generated(rng)) for _ in range(3000))
    assert taken > 300


@pytest.mark.parametrize("text", [
    "a: >\n  x\n", "a: |2\n  x\n", "a: |\n  x\n\n  y\n", "a: |\n  x", "a: |\n\n  x\n", "a:\n  b: |\n   x\n c: 1\n",
    "a: |\n  x\n...\n", "a: | # c\n  x\n", "a: {b: 1}\n", "a: &x 1\nb: *x\n", "a: !!str 1\n", "%YAML 1.2\n---\na: 1\n", "'a': 1\n",
    "a: 1\na: 2\n", "a:\tb\n", "a: 1\r\n", "a: é\n", "a: 1.5\n", "a: 2001-12-14\n", "a: b\n  c\n", "- - a\n",
    "a: \"x\\ty\"\n", "? a\n: b\n", "a: 1\n...\n", "<<: {a: 1}\n", "a: -\n", "true: 1\n",
])
def test_leaves_to_ruamel_what_it_does_not_take(text: str) -> None:
    assert yamlsimple.load_all(text) is None


@pytest.mark.parametrize("text", ["", "# only\n", "---\n", "a: 1\n---\n", "---\na: 1\n", "a:\n- 1\n- b: 2\n  c: 3\nd:\n",
                                  "k: -v\nn: 0777\nh: 0x1F\nb: 0b101\nu: 1_000\np: +1\nm: -3\nz: 0\n",
                                  # literal block scalars, as sops writes an age stanza (`enc: |`)
                                  "a: |\n  x\n  y\nb: 1\n", "a: |-\n  x\n  y\nb: 1\n", "a: |\n  x\n\nb: 1\n",
                                  "a: |\n  # not a comment\n    deeper\n  x  \n", "- k: |\n    x\n  j: 2\n- 2\n",
                                  "s:\n  age:\n    - recipient: age1x\n      enc: |\n        -----BEGIN AGE-----\n"
                                  "        QUJD\n        -----END AGE-----\n  version: 3.11.0\n"])
def test_takes_plain_block_yaml(text: str) -> None:
    assert _agrees(text)


def test_its_number_rules_are_ruamels() -> None:
    """The int, float and timestamp resolvers are ruamel's (YAML 1.2), not a guess at them."""
    theirs = {tag.rsplit(":", 1)[1]: rx for versions, tag, rx, _first in implicit_resolvers if (1, 2) in versions}
    for name, ours in (("float", yamlsimple._FLOAT), ("int", yamlsimple._INTEGER),
                       ("timestamp", yamlsimple._TIMESTAMP)):
        assert re.sub(r"\s", "", theirs[name].pattern) == "^" + re.sub(r"\s", "", ours.pattern) + "$"
        assert theirs[name].flags & re.X and ours.flags & re.X


def test_generated_literal_blocks_agree_with_ruamel() -> None:
    """`key: |` and `key: |-` with lines at every indent (blank, spaces only, a comment-like line, a
    list-like line) spliced into generated documents: taken only where ruamel reads them alike."""
    rng = random.Random(5)
    taken = 0
    for _ in range(6000):
        lines = _generated(rng).split("\n")
        at = rng.randrange(len(lines))
        if ":" not in lines[at] or lines[at].rstrip().endswith(":"):
            continue
        pad = len(lines[at]) - len(lines[at].lstrip(" "))
        lines[at] = lines[at].split(":")[0] + ": |" + rng.choice(["", "-"])
        for k in range(rng.randint(1, 3)):
            lines.insert(at + 1 + k, " " * (pad + rng.choice([0, 1, 2, 3, 4])) +
                         rng.choice(["x", "# c", "a: b", "- y", "x  ", "", " ", "  "]))
        taken += _agrees("\n".join(lines) + rng.choice(["", "\n", "\n\n", "\n  \n"]))
    assert taken > 30  # not a reader that leaves every block to ruamel
