"""The first-match index answers as the ordered search does (sops: first rule whose path_regex is found)."""

from __future__ import annotations

import random

import pytest

from secretops.sops import regex
from secretops.sops.creation_rules import parse_text

PIECES = [r"^clusters/c0{n}/", r"\.enc\.yaml$", r"c0{n}", r"(?i)SECRET", r"apps/.*/s{n}", r"^bootstrap/",
          r"\.(json|env|ini)$", r"[a-c]{n}/", r"^clusters/c0{n}/apps/s1\.enc\.yaml$", r"/flux-system/", "x{{2,}}"]


def _patterns(rng: random.Random, count: int) -> tuple[str | None, ...]:
    out: list[str | None] = [rng.choice(PIECES).format(n=rng.randrange(5)) for _ in range(count)]
    if rng.random() < 0.4:
        out.insert(rng.randrange(len(out) + 1), None)  # a catch-all rule somewhere
    return tuple(out)


def _ordered(patterns: tuple[str | None, ...], text: str) -> int | None:
    return next((i for i, p in enumerate(patterns) if p is None or regex.search(p, text)), None)


PATHS = ["clusters/c01/apps/s1.enc.yaml", "clusters/c03/flux-system/gotk-sync.yaml", "bootstrap/c0/key.json",
         "apps/x/s2/SECRET.ini", "a1/b.env", "xxx.yaml", "plain.yaml", "clusters/c04/apps/s4.enc.yaml",
         "CLUSTERS/C01/a", "dir\nwith/newline.enc.yaml", "ünïcode/c02/s1.enc.yaml"]


@pytest.mark.parametrize("seed", range(40))
def test_the_index_answers_as_the_ordered_search(seed: int) -> None:
    rng = random.Random(seed)
    patterns = _patterns(rng, rng.choice([regex.FIRST_MATCH_MIN, 40, 200]))
    index = regex.FirstMatch(patterns)
    assert index._set is not None or None in patterns[:1]
    for text in PATHS:
        assert index.first(text) == _ordered(patterns, text), (patterns, text)


def test_a_pattern_re2_rejects_raises_where_the_order_reaches_it() -> None:
    patterns = tuple([r"^ok/"] * regex.FIRST_MATCH_MIN + [r"(?<=look)behind"])
    index = regex.FirstMatch(patterns)
    assert index.first("ok/file") == 0
    with pytest.raises(regex.BadRegex):
        index.first("elsewhere")


def test_a_fleet_config_picks_each_clusters_own_rule(tmp_path) -> None:
    rules = "".join(f"  - path_regex: ^clusters/c{n:04d}/\n    age: age1{'q' * 58}\n" for n in range(300))
    config = parse_text("creation_rules:\n" + rules + "  - age: age1" + "p" * 58 + "\n", tmp_path / ".sops.yaml")
    for n in (0, 7, 123, 299):
        assert config.rule_for(f"clusters/c{n:04d}/apps/s1.enc.yaml").position == n
    assert config.rule_for("elsewhere/x.enc.yaml").position == 300
