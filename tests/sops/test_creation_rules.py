from __future__ import annotations

from pathlib import Path

import pytest

from secretops.errors import ConfigError
from secretops.sops import creation_rules as rules
from tests import helpers

A, B, C = ("age1" + c * 58 for c in "qpz")


def load(tmp_path: Path, text: str) -> rules.SopsConfig:
    helpers.write(tmp_path / ".sops.yaml", text)
    return rules.load(tmp_path)


def test_first_match_wins_and_search_is_unanchored(tmp_path: Path) -> None:
    cfg = load(tmp_path, f"creation_rules:\n  - path_regex: talos/.*\\.sops\\.ya?ml\n    age: {A}\n"
                         f"  - path_regex: kubernetes/.*\\.sops\\.ya?ml\n    age: {B}\n  - age: {C}\n")
    assert cfg.rule_for("kubernetes/main/bootstrap/talos/x.sops.yaml").recipients.age == (A,)  # type: ignore[union-attr]
    assert cfg.rule_for("kubernetes/apps/x.sops.yaml").recipients.age == (B,)  # type: ignore[union-attr]
    assert cfg.rule_for("anything.txt").path_regex is None  # type: ignore[union-attr]
    assert cfg.has_specific_match("kubernetes/a.sops.yml") and not cfg.has_specific_match("x.txt")


def test_age_as_comma_string_or_list_and_key_groups(tmp_path: Path) -> None:
    cfg = load(tmp_path, f"creation_rules:\n  - path_regex: a\n    age: '{A}, {B}'\n"
                         f"  - path_regex: b\n    age:\n      - {A}\n      - {B},{C}\n"
                         f"  - path_regex: c\n    shamir_threshold: 2\n    key_groups:\n"
                         f"      - age: [{A}]\n        pgp: [FBC7B9E2A4F9289AC0C1D4843D16CEE4A27381B4]\n"
                         f"      - age: ['{B},{C}']\n        kms: [{{arn: 'arn:aws:kms:eu-west-1:1:key/x'}}]\n")
    assert cfg.rules[0].recipients.age == (A, B)
    assert cfg.rules[1].recipients.age == (A, B, C)
    grouped = cfg.rules[2]
    assert grouped.shamir_threshold == 2 and len(grouped.key_groups) == 2
    assert grouped.recipients.age == (A, B, C)
    assert grouped.recipients.get("pgp") == ("FBC7B9E2A4F9289AC0C1D4843D16CEE4A27381B4",)
    assert grouped.recipients.get("kms") == ("arn:aws:kms:eu-west-1:1:key/x",)


def test_encryption_options_are_read(tmp_path: Path) -> None:
    cfg = load(tmp_path, f"creation_rules:\n  - encrypted_regex: ^(data|stringData)$\n    mac_only_encrypted: true\n"
                         f"    age: {A}\n")
    enc = cfg.rules[0].encryption
    assert (enc.option, enc.value, enc.mac_only_encrypted) == ("encrypted_regex", "^(data|stringData)$", True)


@pytest.mark.parametrize("text,message", [
    ("creation_rules: 5\n", "no creation_rules list"),
    ("creation_rules:\n  - path_regex: '('\n", "path_regex` is not valid Go RE2"),
    ("creation_rules: [\n", "invalid YAML at line"),
])
def test_bad_config_is_a_config_error(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load(tmp_path, text)


def test_missing_config(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist.*secretops init"):
        rules.load(tmp_path)


def test_corpus_rules(corpus: Path) -> None:
    onedr0p = rules.load(corpus / "onedr0p__home-ops")
    shadowed = onedr0p.rule_for("kubernetes/main/bootstrap/talos/assets/k8s-0.secret.sops.yaml")
    assert shadowed is not None and shadowed.position == 0  # the talos rule shadows the kubernetes one
    assert shadowed.encryption.value == "^(token|crt|key|id|secret|secretboxEncryptionSecret|ca)$"
    jory = rules.load(corpus / "joryirving__home-ops")
    assert jory.rule_for("talos/main/talsecret.sops.yaml").recipients.age == (  # type: ignore[union-attr]
        "age12v9uw8k6myrr49z9aq6jmcwa79aepu0p6p462nrv968qcae72pcspwldec",)


@pytest.mark.parametrize("pattern,subject", [
    (r"\.enc\.ya?ml$", "clusters/dev/a.enc.yaml"), (r"^clusters/dev/.*\.enc\.yaml$", "clusters/prod/a.enc.yaml"),
    (r"kubernetes/.+\.secret(\.sops)?\.ya?ml", "kubernetes/main/x.secret.sops.yaml"),
    (r"^(data|stringData)$", "stringData"), (r"^(data|stringData)$", "metadata"),
    (r"((?i)(pass|secret($|[^N])|key|token|^data$|^stringData$))", "SecretName"),
    (r"((?i)(pass|secret($|[^N])|key|token|^data$|^stringData$))", "mySecret"),
    (r"a{,3}b", "a{,3}b"), (r"\d+", "٣"), (r"x$", "x\n"), (r"[[:alpha:]]+", "abc"),
])
def test_sops_regexes_mean_what_they_mean_to_re2(pattern: str, subject: str) -> None:
    """The shared-subset shortcut must agree with RE2 itself, including where `re` would not."""
    import re2

    from secretops.sops import regex

    assert regex.search(pattern, subject) == (re2.search(pattern, subject) is not None)


@pytest.mark.parametrize("seed", range(3))
def test_has_specific_match_in_one_pass_answers_as_the_search_of_every_rule(tmp_path: Path, seed: int) -> None:
    """A fleet's `.sops.yaml` (a rule per cluster, catch-alls between): the indexed answer is the
    answer of searching every rule with a path_regex."""
    import random

    rng = random.Random(seed)
    lines = ["creation_rules:"]
    for n in range(rng.randint(20, 60)):
        if rng.random() < 0.1:
            lines += ["  - age: age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p"]
        else:
            regex = rng.choice([f"^clusters/c{n}/", f"c{n}\\\\.sops\\\\.ya?ml$", f"/apps{n}/.*", "\\\\.enc\\\\.json$"])
            lines += [f"  - path_regex: \"{regex}\"",
                      "    age: age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p"]
    cfg = load(tmp_path, "\n".join(lines) + "\n")
    assert len(cfg.rules) >= 16
    paths = [f"clusters/c{n}/x.yaml" for n in range(70)] + [f"a/c{n}.sops.yml" for n in range(70)] + [
        f"x/apps{n}/y" for n in range(70)] + ["b.enc.json", "plain.yaml", "multi\nline/c3.sops.yaml"]
    for rel in paths:
        searched = any(r.path_regex is not None and r.matches(rel) for r in cfg.rules)
        assert cfg.has_specific_match(rel) == searched, rel
