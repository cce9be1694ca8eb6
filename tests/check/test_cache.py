"""`check --history` reads only the commits added since its last run, and never trusts a cache made
from anything that changed: a rewritten history, another .sops.yaml, other settings."""

from __future__ import annotations

from pathlib import Path

from secretops.check import cache
from tests import helpers
from tests.check.conftest import check
from tests.check.tokens import rand


def _found(repo: Path, *extra: str) -> set[tuple[object, object, object]]:
    return {(f["path"], f["rule"], f.get("commit")) for f in check(repo, "--history", *extra)[1]}


def test_history_cache_matches_a_full_read(repo: Path) -> None:
    one = helpers.commit_file(repo, "a/values.yaml", f"token: {helpers.plant('gh' + 'p_' + rand(36))}\n", "one")
    first = _found(repo)
    assert cache.path(repo).is_file() and first == _found(repo, "--no-cache")
    two = helpers.commit_file(repo, "b/values.yaml", f"token: {helpers.plant('xo' + 'xb-' + rand(30))}\n", "two")
    assert _found(repo) == _found(repo, "--no-cache") == first | {("b/values.yaml", "credential", two)}
    assert cache.path(repo).stat().st_mode & 0o777 == 0o600
    text = cache.path(repo).read_text()
    assert not any(p in text for p in helpers.PLANTED)  # fingerprints and redacted previews only
    # history rewritten: the commit that brought the second leak is gone, and so is its finding
    helpers.git(repo, "reset", "-q", "--hard", one)
    helpers.git(repo, "reflog", "expire", "--expire=now", "--all")
    assert _found(repo) == first
    # another .sops.yaml changes what is judged: the cache is not used
    helpers.commit_file(repo, ".sops.yaml", "creation_rules:\n  - path_regex: ^a/values\\.yaml$\n    age: age1"
                        + "q" * 58 + "\n", "rules")
    assert _found(repo) == _found(repo, "--no-cache")
    assert ("a/values.yaml", "not-encrypted", one) in _found(repo)


def test_a_damaged_cache_is_rebuilt(repo: Path) -> None:
    helpers.commit_file(repo, "a/values.yaml", f"token: {helpers.plant('gh' + 'p_' + rand(36))}\n", "one")
    expected = _found(repo)
    cache.path(repo).write_text("{not json")
    assert _found(repo) == expected
