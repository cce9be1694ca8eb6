"""`secretops diff` (text, JSON, Markdown) and the textconv `git diff` runs, on real repositories with
files the real sops encrypted, under hostile names. Judges: GitHub's own Markdown renderer (cmark-gfm,
with raw HTML let through as GitHub's sanitizer would see it), `json.loads`, the real git running the
textconv as install-hook registers it, and the real sops's metadata."""

from __future__ import annotations

import json
import re
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from secretops.sops import agekeys
from secretops.util.display import key_path, safe
from tests import helpers

HOSTILE = [
    "<img src=x onerror=alert(1)>",
    "[click](https://evil.example/x)",
    "@octocat please merge",
    "\u202eslif.exe",
    "zero\u200bwidth\u2060join\ufeff",
    "a|b|c",
    "line\nbreak",
    "para\u2028graph",
    "`tick` ``two``",
    "**bold** _em_ # h ~~s~~",
    "back\\|slash",
    "&amp; &#64;x",
]
FORGED = "age1forgedforgedforgedforgedforgedforgedforgedforgedforgedforged"
FORGING_KEY = f"x\nsops.age: {FORGED}"
BASE_BRANCH = "evil|<img/src=x/onerror=alert(1)>@octocat`x`"
INVISIBLE = re.compile("[\u202a-\u202e\u2066-\u2069\u200b-\u200f\u2060\ufeff\u2028\u2029]")


def _encrypted(root: Path, keys: list[str]) -> bytes:
    """A Secret whose stringData has these key names, encrypted by `secretops encrypt` (the real sops)."""
    body = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: hostile\n  namespace: default\ntype: Opaque\nstringData:\n"
    body += "".join(f"  {json.dumps(k)}: {helpers.plant(f'pw-hostile-{n}-Rv3')}\n" for n, k in enumerate(keys))
    helpers.write(root / "apps/hostile.clear.yaml", body)
    res = helpers.run_cli(["encrypt", "--rm", "apps/hostile.clear.yaml"], root)
    assert res.code == 0, res.text
    out = root / "apps/hostile.enc.yaml"
    data = out.read_bytes()
    out.unlink()
    return data


@pytest.fixture
def hostile(fleet: Path) -> tuple[Path, str, list[str]]:
    """The base branch has a hostile name; the head adds one encrypted file per hostile name, each
    holding every hostile key name and one that tries to forge a recipient line."""
    assert helpers.run_cli(["install-hook"], fleet).code == 0
    helpers.git(fleet, "add", "-A")
    helpers.git(fleet, "commit", "-qm", "wired", "--allow-empty")
    helpers.git(fleet, "branch", BASE_BRANCH)
    data = _encrypted(fleet, [*HOSTILE, FORGING_KEY])
    rels = [f"apps/{name.replace('/', '_')}.enc.yaml" for name in HOSTILE]
    for rel in rels:
        (fleet / rel).write_bytes(data)
    helpers.git(fleet, "add", "-A")
    helpers.git(fleet, "commit", "-qm", "hostile names")
    return fleet, f"{BASE_BRANCH}..HEAD", rels


