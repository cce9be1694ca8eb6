"""Large texts (CRD bundles, gotk-components.yaml) take shortcuts that must find what the long way
finds: RE2 first for the token rules, the lines of hinted keys found by RE2, no parse where the
line reader reads every line alike, no sops parse where no sops key can be. On both sides."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import re2

from secretops.check import patterns, rules_content, tokens
from secretops.check.model import Blob, FileView, Settings
from secretops.sops import agekeys
from tests import helpers
from tests.check.tokens import rand
from tests.check.tokens import tokens as planted

# A CRD's schema: properties named like secrets, prose about tokens in literal blocks, `&&` in args.
CRD = """---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: stores{n}.example.io
  labels:
    app.kubernetes.io/version: v0.{n}.0
spec:
  versions:
    - name: v1
      schema:
        openAPIV3Schema:
          properties:
            auth:
              description: |
                Auth configures how the operator authenticates:
                - aws_secret_access_key: Secret Access Key, used to sign requests.
                - aws_session_token: Session Token, short-lived.
              properties:
                password:
                  description: The password, from a Secret.
                  properties:
                    name:
                      type: string
                  type: object
                token:
                  description: A token (`sops` or `age` decrypts it).
                  enum:
                    - sops
                  type: string
            args:
              description: run `a && b` * twice
              type: string
