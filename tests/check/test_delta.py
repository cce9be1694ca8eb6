"""A version left to its previous version's findings (check/delta.py): on both sides, and a whole
generated history, shaped like the real ones, whose findings are those of a full read."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from secretops.check import delta
from tests import helpers
from tests.check.tokens import rand

RELEASE = """---
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: app
spec:
  chart:
    spec:
      chart: app-template
      version: 3.{v}.0
  values:
    image:
      repository: ghcr.io/example/app
      tag: "1.{v}.0@sha256:{digest}"
    env:
      TZ: Europe/Berlin
    existingSecret: app-secret
"""


def _release(v: int) -> bytes:
    return RELEASE.format(v=v, digest=f"{v:064x}").encode()


@pytest.mark.parametrize("old, new", [
    (_release(1), _release(2)),  # a bot's version bump
    (b"a: 1\nb: 2\n", b"a: 1\nb: 2\nc: 3\n"),  # a plain line added
    (b"x: 1\nlabels:\n  v: a\n", b"x: 1\nlabels:\n  v: b\n  w: c\n"),
    (b"key: value\n", b"key: value\n"),  # the same text
    (b"run: |\n  make \\\n    all\nuses: a@1\n", b"run: |\n  make \\\n    all\nuses: a@2\n"),  # a shell line break
    (b"metadata:\n  name: &n app\nspec:\n  x: *n\n", b"metadata:\n  name: &n app2\nspec:\n  x: *n\n"),  # an anchor
    (b"a: 1\nvolume:\n  type: nfs\n", b"a: 1\nvolume:\n  type: emptyDir\n"),  # no dashboard widget here
    (b"kind: Secret\nmetadata:\n  labels:\n    v: a\nstringData:\n  k: x\n",
     b"kind: Secret\nmetadata:\n  labels:\n    v: b\nstringData:\n  k: x\n"),  # a Secret's label
    (b"a: 1\n\xc3\xa9: 2\n", b"a: 2\n\xc3\xa9: 2\n"),  # UTF-8 text
    (b"values:\n  existingSecret: app\n  replicas: 1\n", b"values:\n  existingSecret: app\n  replicas: 2\n"),
    (b"spec:\n  description: keep it\n", b"spec:\n  description: rotate the token daily\n"),  # a word, no key
    (b'a: 1\nschedule: "H */4 * * *"\n', b'a: 1\nschedule: "H H/4 * * *"\n'),  # `*` inside a value: no alias
    (b"m: |\n  {{ if .A }}**Summary:** {{ .A }}\nb: 1\n", b"m: |\n  {{ if .B }}**Summary:** {{ .B }}\nb: 1\n"),
    (b"note: Hello\n", b"note: Hello !world\n"),  # `!` inside a plain scalar: no tag
])
def test_a_change_that_touches_nothing_a_rule_looks_for_keeps_the_findings(old: bytes, new: bytes) -> None:
    assert delta.same_findings(old, new, "apps/x.yaml")


@pytest.mark.parametrize("old, new", [
    (b"a: 1\n", b"a: 1\ntoken: Zq8rT2mXw9LpV4sK7nB3cY6dH1fJ5g\n"),  # a hint word on a changed line
    (b"a: 1\n", b"a: 1\nb: gh" b"p_Zq8rT2mXw9LpV4sK7nB3cY6dH1fJ5gA2bC3d\n"),  # a token's marker
    (b"a: 1\n", b"a: 1\n---\nb: 2\n"),  # a document separator
    (b"d: |\n  password: hunter2Zq9x\n", b"d:\n  password: hunter2Zq9x\n"),  # a block scalar header went
    (b"a: 1\nb: x\n", b"a: 1\nb: 'x\n"),  # an unbalanced quote
    (b"a: [1\n", b"a: [1, 2\n"),  # an open flow sequence
    (b"widget:\n  key: k\n", b"widget:\n  key: k\n  url: http://x\n"),  # a dashboard widget's url
    (b"a: &n x\nb: 1\npassword: *n\n", b"a: &n Xk9mP2qL7zW4\nb: 1\npassword: *n\n"),  # an anchor a key reads
    (b"kind: Secret\nstringData:\n  k: x\n", b"kind: Secret\nstringData:\n  k: y\n"),  # a Secret's value
    (b"kind: Secret\ndata: {}\nx: 1\n", b"kind: Secret\ndata: {k: eQ==}\nx: 1\n"),  # a Secret's data
    (b"p: 1\nsecret: x\nq: 2\n", b"secret: x\np: 1\nq: 2\n"),  # a line a rule reads moved
    (b"kind: ConfigMap\ndata:\n  a: b\n", b"kind: Secret\ndata:\n  a: b\n"),  # it can now be a Secret
    (b"kind: Secret\ndata:\n  a: b\n", b"kind: Secret\ndata:\n  a: c\n"),  # a Secret's value changed
    (b"a: ENC[AES256_GCM,data:x,iv:y,tag:z,type:str]\nsops:\n  v: 1\n", b"a: b\nsops:\n  v: 1\n"),  # sops
    (b"x: \\x73ops\nz: 1\nm: ENC[AES256_GCM,data:a,iv:b,tag:c,type:str]\n",
     b"x: \\x73ops\nz: 2\nm: ENC[AES256_GCM,data:a,iv:b,tag:c,type:str]\n"),  # an escape may spell sops
    (b'"kind": "Secr\\x65t"\nstringData:\n  k: x\n', b'"kind": "Secr\\x65t"\nstringData:\n  k: y\n'),  # or Secret
    (b"\xef\xbb\xbfa: 1\n", b"\xef\xbb\xbfa: 2\n"),  # a BOM
    (b"a: 1\nb: x\xc2\x85y\n", b"a: 2\nb: x\xc2\x85y\n"),  # NEL: a line break to some readers
    (b"a: 1\nb: \xff\n", b"a: 2\nb: \xff\n"),  # not UTF-8
    (b"env:\n- name: TZ\n  value: Xk9mP2qL7zW4\n", b"env:\n- name: API_TOKEN\n  value: Xk9mP2qL7zW4\n"),  # renamed
    (b"args:\n- --log\n- Xk9mP2qL7zW4\n", b"args:\n- --token\n- Xk9mP2qL7zW4\n"),  # a flag now names a secret
    (b"env:\n- value: a1\n  name: API_TOKEN\n", b"env:\n- value: Xk9mP2qL7zW4\n  name: API_TOKEN\n"),  # name after
    (b"password:\n  REPLACE_ME\n", b"password:\n  Xk9mP2qL7zW4\n"),  # a value on the line after its key
    (b"password: |\n  a\n  REPLACE_ME\nq: 1\n", b"password: |\n  a\n  Xk9mP2qL7zW4\nq: 1\n"),  # in a block scalar
    (b"env:\n- name: API_TOKEN\n  value: a1\n", b"env:\n- name: API_TOKEN\n  value: Xk9mP2qL7zW4\n"),  # beside its name
    (b"kind: Secret\nstringData:\n  config: |-\n    ${X}\n", b"kind: Secret\nstringData:\n  config: |-\n    Zq8rT2mXw9Lp\n"),
    (b"kind: Secret\nstringData:\n  a:\n    b: ${X}\n", b"kind: Secret\nstringData:\n  a:\n    b: Zq8rT2mXw9Lp\n"),
    (b"kind: Secret\nstringData:\n  v: |\n    a: b", b"kind: Secret\nstringData:\n  v: |\n    a: b\n"),  # its last line break
    (b'note: "a"\npassword: Xk9mP2qL7zW4\n', b'note: "a\\"\npassword: Xk9mP2qL7zW4\n'),  # an escaped quote
    (b"a: 1\n", b"a: 1\nb: AWS_SECRET_ACCESS_KEY=" + b"Ab1/" * 10 + b"\n"),  # a provider-named value
    # an alias or a tag where a node starts: after `: `, `- `, at a line's start, in flow, after an anchor
    (b"t: &t Xk9mP2qL7zW4\nx: &y a\nenv:\n- name: API_TOKEN\n  value: *y\n",
     b"t: &t Xk9mP2qL7zW4\nx: &y a\nenv:\n- name: API_TOKEN\n  value: *t\n"),
    (b"t: &t Xk9mP2qL7zW4\nargs:\n- --token\n- a\n", b"t: &t Xk9mP2qL7zW4\nargs:\n- --token\n- *t\n"),
    (b"t: &t Xk9mP2qL7zW4\nv: {\"k\": 1}\n", b"t: &t Xk9mP2qL7zW4\nv: {\"k\":*t}\n"),
    (b"t: &t Xk9mP2qL7zW4\nv: [a]\n", b"t: &t Xk9mP2qL7zW4\nv: [*t]\n"),
    (b"t: &t Xk9mP2qL7zW4\nv:\n  a\n", b"t: &t Xk9mP2qL7zW4\nv:\n  *t\n"),
    (b"kind: Secret\ndata:\n  k: eA==\n", b"kind: Secret\ndata:\n  k: &a !!binary eA==\n"),
    (b"a: 1\n", b"a: !!binary 1\n"),
    (b"a: 1\n", b"a: &x !!binary 1\n"),
])
def test_a_change_that_may_change_a_finding_is_checked_in_full(old: bytes, new: bytes) -> None:
    assert not delta.same_findings(old, new, "apps/x.yaml")


@pytest.mark.parametrize("old", [
    b"kind: Secret\nmetadata:\n  labels:\n    b: 0\n    a: 1\nstringData:\n  k: x\n",  # may hold a Secret
    b"kind: ConfigMap\nmetadata:\n  labels:\n    b: 0\n    a: 1\nsops:\n  x: 1\n",  # a sops key
    b"kind: ConfigMap\ndata:\n  password:\n    Xk9mP2qL7zW4\n  b: 0\n  c: 0\n  a: 1\n",  # a key read by parsing
])
def test_a_file_whose_parse_a_rule_reads_must_still_parse(old: bytes) -> None:
    if b"sops" not in old:
        assert delta.same_findings(old, old.replace(b"a: 1", b"a: 2"), "x.yaml")
    broken = old.replace(b"  a: 1", b" a: 2")
    assert not delta.same_findings(old, broken, "x.yaml")  # now broken YAML
    assert not delta.same_findings(broken, broken.replace(b" a: 2", b"  a: 2"), "x.yaml")  # mended


def test_a_file_whose_parse_no_rule_reads_may_break() -> None:
    """A ConfigMap that mentions `kind: Secret` in a value cannot be a Secret: its parse error is no
    finding (unscannable's own pre-test), so a version that breaks it keeps its findings."""
    from secretops.check import workers
    from secretops.check.model import Blob, Settings

    old = b"kind: ConfigMap\ndata:\n  note: \"see kind: Secret\"\n  b: 0\n  a: 1\n"
    new = old.replace(b"  a: 1", b" a: 2")
    assert delta.same_findings(old, new, "x.yaml")
    for data in (old, new):
        assert workers.check_blobs([Blob("x.yaml", data, "0" * 40)], Settings(small_scan=True), True).findings == []


def test_a_json_file_that_mentions_a_secret_like_key_is_checked_in_full() -> None:
    old = b'{\n  "a": 1,\n  "password": "Xk9mP2qL7zW4"\n}\n'
    assert not delta.same_findings(old, old.replace(b'"a": 1', b'"a": 2'), "x.json")
    assert delta.same_findings(b'{\n  "a": 1\n}\n', b'{\n  "a": 2\n}\n', "x.json")


def test_paths_whose_rules_read_more_than_their_content_are_always_checked() -> None:
    from secretops.check.model import Settings

    settings = Settings()
    assert delta.path_eligible("apps/x/helmrelease.yaml", settings)
    for path in ("apps/kustomization.yaml", "db.clear.yaml", "db.enc.yaml", ".sops.yaml"):
        assert not delta.path_eligible(path, settings)


def _fast_import(root: Path, commits: list[tuple[str, dict[str, bytes]]]) -> None:
    stream = []
    for n, (message, files) in enumerate(commits):
        lines = [b"commit refs/heads/main\n", f"committer bot <bot@example.com> {1_700_000_000 + n} +0000\n".encode(),
                 f"data {len(message)}\n{message}\n".encode()]
        for path, data in files.items():
            lines.append(f"M 100644 inline {path}\ndata {len(data)}\n".encode() + data + b"\n")
        stream.append(b"".join(lines) + b"\n")
    subprocess.run(["git", "fast-import", "--quiet"], cwd=root, input=b"".join(stream), check=True)
    helpers.git(root, "reset", "-q", "--hard", "main")


def _crds(v: int, note: str = "") -> bytes:
    docs = [f"---\napiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: c{n}\n"
            f"  labels:\n    app.kubernetes.io/version: v2.{v}.0\nspec:\n  versions:\n  - name: v1\n    schema:\n"
            f"      openAPIV3Schema:\n        description: The Secret holding a token for the source.{note}\n"
            f"        properties:\n          passCredentials:\n            type: boolean\n"
            for n in range(40)]
    return "".join(docs).encode()


def test_a_generated_history_gives_the_findings_of_a_full_read(tmp_path: Path) -> None:
    """Bot bumps, a re-generated CRD bundle, a token that later versions keep (their findings are
    re-checked, not left), a Secret, broken YAML, and the traps of test_a_change_that_may_change…"""
    from bench import bench_history

    root = tmp_path / "repo"
    root.mkdir()
    helpers.git(root, "init", "-q", "-b", "main")
    token = helpers.plant("gh" + "p_" + rand(36))
    password = helpers.plant(rand(24))
    commits: list[tuple[str, dict[str, bytes]]] = [("init", {
        "apps/a/helmrelease.yaml": _release(0), "apps/b/helmrelease.yaml": _release(0),
        "flux/gotk-components.yaml": _crds(0), "apps/c/values.yaml": b"replicas: 1\n",
        "apps/d/notes.yaml": b"d: |\n  password: " + password.encode() + b"\nz: 1\n",
        "apps/e/secret.yaml": b"apiVersion: v1\nkind: Secret\nmetadata:\n  name: e\nstringData:\n  v: x1\n"})]
    for v in range(1, 60):
        files = {f"apps/{'ab'[v % 2]}/helmrelease.yaml": _release(v)}
        if v % 10 == 0:
            files["flux/gotk-components.yaml"] = _crds(v, f" Version {v}.")
        if v == 20:
            files["apps/c/values.yaml"] = f"replicas: 1\ntoken: {token}\n".encode()
        if v in (21, 22, 40):
            files["apps/c/values.yaml"] = f"replicas: {v}\ntoken: {token}\n".encode()
        if v == 30:
            files["apps/d/notes.yaml"] = b"d:\n  password: " + password.encode() + b"\nz: 1\n"
        if v == 35:
            files["apps/e/secret.yaml"] = b"apiVersion: v1\nkind: Secret\nmetadata:\n  name: e\nstringData:\n  v: y2\n"
        if v == 45:
            files["apps/f/broken.yaml"] = b"kind: ConfigMap\ndata:\n  note: kind: Secret\n"
        if v == 50:  # a folder moved: the same blobs at new paths of the same name
            files["apps/moved/values.yaml"] = f"replicas: 40\ntoken: {token}\n".encode()
            files["apps/moved/helmrelease.yaml"] = _release(49)
        commits.append((f"bump {v}", files))
    _fast_import(root, commits)
    fast, full = bench_history.product(root), bench_history.full_read(root)
    assert fast == full
    rules = {(row[0], row[1]) for row in fast}
    assert {("credential", "apps/c/values.yaml"), ("credential", "apps/d/notes.yaml"),
            ("plaintext-secret", "apps/e/secret.yaml"), ("credential", "apps/moved/values.yaml")} <= rules
    kept = next(row for row in fast if row[:2] == ("credential", "apps/c/values.yaml"))
    assert kept[6] == 3  # the three later versions that still hold the token
    # …and most versions were left to their previous one (the comparison is not of two full reads)
    from secretops.check import sources, workers
    from secretops.check.model import Settings
    from secretops.git import blobs

    refs = list(sources.History(root).source().refs)
    try:
        part = workers.check_refs(root, refs, Settings(history=True), True)
    finally:
        blobs.close_readers()
    assert len(part.inherited) > len(refs) // 2 and part.checked
    copies = {left.ref.path for left in part.inherited if left.ref.base_path}
    assert {"apps/moved/values.yaml", "apps/moved/helmrelease.yaml"} <= copies
    assert not {"apps/d/notes.yaml", "apps/e/secret.yaml"} & {left.ref.path for left in part.inherited}


def test_changed_lines_are_found_alike_by_walking_and_by_find() -> None:
    """A long middle is searched with bytes.find; it must name the lines walking it names."""
    import random

    rng = random.Random(3)
    words = [b"a: 1", b"b: 2", b"", b"  c: x", b"- d", b"e: y", b"  f: z"]
    for _ in range(2000):
        middle = [rng.choice(words) for _ in range(rng.randint(0, 80))]
        data = b"top: 0\n" + b"\n".join(middle) + b"\nend: 1\n"
        changed = set(rng.sample(words, rng.randint(1, 3)))
        walked, at = [], 7
        for line in middle:
            if line in changed:
                walked.append((at, line))
            at += len(line) + 1
        assert delta._changed_at(data, 7, middle, changed) == walked


def test_a_value_replaced_by_a_value_never_breaks_nor_mends_a_parse() -> None:
    """The fast path for a bot's bump (check/delta.py `_values_only`) is asked of libyaml itself: for
    every pair of values it lets through, in block and flow contexts, both versions parse alike."""
    import itertools

    values = [b"1", b"v1.2.3", b"-", b"-x", b"@x", b"%x", b"~x", b"=x", b"b:c", b"a:", b'"q"', b"'q'", b'"a\\"',
              b"x#y", b"x,y", b"[a]", b"{a}", b"x y", b"*a", b"&a", b"!t", b"|", b">", b"?", b"`x", b"x%y", b"x@y",
              b"1.2@sha256:ab", b"''", b'""']
    contexts = [b"k: V\n", b"x: {\n  k: V\n  }\n", b"x: [\n  {k: V}\n  ]\n", b"l:\n  - k: V\n", b"k: V\n  more\n"]
    parses = {context.replace(b"V", v): delta._parses(context.replace(b"V", v).decode())
              for context in contexts for v in values}
    passed = 0
    for context in contexts:
        for a, b in itertools.product(values, values):
            old, new = context.replace(b"V", a), context.replace(b"V", b)
            if delta._values_only(old.split(b"\n"), new.split(b"\n")):
                passed += 1
                assert parses[old] == parses[new], (old, new)
    assert passed > 100
