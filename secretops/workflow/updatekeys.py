"""`updatekeys`: bring every encrypted file's recipients in line with its creation rule, repo-wide
(what `find … | xargs sops updatekeys -y` does, getsops/sops#1071).

Age-only changes to YAML, JSON and binary-format files are made in-process: the data key that a
local age identity opens is wrapped for the added recipients and only the `sops.age` block changes.
Everything else (PGP, KMS or Vault recipients that differ, key groups, dotenv, INI, post-quantum
keys) goes through the real `sops updatekeys` on a private copy, with the user's own credentials.
Every new file is made and proved in memory before the first one is written: the stanzas it should
list, each local key opening the real data key (checked against the MAC), and the real sops
decrypting a sample (every file with ``verify_all``). Only the key blocks change: values,
`lastmodified` and `mac` stay as they are.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from secretops.errors import AgeKeyError, InputError, SecretopsError, StateError
from secretops.repo.discovery import Scan
from secretops.repo.model import Repo
from secretops.sops import agekeys, document, recipients, rewrap
from secretops.sops.agekeys import Identity, Keyring
from secretops.sops.binary import Sops
from secretops.sops.document import ParsedFile
from secretops.util import parallel
from secretops.util.display import safe
from secretops.util.fsutil import atomic_write, batch, private_tempdir, remove_stale_temps, require_replaceable
from secretops.util.progress import Observer, Silent

IN_PROCESS, THROUGH_SOPS = "in-process", "through-sops"


@dataclass(frozen=True)
class Drift:
    path: str
    add: tuple[str, ...]  # age recipients the rule names and the file lacks
    remove: tuple[str, ...]  # age recipients the file lists and the rule does not
    other: bool  # PGP/KMS/Vault recipients differ too
    how: str  # in-process | through-sops


@dataclass(frozen=True)
class UpdateReport:
    drift: tuple[Drift, ...]
    up_to_date: int
    no_rule: tuple[str, ...]  # encrypted files that no `.sops.yaml` rule governs: left as they are
    written: int = 0
    sops_checked: int = 0


def _selected(repo: Repo, scan: Scan, paths: Sequence[str]) -> list[ParsedFile]:
    wanted = [repo.rel(p) for p in paths]
    out = []
    for parsed in scan.encrypted:
        if wanted and not any(parsed.rel == w or parsed.rel.startswith(w.rstrip("/") + "/") or w in ("", ".")
                              for w in wanted):
            continue
        out.append(parsed)
    return out


def plan(repo: Repo, scan: Scan, paths: Sequence[str] = ()) -> UpdateReport:
    drift, same, no_rule = [], 0, []
    for parsed in _selected(repo, scan, paths):
        meta = parsed.meta
        if meta is None or not parsed.encrypted:
            continue  # not encrypted: `status` and `check` report it; there are no keys to update
        rule = repo.sops_config.rule_for(parsed.rel)
        if rule is None:
            no_rule.append(parsed.rel)
            continue
        have, want = meta.recipients.as_sets(), rule.recipients.as_sets()
        if have == want:
            same += 1
            continue
        age_have, age_want = have.get("age", frozenset()), want.get("age", frozenset())
        other = {k: v for k, v in have.items() if k != "age"} != {k: v for k, v in want.items() if k != "age"}
        simple = not other and parsed.store in rewrap.SPLICED and not meta.uses_key_groups and \
            not rule.shamir_threshold and len(rule.key_groups) <= 1
        drift.append(Drift(parsed.rel, tuple(sorted(age_want - age_have)), tuple(sorted(age_have - age_want)),
                           other, IN_PROCESS if simple else THROUGH_SOPS))
    return UpdateReport(tuple(drift), same, tuple(no_rule))


def run(repo: Repo, sops: Sops, scan: Scan, paths: Sequence[str] = (), *, verify_all: bool = False,
        observer: Observer | None = None) -> UpdateReport:
    obs = observer or Silent()
    remove_stale_temps(repo.root, [p.rel for p in _selected(repo, scan, paths)])  # a killed run's (we hold the lock)
    report = plan(repo, scan, paths)
    if not report.drift:
        return report
    ids = Keyring(agekeys.load_identities())
    root = repo.root

    def make(rel: str) -> str:
        item = by_path[rel]
        raw = (root / rel).read_bytes()
        crlf = b"\r\n" in raw
        text = raw.decode("utf-8").replace("\r\n", "\n")
        if item.how == IN_PROCESS:
            try:
                new = rewrap.rewrap_text(text, rel, ids, item.add, item.remove)
            except rewrap.Unsupported:
                return _through_sops(root, sops, rel)
            expected = recipients.age_of_text(rel, text) - set(item.remove) | set(item.add)
            recipients.verify_meta(document.parse_light(rel, new.encode()).meta, rel, expected, item.remove,
                                   ids.by_public, None)
            return new.replace("\n", "\r\n") if crlf else new  # its own line endings kept
        return _through_sops(root, sops, rel)

    by_path = {d.path: d for d in report.drift}
    try:
        made: dict[str, str] = parallel.run(list(by_path), make, obs, "updating keys")  # nothing written yet
    except AgeKeyError as exc:
        raise AgeKeyError(exc.message, hint="add an age key that opens the file to your key file (or set "
                          "SOPS_AGE_KEY_FILE), then run again") from None
    checked = _sops_check(sops, made, ids, verify_all)
    require_replaceable(root, sorted(made), "updatekeys")  # every refusal before the first write
    with batch():
        for rel in sorted(made):
            atomic_write(root / rel, made[rel].encode())
    return UpdateReport(report.drift, report.up_to_date, report.no_rule, len(made), checked)


def _through_sops(root: Path, sops: Sops, rel: str) -> str:
    """`sops updatekeys` on a private copy under a one-rule config made from the file's rule."""
    try:
        return recipients.updated_by_sops(root, sops, rel).decode("utf-8")
    except UnicodeDecodeError:
        raise InputError(f"{safe(rel)}: sops wrote something that is not UTF-8 text", hint="check the file") from None


def _sops_check(sops: Sops, made: dict[str, str], ids: Sequence[Identity], verify_all: bool) -> int:
    """The real sops decrypts the new content (a sample, or every file) before anything is written,
    with the local age keys that are still recipients; files it cannot open that way are left to the
    in-memory proof (a recipient list without a local key, e.g. KMS only)."""
    chosen = sorted(made) if verify_all else sorted(made)[:3]
    checked = 0
    with private_tempdir() as tmp:
        for n, rel in enumerate(chosen):
            meta = document.parse_light(rel, made[rel].encode()).meta
            if meta is None or not set(meta.recipients.age) & {i.public for i in ids}:
                continue
            copy = tmp / f"{n}-{Path(rel).name}"
            copy.write_text(made[rel], encoding="utf-8")
            try:
                # the keys it lists, not the whole key ring (thousands of keys overflow the environment)
                sops.decrypt(str(copy), env=agekeys.identity_env(recipients.listed_in(meta.recipients.age, ids)),
                             label=rel)
            except SecretopsError as exc:  # one line, one error type (a SopsError needs its command)
                raise StateError(f"verification failed before writing: {exc.message}",
                                 hint="nothing was written; run `secretops status` and check the file") from None
            checked += 1
    return checked