"""


def _bundle(extra: str = "") -> str:
    text = "".join(CRD.format(n=n) for n in range(70)) + extra
    assert len(text) > 64 * 1024
    return text


def _findings(path: str, text: str) -> list[tuple[str, str]]:
    view = FileView(Blob(path, text.encode(), "0" * 40, None, len(text.encode())), Settings(history=True))
    from secretops.check import registry

    return sorted((f.rule, f.fingerprint) for rule in registry.RULES for f in rule.check(view))


def test_a_crd_bundle_is_not_parsed_for_its_property_names_or_its_prose() -> None:
    text = _bundle()
    assert not patterns.needs_parse(text, True)
    assert not patterns.might_hold_sops(text)
    assert _findings("crds/bundle.yaml", text) == []


@pytest.mark.parametrize("extra", [
    "---\nkind: ConfigMap\nspec:\n  hmac:\n    key: {hex}\n",  # `hmac.key`: paired by the parser
    "---\nkind: HelmRelease\nspec:\n  values:\n    license:\n      key: {hex}\n",
    "---\nkind: Deployment\nspec:\n  env:\n    - name: API_TOKEN\n      value: {secret}\n",
    "---\nkind: HelmRelease\nspec:\n  values:\n    adminPassword: {secret}\n",
    "---\nkind: HelmRelease\nspec:\n  values:\n    token: >\n      {secret}\n",  # a folded block: parsed
    "---\nkind: Secret\nmetadata:\n  name: db\nstringData:\n  password: {secret}\n",
    # held-out set 3's places: value-first env entries, pairs inside a line, XML, `Key value` lines, JSON in a
    # string, Authorization headers, SQL, Proxmox and Honeycomb tokens
    "---\nkind: Job\nspec:\n  env:\n    - value: {secret}\n      name: API_TOKEN\n",
    "---\nkind: ConfigMap\ndata:\n  jaas: x.PlainLoginModule required username=\"a\" password=\"{secret}\";\n",
    "---\nkind: ConfigMap\ndata:\n  users.xml: |\n    <password>{secret}</password>\n",
    "---\nkind: ConfigMap\ndata:\n  fluent-bit.conf: |\n    [OUTPUT]\n        HTTP_Passwd {secret}\n",
    "---\nkind: ConfigMap\ndata:\n  app.json: '{{\"apiKey\": \"{secret}\"}}'\n",
    "---\nkind: ConfigMap\ndata:\n  hook: |\n    curl x \\\n      -H \"Authorization: Bearer {secret}\"\n",
    "---\nkind: ConfigMap\ndata:\n  init.sql: |\n    CREATE USER app WITH PASSWORD '{secret}';\n",
    "---\nkind: ConfigMap\ndata:\n  pve: monitor@pve!exporter={hex8}-0b6f-4a1b-9c3d-{hex12}\n",
    "---\nkind: ConfigMap\ndata:\n  x-team: hcaik_{hex}{hex8}\n",
])
def test_a_secret_in_a_large_bundle_is_found_as_in_a_small_file(extra: str) -> None:
    secret, hexed = helpers.plant(rand(28)), helpers.plant(rand(40, "0123456789abcdef"))
    doc = extra.format(secret=secret, hex=hexed, hex8=hexed[:8], hex12=hexed[-12:])
    large = _findings("crds/bundle.yaml", _bundle(doc))
    assert large, "a secret in a large bundle was missed"
    assert large == _findings("crds/bundle.yaml", doc)


def test_every_token_format_is_found_in_a_large_text() -> None:
    for kind, line in planted().items():
        small = _findings("apps/config.yaml", f"data:\n  {line}\n")
        large = _findings("apps/config.yaml", _bundle(f"---\nkind: ConfigMap\ndata:\n  {line}\n"))
        assert large == small, kind


@pytest.mark.parametrize("pattern, text", [
    (r"\d{3}", "\u0663\u0664\u0665"),  # Python's \d takes every decimal digit
    (r"a\sb", "a\u2003b"),  # …and \s every space
    (r"a[\s]b", "a\x1cb"),
    (r"\w{3}", "\u00e9\u00e8\u00ea"),
    (r"[^\s]x", "\u00e9x"),  # a negated class keeps RE2's narrower \s: wider, as it must be
    (r"(?<![a-z])ab(?!c)\b", "xabc"),  # look-arounds and boundaries go
])
def test_loosened_patterns_match_wherever_pythons_do(pattern: str, text: str) -> None:
    assert re.search(pattern, text) or "(?<!" in pattern
    assert re2.compile(tokens.loosened(pattern)).search(text) is not None


@pytest.mark.parametrize("pattern", ["^a", "a$", r"[^\S]"])
def test_what_cannot_be_loosened_is_left_to_pythons_re(pattern: str) -> None:
    with pytest.raises(ValueError):
        tokens.loosened(pattern)
    assert tokens._relaxed(pattern) is None


def test_every_token_rule_loosens() -> None:
    for index in range(len(tokens.PREFIXED)):
        assert tokens._relaxed(tokens._prefixed(index)[1].pattern) is not None, tokens.PREFIXED[index][0]
    for index in range(len(tokens.KEYED)):
        assert tokens._relaxed(tokens._keyed(index)[1].pattern) is not None, tokens.KEYED[index][0]


@pytest.mark.parametrize("text", [
    "spec:\n  password:\n    key: abc\n",  # `password.key`: the parser pairs them
    "spec:\n  password:\n    value: abc\n",
    "spec:\n  token:\n    <<: *base\n",
    "spec:\n  password:\n    abcdef123\n",  # a plain scalar on the next line
    "spec:\n  password:\n  - a\n",  # a list at the key's own indent
    "spec:\n  password:\n\tname: x\n",  # a tab
    "spec:\n  description: >\n    password: two words\n",  # folded: the parser joins the lines
    "spec:\n  description: a |\n  x:\n    password: two words\n",  # not a block header
])
def test_what_only_the_parser_reads_is_parsed(text: str) -> None:
    assert patterns.needs_parse(text, False) and patterns.needs_parse(text, True)


@pytest.mark.parametrize("text", [
    "spec:\n  password:\n    description: the password\n    type: string\n  other: x\n",
    "spec:\n  token:\n    a:\n      key: 1\n",  # `a.key` is no secret-like key's own
    "spec:\n  description: |\n    Foo:\n      - aws_secret_access_key: Secret Access Key, used\n",
    "args:\n- |\n  password: two words\n",
    "password:\n",
])
def test_what_the_line_reader_reads_alike_is_not_parsed(text: str) -> None:
    assert not patterns.needs_parse(text, False) and not patterns.needs_parse(text, True)


@pytest.mark.parametrize("text", [
    'data: sops\n"\\x73ops":\n  mac: m\n',  # an escape may spell the key
    "a: &k sops\n*k :\n  mac: m\n",  # an alias as a key
    "? sops\n: {mac: m}\n",
    '{"sops": {"mac": "m"}}',
    "sops:\n  mac: m\n",
    "A=1\nsops_mac=x\n",
    "[ sops ]\nmac = x\n",
])
def test_what_may_carry_sops_metadata_is_parsed_for_it(text: str) -> None:
    assert patterns.might_hold_sops(text)
    assert patterns.might_hold_sops(text + "#" + "x" * patterns.LARGE)  # RE2's way too


def test_a_description_naming_sops_is_not_sops_metadata() -> None:
    assert not patterns.might_hold_sops("enum:\n  - sops\n  - age\ndescription: sops decrypts it\n")


@pytest.mark.parametrize("store", ["yaml", "json", "dotenv", "ini"])
def test_real_sops_files_of_every_store_carry_what_the_pre_test_looks_for(store: str, tmp_path: Path) -> None:
    key = agekeys.generate()
    cfg = tmp_path / "cfg.yaml"
    cfg.write_text(f"creation_rules:\n  - age: {key.public}\n")
    body = {"yaml": "password: abc\n", "json": '{"password": "abc"}', "dotenv": "PASSWORD=abc\n",
            "ini": "[db]\npassword = abc\n"}[store]
    res = helpers.run_proc([helpers.sops_bin(), "--config", str(cfg), "encrypt", "--input-type", store,
                            "--output-type", store, "/dev/stdin"], tmp_path, input=body.encode())
    assert res.code == 0, res.err
    assert patterns.might_hold_sops(res.out)


def test_hinted_lines_find_every_line_the_hint_words_do() -> None:
    """On a large text, the RE2 pass over hinted keys visits every line on which _keyed_lines can find
    something: the same findings as visiting every line with a hint word."""
    lines = [f"{key}{sep}{value}" for key in ("password", "db_PASS", "x-api-key", "hmacKey", "LICENSE_KEY", "name")
             for sep in (": ", "=", " = ", ":\t") for value in (rand(24), f'"{rand(30)}"', "short", "${VAR}")]
    text = "\n".join(lines) + "\n" + "#" * patterns.LARGE + "\n"
    found = patterns.hinted_lines(text)
    assert found is not None
    keyed = re.compile(patterns.KEYED_LINE)
    matches = [keyed.match(text, start, text.find("\n", at)) for at in patterns.hint_offsets(text)
               for start in (text.rfind("\n", 0, at) + 1,)]
    # a line whose key holds a hint word (in its value only, as `name: …hmac…`, the rules judge nothing)
    expected = {m.start() for m in matches if m is not None and patterns.hint_offsets(m.group("key"))}
    assert expected <= set(found)
    view = FileView(Blob("app.env", text.encode(), None, None, len(text)), Settings(history=True))
    assert list(rules_content._keyed_lines(view, set()))  # high-entropy values under those keys


def test_an_alias_is_told_from_shell_and_prose() -> None:
    from secretops.util import yamlio

    assert yamlio._ALIAS.search("args: run a && b\ndescription: 2 * 3\n") is None
    assert yamlio._ALIAS.search("x: &a [1]\ny: *a\n") is not None
    assert yamlio._ALIAS.search("x: &a [1]\ny: [*a]\n") is not None
    bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 10)}]\n" for i in range(8))
    assert yamlio.alias_bomb(bomb)


@pytest.mark.parametrize("text, may", [
    ('kind: ConfigMap\ndata:\n  motd: "\\u00A76\\u00A7lSMP"\n  note: Secret\n', False),  # § spells no letter
    ('kind: "\\u0053ecret"\nstringData:\n  a: b\n', True),
    ('kind: "Secr\\x65t"\nstringData:\n  a: b\n', True),
    ('kind: "Sec\\\nret"\nstringData:\n  a: b\n', True),  # a line folded with `\`
])
def test_only_an_escape_that_spells_a_letter_may_spell_secret(text: str, may: bool) -> None:
    assert rules_content.might_hold_a_secret(text) is may


def test_a_helm_release_that_reads_values_from_a_secret_is_not_parsed_for_it() -> None:
    text = ("kind: HelmRelease\nspec:\n  valuesFrom:\n    - kind: Secret\n      name: app\n  values:\n"
            "    motd: \"\\u00A76 welcome\"\n    broken: [\n")  # it does not parse, and cannot hold a Secret
    assert not rules_content.might_hold_a_secret(text)
    assert _findings("apps/release.yaml", text) == []
    assert [r for r, _fp in _findings("apps/secret.yaml", text.replace("HelmRelease", "Secret"))] == ["unscannable"]


@pytest.mark.parametrize("text, quiet", [
    ("kind: Deployment\nspec:\n  env:\n    - name: TZ\n      value: Europe/Berlin\n", True),
    ("valueFrom:\n  secretKeyRef:\n    key: password\n    name: db\n", True),  # names a secret, holds none
    ("x: Secret\n", True),  # `Secret` without `kind`
    ("kind: Secret\n", False),
    ("existingSecret: app\n", False),  # a key that names a secret: its value is judged
    ("env:\n  - name: X_TOKEN\n    value: y\n", False),
    ("apiKey: x\n", False),
    ("-----BEGIN RSA PRIVATE " + "KEY-----\n", False),  # (split: no key header stands in this file)
    ("secretGenerator:\n- name: x\n", False),
    ("homepage:\n  widget:\n    key: x\n", False),
    ("region: aws-us-east-1\nazure: {location: westeurope}\n", True),  # provider names, no keyed value
    ("AWS_SECRET_ACCESS" + "_KEY: " + "Ab1/" * 10 + "\n", False),  # …and one beside its value
    ("regex: \"^v\\\\d+\\\\.\\\\d+$\"\n", True),  # escapes that spell no letter
    ("kind: \"Secr\\x65t\"\n", False),  # …and one that does
    ('connection: "Server=db;User Id=app;Password=' + 'Xy7' + 'Pq2;"\n', False),
    ("digest: SHA3-256\nuuid: 0F8FAD5B-D9CB-469F-A165-70867728A3-\nsig: QUJDATBBxyz\n", True),  # no secret key's shape
    ("op: " + "A3-" + "ABCDEF-GHIJKL-MNOPQ-RSTUV-WXYZ2-34567\n", False),
])
def test_a_blob_is_quiet_only_where_no_rule_can_fire(text: str, quiet: bool) -> None:
    assert tokens.quiet(text) is quiet and tokens.quiet(text.encode()) is quiet
    if quiet:
        assert _findings("apps/x.yaml", text) == []


@pytest.mark.parametrize("text, inert", [
    ("kind: HelmRelease\nspec:\n  valuesFrom:\n    - kind: Secret\n      name: app\n", True),
    ("kind: Secret\nstringData:\n  a: b\n", False),
    ("kind: List\nitems:\n  - kind: Secret\n    stringData: {a: b}\n", False),
    ("x: &k Secret\nkind: *k\nstringData: {a: b}\n", False),  # an alias: which kind it names is the parser's
])
def test_kind_and_secret_alone_ask_plaintext_secrets_own_pre_test(text: str, inert: bool) -> None:
    """A blob not quiet only for `kind` and `Secret` is passed over when no document in it can be a
    Secret, as plaintext-secret decides before parsing; else every rule runs."""
    from secretops.check import workers

    assert tokens.stillness(text) == ("", True)  # not quiet only for `kind` and `Secret`
    assert (workers._reach(text) == "") is inert and (workers._reach(text.encode()) == "") is inert
    assert (_findings("apps/x.yaml", text) == []) or not inert


_HELM = ("kind: HelmRelease\nspec:\n  values:\n    existingSecret: app\n    auth:\n      password: {pw}\n"
         "    valuesFrom:\n      - kind: Secret\n        name: app\n")


@pytest.mark.parametrize("text, reach", [
    (_HELM.format(pw="${APP_PASSWORD}"), "keyed"),  # keys that name secrets, and `kind: Secret` that is none
    (_HELM.format(pw="Xk9mP2qL7zW4" + rand(8)), "keyed"),  # …one of them holding a password
    ("env:\n- name: API_TOKEN\n  value: " + rand(24) + "\n", "keyed"),
    ("apiKey: " + rand(32) + "\n", "keyed"),
    ("password: x\nkey: |\n  -----BEGIN OPENSSH " + "PRIVATE KEY-----\n  " + rand(64) + "\n", "all"),  # a trigger
    ("token: gh" + "p_" + rand(36) + "\n", "all"),  # a token's marker
    ("kind: Secret\nstringData:\n  password: " + rand(16) + "\n", "all"),  # may be a Secret
    ("replicas: 2\n", ""),
], ids=["placeholder", "password", "env", "api-key", "trigger", "marker", "secret", "quiet"])
def test_a_blob_with_only_keys_that_name_secrets_runs_only_the_rule_that_reads_them(text: str, reach: str) -> None:
    """Where the selector finds a key that names a secret and nothing else any rule looks for, the
    credential rule alone runs: it finds what every rule would (judged by running every rule)."""
    from secretops.check import workers

    assert workers._reach(text) == reach and workers._reach(text.encode()) == reach
    blob = Blob("apps/x.yaml", text.encode(), "0" * 40, None, len(text.encode()))
    found = workers.check_blobs([blob], Settings(history=True), True).findings
    assert sorted((f.rule, f.fingerprint) for f in found) == _findings("apps/x.yaml", text)
    assert bool(found) is ("Xk9m" in text or reach == "all" or "API_TOKEN" in text or "apiKey" in text)


def test_a_changed_line_is_wordless_only_without_a_hint_word() -> None:
    """A changed `value:` line whose `- name: X_TOKEN` is the line above says nothing alone, but the
    line above holds a hint word: check/delta.py reads lines by words, not by keys."""
    assert not tokens.wordless("- name: X_TOKEN")
    assert not tokens.wordless("  key: password")
    assert tokens.wordless("kind: Deployment\n  replicas: 2")


def test_kind_secret_found_by_find_is_what_the_regex_finds() -> None:
    import random

    pieces = ["kind", "Kind", ": ", ":", " ", "\n", "Secret", "Secrets", "'", '"', "!!str ", "a", "_", "-", "é", "x"]
    rng = random.Random(7)
    for _ in range(5000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 12)))
        assert patterns.kind_secret(text) is (patterns.KIND_SECRET.search(text) is not None), repr(text)


def test_line_anchors_loosen_in_multiline_patterns() -> None:
    assert re2.compile(tokens.loosened(r"(?m)^x \d")).search("a\nx \u0663") is not None
    assert re2.compile(tokens.loosened(r"(?m)x$")).search("x\nb") is not None


@pytest.mark.parametrize("held_out", ["heldout2", "heldout4", "heldout5", "heldout6", "heldout7", "heldout8"])
def test_a_large_scan_finds_what_a_small_one_finds(repo: Path, held_out: str) -> None:
    """A scan of 256 files or more passes over quiet blobs (tokens.quiet); a small one runs every rule
    on every file. Held-out sets 2 and 4-8 (every token format, GitOps case, look-alike and real sops file;
    set 4's password files too, which only their names select; set 5's source files and files without an
    extension; set 7's scripts, tfvars and dotenv files; set 8's app config files, a Caddyfile and a sops
    file encrypted as binary) give the same findings either way."""
    import importlib
    import json
    import random
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    state = random.getstate()
    try:
        rows = importlib.import_module(f"bench.{held_out}").rows()
    finally:
        random.setstate(state)
    for n, (_row, _label, name, text) in enumerate(rows):
        helpers.write(repo / f"rows/{n:03d}/{name}", text)
    helpers.git(repo, "add", "-A")
    helpers.git(repo, "commit", "-qm", "rows")

    def found() -> set[tuple[object, ...]]:
        res = helpers.run_cli(["check", "--all", "--format", "json", "-q", "rows"], repo)
        assert res.code in (0, 1), res.text
        return {(f["path"], f["rule"], f["fingerprint"]) for f in json.loads(res.out)["findings"]}

    small = found()
    for n in range(300):
        helpers.write(repo / f"rows/filler/cm{n}.yaml", f"kind: ConfigMap\nmetadata:\n  name: c{n}\ndata:\n  a: b\n")
    helpers.git(repo, "add", "-A")
    helpers.git(repo, "commit", "-qm", "filler")
    assert len(small) > 40 and found() == small


def test_an_ascii_text_is_searched_as_its_bytes_with_the_same_offsets() -> None:
    import random

    rng = random.Random(11)
    pieces = ["password: x\n", "  token: ", "é", "kind: Secret\n", "a: b\n", "- name: X_TOKEN\n", "\t", "sops:\n"]
    for _ in range(300):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 40)))
        for pattern in (patterns._HINTED_LINE, patterns._STRONG_HINT, patterns.KIND_SECRET.pattern):
            want = [(m.start(), m.end()) for m in patterns.large(pattern).finditer(text)]
            assert list(patterns.large_spans(pattern, text)) == want, (pattern, text)
            assert patterns.large_search(pattern, text) is bool(want)


def test_a_connection_strings_marker_without_its_value_selects_no_rule() -> None:
    """`password=` is the connection-string rule's marker; the rule is selected only where a value
    follows (its narrowed piece), not where prose names the marker."""
    kinds = {kind for kind, _rx in tokens.candidates("docs: see password= in the manual\n")[0]}
    assert "Connection string password" not in kinds
    kinds = {kind for kind, _rx in tokens.candidates("Server=db;User Id=app;Password=" + "Xy7" + "Pq2;\n")[0]}
    assert "Connection string password" in kinds


def _selector_reads_ciphertext(monkeypatch: pytest.MonkeyPatch) -> None:
    """The judge: the same rules, with the selector reading sops's ciphertext as any text."""
    monkeypatch.setattr(tokens, "_CIPHERTEXT", re.compile(rb"(?!)"))