class _Html(HTMLParser):
    """Tags, the text inside each <code>, and the text outside any <code> (where GitHub links @mentions)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.codes: list[str] = []
        self.outside: list[str] = []
        self.rows: list[int] = []
        self._code: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        if tag == "code":
            self._code = []
        elif tag == "tr":
            self.rows.append(0)
        elif tag in ("td", "th"):
            self.rows[-1] += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "code" and self._code is not None:
            self.codes.append("".join(self._code))
            self._code = None

    def handle_data(self, data: str) -> None:
        (self._code if self._code is not None else self.outside).append(data)


def _github(markdown: str) -> _Html:
    import cmarkgfm
    from cmarkgfm.cmark import Options

    page = _Html()
    page.feed(cmarkgfm.github_flavored_markdown_to_html(markdown, options=Options.CMARK_OPT_UNSAFE))
    return page


def test_markdown_shows_hostile_names_as_code_and_nothing_else(hostile: tuple[Path, str, list[str]]) -> None:
    root, spec, rels = hostile
    res = helpers.run_cli(["diff", spec, "--format", "markdown"], root)
    assert res.code == 0, res.text
    assert not INVISIBLE.search(res.out)
    page = _github(res.out)
    assert set(page.tags) <= {"h3", "p", "table", "thead", "tbody", "tr", "th", "td", "code", "br", "strong", "em"}
    # the range table (2 cells, 2 rows), then the files (the header and one row per file, 3 cells): no row broken
    assert page.rows == [2, 2] + [3] * (1 + len(rels))
    assert "@" not in "".join(page.outside)  # GitHub links mentions only outside code
    assert safe(BASE_BRANCH + "..HEAD") in page.codes
    for rel in rels:
        assert safe(rel) in page.codes
    for name in HOSTILE:
        assert key_path(("stringData", name)) in page.codes


def test_text_output_lines_start_only_where_secretops_starts_them(hostile: tuple[Path, str, list[str]]) -> None:
    root, spec, rels = hostile
    res = helpers.run_cli(["diff", spec], root)
    assert res.code == 0, res.text
    assert not INVISIBLE.search(res.out)
    lines = res.out.splitlines()  # str.splitlines breaks at \u2028, \x1c and the rest too
    assert len(lines) == 1 + 2 * len(rels)
    assert lines[0].startswith(f"secrets in {safe(BASE_BRANCH)}..HEAD: {len(rels)} added")
    for rel, head, detail in zip(sorted(rels), lines[1::2], lines[2::2]):
        assert head == f"{safe(rel)}: new encrypted file"
        assert detail.startswith("  added: ") and key_path(("stringData", FORGING_KEY)) in detail


def test_json_output_keeps_names_exact(hostile: tuple[Path, str, list[str]]) -> None:
    root, spec, rels = hostile
    res = helpers.run_cli(["diff", spec, "--format", "json"], root)
    assert res.code == 0, res.text
    data = json.loads(res.out)
    assert data["range"] == f"{BASE_BRANCH}..HEAD" and sorted(f["path"] for f in data["files"]) == sorted(rels)


def test_textconv_key_names_cannot_forge_a_recipient_line(hostile: tuple[Path, str, list[str]]) -> None:
    """`git diff` and `git show` run the textconv; every `sops.age:` line they show is a real
    recipient (the real sops's metadata), never a key name's."""
    root, spec, rels = hostile
    recipients = {i.public for i in agekeys.load_identities()}
    for args in (["diff", spec, "--", *rels], ["show", "HEAD", "--", rels[0]], ["log", "-p", "-1", "--", rels[1]]):
        shown = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, timeout=120)
        helpers.OUTPUTS.append(shown.stdout + shown.stderr)
        assert shown.returncode == 0, shown.stderr
        lines = shown.stdout.splitlines()
        claimed = [ln.split(": ", 1)[1] for ln in lines if re.match(r"^[ +-]?sops\.age: ", ln)]
        assert claimed and set(claimed) <= recipients, args
        assert not any(ln.lstrip("+- ").startswith(FORGED) for ln in lines)
        assert not INVISIBLE.search(shown.stdout)
        assert any(key_path(("stringData", FORGING_KEY)) in ln for ln in lines)


def _plain_secret(root: Path, rel: str) -> None:
    helpers.write(root / rel, helpers.secret_yaml("plain", helpers.plant("pw-plain-under-suffix-Rv3")))


def test_a_plaintext_secret_under_the_encrypted_name_is_a_row(fleet: Path) -> None:
    base = helpers.git(fleet, "rev-parse", "HEAD").strip()
    _plain_secret(fleet, "apps/plain.enc.yaml")
    # look-alikes left alone: a Flux Kustomization naming sops, a plain ConfigMap
    helpers.write(fleet / "clusters/dev/apps/ks.yaml", "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization"
                  "\nmetadata:\n  name: apps\nspec:\n  decryption:\n    provider: sops\n")
    helpers.write(fleet / "apps/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\ndata:\n  a: b\n")
    helpers.git(fleet, "add", "-A")
    staged = helpers.run_cli(["diff", "--staged"], fleet)
    helpers.git(fleet, "commit", "-qm", "a plaintext Secret under the encrypted name")
    for res in (staged, helpers.run_cli(["diff", f"{base}..HEAD"], fleet)):
        assert res.code == 0 and "no encrypted file changed" not in res.out, res.text
        assert "apps/plain.enc.yaml: NOT ENCRYPTED" in res.out and "1 not-encrypted" in res.out
        assert "ks.yaml" not in res.out and "cm.yaml" not in res.out
    md = helpers.run_cli(["diff", f"{base}..HEAD", "--format", "markdown"], fleet)
    assert "No encrypted file changed" not in md.out and "| **NOT ENCRYPTED" in md.out
    data = json.loads(helpers.run_cli(["diff", f"{base}..HEAD", "--format", "json"], fleet).out)
    assert [(f["path"], f["status"]) for f in data["files"]] == [("apps/plain.enc.yaml", "not-encrypted")]
    # still plaintext in the next commit: still reported; removed: nothing to report
    second = helpers.git(fleet, "rev-parse", "HEAD").strip()
    helpers.write(fleet / "apps/plain.enc.yaml", helpers.secret_yaml("plain", helpers.plant("pw-plain-two-Rv3")))
    helpers.git(fleet, "commit", "-qam", "still plaintext")
    assert "NOT ENCRYPTED" in helpers.run_cli(["diff", f"{second}..HEAD"], fleet).out
    third = helpers.git(fleet, "rev-parse", "HEAD").strip()
    helpers.git(fleet, "rm", "-q", "apps/plain.enc.yaml")
    helpers.git(fleet, "commit", "-qm", "removed")
    assert "no encrypted file changed" in helpers.run_cli(["diff", f"{third}..HEAD"], fleet).out


def test_a_three_dot_range_reviews_what_the_change_made_since_it_forked(fleet: Path) -> None:
    """`diff main...pr` reads as `git diff main...pr`: the target's own later commits (here an
    encrypted file replaced by plaintext) are not the change's. Read as two trees, the change
    seemed to turn that file back into the encrypted one."""
    main = helpers.git(fleet, "rev-parse", "--abbrev-ref", "HEAD").strip()
    helpers.git(fleet, "checkout", "-q", "-b", "pr")
    helpers.write(fleet / "apps/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\ndata:\n  a: b\n")
    helpers.git(fleet, "add", "-A")
    helpers.git(fleet, "commit", "-qm", "the change: nothing encrypted")
    helpers.git(fleet, "checkout", "-q", main)
    _plain_secret(fleet, "apps/shared.enc.yaml")
    helpers.git(fleet, "commit", "-qam", "the target's own commit, later")
    assert helpers.run_cli(["diff", f"{main}...pr"], fleet).out == f"secrets in {main}...pr: no encrypted file changed\n"
    assert "apps/shared.enc.yaml" in helpers.run_cli(["diff", f"{main}..pr"], fleet).out  # the two trees differ there
    assert "apps/shared.enc.yaml: NO LONGER ENCRYPTED" in helpers.run_cli(["diff", f"pr...{main}"], fleet).out


def _deep_block(levels: int, leaf: str = "x") -> str:
    return "".join("  " * i + "a:\n" for i in range(levels - 1)) + "  " * (levels - 1) + f"a: {leaf}\n"


def test_deep_nesting_is_reviewed_without_a_crash(fleet: Path, tmp_path: Path) -> None:
    """10,000 levels (plain, and flow style with a sops block), and 2,000 levels the real sops encrypted."""
    assert helpers.run_cli(["install-hook"], fleet).code == 0
    helpers.git(fleet, "add", "-A")
    helpers.git(fleet, "commit", "-qm", "wired", "--allow-empty")
    base = helpers.git(fleet, "rev-parse", "HEAD").strip()
    helpers.write(fleet / "apps/deep.enc.yaml", _deep_block(10_000))
    sops_block = (fleet / "apps/shared.enc.yaml").read_text().split("\nsops:\n", 1)[1]
    helpers.write(fleet / "apps/flow.enc.yaml", "a: " + "{a: " * 10_000 + "x" + "}" * 10_000 + "\nsops:\n" + sops_block)
    helpers.write(fleet / "apps/real.clear.yaml", "apiVersion: v1\nkind: Secret\nmetadata:\n  name: real\nstringData:\n"
                  + "".join("  " * (i + 1) + "a:\n" for i in range(1999)) + "  " * 2000 + "a: x\n")
    res = helpers.run_cli(["encrypt", "--rm", "apps/real.clear.yaml"], fleet)
    assert res.code == 0, res.text
    assert helpers.sops_opens(fleet, "apps/real.enc.yaml", agekeys.load_identities())
    helpers.git(fleet, "add", "-A")
    helpers.git(fleet, "commit", "-qm", "deep", "--no-verify")  # the hook would stop the plaintext one
    for fmt in ("text", "json", "markdown"):
        res = helpers.cli_proc(["diff", f"{base}..HEAD", "--format", fmt], fleet)
        assert res.code in (0, 2) and "Traceback" not in res.err and "internal error" not in res.err, res.err
        if res.code == 2:
            assert len(res.err.strip().splitlines()) == 1
        else:
            for rel in ("apps/deep.enc.yaml", "apps/flow.enc.yaml", "apps/real.enc.yaml"):
                assert rel in res.out
    shown = subprocess.run(["git", "diff", f"{base}..HEAD"], cwd=fleet, capture_output=True, text=True, timeout=300)
    helpers.OUTPUTS.append(shown.stderr)
    assert shown.returncode == 0 and "internal error" not in shown.stderr and "Traceback" not in shown.stderr
    assert "+# secretops: not a sops-encrypted file" in shown.stdout  # the plain one
    assert "+stringData.a.a.a." in shown.stdout  # the real one, its structure shown