@pytest.mark.parametrize("store, plaintext", [
    ("yaml", "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n  annotations:\n    note: {note}\n"
             "stringData:\n  password: {pw}\n"),
    ("json", '{{"note": "{note}", "data": {{"password": "{pw}"}}}}\n'),
    ("dotenv", "NOTE={note}\nPASSWORD={pw}\n"),
], ids=["yaml", "json", "dotenv"])
@pytest.mark.parametrize("note", ["plain", "token"])
def test_the_selector_passes_over_sops_ciphertext_and_finds_what_it_finds_reading_it(
        store: str, plaintext: str, note: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A file the real sops wrote, with a plaintext value (unencrypted by its rule) that is or is not a
    token: its findings are those of the selector reading the ciphertext too."""
    from secretops.check import workers
    from tests import wild

    identity = agekeys.generate()
    token = "gh" + "p_" + rand(36)
    text = plaintext.format(note=token if note == "token" else "hello", pw=rand(20))
    rel = f"apps/db.enc.{store if store != 'dotenv' else 'env'}"
    if store == "yaml":  # only data and stringData encrypted: the annotation stays plaintext
        tmp = tmp_path / "cfg"
        tmp.mkdir()
        (tmp / ".sops.yaml").write_text(f"creation_rules:\n  - age: {identity.public}\n"
                                        f"    encrypted_regex: ^(data|stringData)$\n")
        res = helpers.run_proc([helpers.sops_bin(), "--config", str(tmp / ".sops.yaml"), "encrypt",
                                "--filename-override", rel, "/dev/stdin"], tmp_path, input=text.encode())
        assert res.code == 0, res.err
        data = res.out.encode() if isinstance(res.out, str) else res.out
    else:
        (tmp_path / "r").mkdir()
        wild.encrypt_store(tmp_path / "r", rel, store, [identity.public], text)
        data = (tmp_path / "r" / rel).read_bytes()
    assert b"ENC[AES256_GCM,data:" in data

    def found() -> list[tuple[str, int, str]]:
        blob = Blob(rel, data, "1" * 40, None, len(data))
        return sorted((f.rule, f.line, f.fingerprint) for f in workers.check_blobs(
            [blob], Settings(history=True), True).findings)

    fast = found()
    tokens._KEPT.clear()
    _selector_reads_ciphertext(monkeypatch)
    assert fast == found()
    assert bool(fast) is (note == "token" and store == "yaml")  # (sops encrypts every value of the other stores)


@pytest.mark.parametrize("value", [
    "ENC[AES256_GCM,data:x, jf" + "rog=" + "Ab1x" * 16 + ",iv:a,tag:b,type:str]",  # not sops's grammar
    "ENC[AES256_GCM,data:jf" + "rog=" + "Ab1x" * 16 + ",iv:a,tag:b,type:str]",  # `=` where base64 has none
])
def test_text_shaped_like_ciphertext_but_not_sops_s_is_read_by_the_selector(value: str) -> None:
    """A provider's key hidden in brackets that only look like sops's: the selector still reads it."""
    from secretops.check import workers

    data = f"config:\n  artifactory: {value}\n".encode()
    assert tokens._ciphertext().sub(b"", data) == data
    blob = Blob("apps/x.yaml", data, "2" * 40, None, len(data))
    assert workers.check_blobs([blob], Settings(history=True), True).findings
