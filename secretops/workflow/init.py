"""`init`: keys, creation rules, ignore files, the hook config and each cluster's key Secret."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from secretops.errors import ConfigError, InputError, StateError
from secretops.git import command as git
from secretops.repo.model import Repo
from secretops.sops import agekeys
from secretops.sops.agekeys import Identity
from secretops.sops.binary import Sops
from secretops.util import yamlio
from secretops.util.fsutil import atomic_write
from secretops.workflow import repofiles

STATE_DIR = ".secretops"
ENCRYPTED_REGEX = "^(data|stringData)$"


@dataclass(frozen=True)
class InitResult:
    clusters: tuple[str, ...]
    key_file: Path | None
    written: tuple[str, ...]  # with dry_run: what would be written
    bootstrap: tuple[str, ...] = field(default=())
    warnings: tuple[str, ...] = field(default=())
    found: tuple[str, ...] = field(default=())  # adopting: what the repository has already
    adopted: bool = False
    dry_run: bool = False
    new_keys: int = 0
    created: tuple[str, ...] = field(default=())  # of written: files that did not exist before
    added: tuple[tuple[str, tuple[str, ...]], ...] = field(default=())  # each file's lines: "+ new", "- gone"
    git_config: tuple[str, ...] = field(default=())  # `key = value` set (or, dry, to set) in the clone
    hook: str = ""  # what guards commits now (or, dry, would), or the command that still has to run
    next_steps: tuple[str, ...] = field(default=())  # commands the user still has to run to be guarded


def existing_setup(repo: Repo) -> list[str]:
    """What an existing sops repository already has: configs, encrypted files, hooks. Any of these
    means `init` adopts the repository instead of setting it up."""
    from secretops.repo import discovery

    found = [f"{rel} (creation rules)" for rel in repo.sops_config.paths]
    scan = discovery.scan(repo)
    if scan.encrypted:
        plain = sum(1 for p in scan.encrypted if p.error or not p.encrypted)
        found.append(f"{len(scan.encrypted) - plain} encrypted file(s)" + (
            f", and {plain} named or configured as encrypted that are not (see `secretops status`)" if plain else ""))
    found += [f"{k.rel} (key Secret)" for k in scan.key_secrets]
    if repofiles.has_hook(repo.root / ".pre-commit-config.yaml"):
        found.append(".pre-commit-config.yaml (a secretops hook)")
    return found


def _adopt(repo: Repo, found: list[str], dry_run: bool) -> InitResult:
    """An existing repository: no key, no rule, no key Secret, no file replaced. Only what is missing
    is added: the ignore lines and the pre-commit hook (a round trip keeps the user's config)."""
    from secretops.repo import discovery
    from secretops.repo import layout as layout_mod

    cfg = repo.config
    scan = discovery.scan(repo)
    layout = layout_mod.infer(repo, scan)
    writes = _ignore_writes(repo, [c.path for c in repo.clusters] or ["."])
    precommit = repofiles.precommit_config(repo.root / ".pre-commit-config.yaml")
    if precommit:
        writes.append((".pre-commit-config.yaml", precommit.encode(), 0o644))
    created = tuple(rel for rel, _d, _m in writes if not (repo.root / rel).exists())
    _require_regular(repo, writes)
    added = _added(repo, writes)
    wiring = _wiring(repo)  # every refusal before the first write
    if not dry_run:
        for rel, data, mode in writes:
            atomic_write(repo.root / rel, data, mode)
    guard = _guard(repo, dry_run, wiring)
    warnings = tuple(f"cluster {c.cluster}: its key Secret lives in the cluster only; secretops leaves it there "
                     "(a rotation delivers new keys through the API)" for c in layout.clusters if c.delivery == "api")
    return InitResult(tuple(c.name for c in repo.clusters), None, tuple(w[0] for w in writes), (), warnings,
                      (*found, *layout_mod.describe(repo, layout), f"clear copies: *{cfg.clear_suffix}"), True,
                      dry_run, created=created, added=added, **guard)


def _require_regular(repo: Repo, writes: list[tuple[str, bytes, int]]) -> None:
    for rel, _data, _mode in writes:  # every precondition before the first write (the key file included)
        if (repo.root / rel).is_symlink() or (repo.root / rel).is_dir():
            raise InputError(f"{rel} is a symlink or a folder; secretops never writes through one",
                             hint="replace it with a regular file (or remove it), then run again")


def _added(repo: Repo, writes: list[tuple[str, bytes, int]]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """The lines each write adds ("+ …") and takes away ("- …"), as `--dry-run` prints them; an
    encrypted file's are said in words."""
    import difflib

    out: list[tuple[str, tuple[str, ...]]] = []
    for rel, data, _mode in writes:
        path = repo.root / rel
        if rel.endswith(repo.config.encrypted_suffix):
            out.append((rel, ("+ (re-encrypted for the new key)",)))
            continue
        old = path.read_text(encoding="utf-8").splitlines() if path.is_file() else []
        new = data.decode("utf-8").splitlines()
        out.append((rel, tuple(ln for ln in difflib.ndiff(old, new) if ln.startswith(("+ ", "- ")))))
    return tuple(out)


def _wiring(repo: Repo) -> list[tuple[str, str]]:
    """The git config `init` would set (merge driver, textconv), or a refusal before any write."""
    from secretops.workflow import gitwiring

    return gitwiring.plan(repo.root) if repo.is_git else []


def _guard(repo: Repo, dry_run: bool, wiring: list[tuple[str, str]]) -> dict[str, Any]:
    """The clone's git config (merge driver, textconv) and the pre-commit hook: after `init`, a commit
    is checked. Another tool's hook is never replaced: then the next commands are said instead."""
    if not repo.is_git:
        return {"hook": "not a git repository: no hook", "next_steps": ("git init", "secretops install-hook")}
    from secretops.workflow import gitwiring, hook

    config = tuple(f"{k} = {v}" for k, v in wiring)  # planned before the first write (refusals included)
    if not dry_run:
        gitwiring.apply(repo.root, wiring)
    state = hook.state(repo.root)
    if state == "ours":
        return {"git_config": config, "hook": f"{hook.path(repo.root)} (secretops's hook, there already)"}
    if state == "pre-commit":
        return {"git_config": config, "hook": f"{hook.path(repo.root)} (pre-commit's: it runs the secretops hook "
                "of .pre-commit-config.yaml, which needs `secretops` on PATH)"}
    if state == "other":
        return {"git_config": config, "hook": f"{hook.path(repo.root)} is another tool's hook, left as it is",
                "next_steps": ("secretops install-hook --force  # keeps the other hook as pre-commit.bak",)}
    if dry_run:
        return {"git_config": config, "hook": f"would install {hook.path(repo.root)} (runs `secretops check --staged`)"}
    installed = hook.install(*hook.plan(repo.root))
    return {"git_config": config, "hook": f"installed {installed.path} (runs `secretops check --staged`)"}


def _ignore_writes(repo: Repo, folders: list[str]) -> list[tuple[str, bytes, int]]:
    from secretops.repo.config import clear_ignore_lines

    cfg = repo.config
    writes: list[tuple[str, bytes, int]] = []
    lines = clear_ignore_lines(cfg.clear_suffix)  # the names the checker blocks: clear copies, their leftovers
    folder = folders[0].removeprefix("./").strip("/")
    probes = {pattern: f"{folder}/{sample}".lstrip("/") for pattern, sample in lines}
    ignored = git.ignored(repo.root, list(probes.values())) if repo.is_git else set()
    missing = [pattern for pattern, probe in probes.items() if probe not in ignored]
    data = repofiles.append_lines(repo.root / ".gitignore", missing,
                                  "# secretops: clear copies, and what editors and merge tools leave of them")
    if data:
        writes.append((".gitignore", data, 0o644))
    data = repofiles.append_lines(repo.root / ".sourceignore", [f"{STATE_DIR}/"])
    if data:
        writes.append((".sourceignore", data, 0o644))
    from secretops.workflow import gitwiring

    attributes = gitwiring.attributes_update(repo.root, cfg.encrypted_suffix)
    if attributes and repo.is_git:
        writes.append((".gitattributes", attributes, 0o644))
    return writes


def key_secret_path(cluster_path: str, suffix: str, name: str) -> str:
    return f"{cluster_path}/flux-system/{name}{suffix}"


def key_secret_yaml(ident: Identity, name: str, namespace: str, data_key: str) -> bytes:
    body = (f"apiVersion: v1\nkind: Secret\nmetadata:\n  name: {name}\n  namespace: {namespace}\n"
            f"type: Opaque\nstringData:\n  {data_key}: |\n    # public key: {ident.public}\n    {ident.secret}\n")
    return body.encode()


def _rule(regex: str, publics: Sequence[str]) -> dict[str, Any]:
    return {"path_regex": regex, "encrypted_regex": ENCRYPTED_REGEX, "age": ",".join(publics)}


def _sops_yaml(repo: Repo, rules: list[dict[str, Any]]) -> str | None:
    path = repo.root / ".sops.yaml"
    text = path.read_text(encoding="utf-8") if path.is_file() else "creation_rules: []\n"
    yaml = yamlio.roundtrip(yamlio.detect_indent(text))
    data = yaml.load(text) or {}
    existing = data.setdefault("creation_rules", [])
    if not isinstance(existing, list):
        raise ConfigError(".sops.yaml: creation_rules must be a list")
    have = {str(r.get("path_regex")): r for r in existing if hasattr(r, "get")}
    new = [r for r in rules if r["path_regex"] not in have]
    grown = False
    for rule in rules:  # a rule that exists already (the catch-all for shared files) gains the new keys
        old = have.get(rule["path_regex"])
        if old is None or not isinstance(old.get("age"), str):
            continue
        keys = [k.strip() for k in old["age"].split(",") if k.strip()]
        added = [k for k in rule["age"].split(",") if k not in keys]
        if added:
            old["age"] = ",".join(keys + added)
            grown = True
    if not new and not grown:
        return None
    shared = [r for r in new if not r["path_regex"].startswith("^")]
    for offset, rule in enumerate(r for r in new if r not in shared):
        existing.insert(offset, rule)
    existing.extend(shared)
    return yamlio.dump(yaml, data)


def _shared_files(repo: Repo, sops_yaml: str, publics: list[str], skip: set[str]) -> list[tuple[str, bytes, int]]:
    """Files that the new rules give the new keys (shared files under the catch-all rule), re-wrapped
    in memory before anything is written: the new cluster's Flux can decrypt everything it applies."""
    from secretops.repo import discovery
    from secretops.sops import creation_rules, rewrap

    rules = creation_rules.parse_text(sops_yaml, repo.root / ".sops.yaml")
    ids = agekeys.Keyring(agekeys.load_identities())
    out = []
    for parsed in discovery.scan(repo).encrypted:
        rule = rules.rule_for(parsed.rel)
        meta = parsed.meta
        if rule is None or meta is None or parsed.rel in skip:
            continue
        add = [k for k in publics if k in rule.recipients.age and k not in meta.recipients.age]
        if not add:
            continue
        try:
            text = rewrap.rewrap_text(parsed.text, parsed.rel, ids, add, ())
        except rewrap.Unsupported:
            raise InputError(f"{parsed.rel} needs the new cluster's key but cannot be re-wrapped in-process "
                             "(key groups or a non-YAML store)",
                             hint=f"run `sops updatekeys -y {parsed.rel}` after init, or add the key by hand") from None
        out.append((parsed.rel, text.encode(), 0o644))
    return out


def _per_cluster_configs(repo: Repo) -> bool:
    """Every config sits in a cluster's folder, none at the root: a new cluster gets a config of its own."""
    return bool(repo.sops_config) and ".sops.yaml" not in repo.sops_config.paths


def _add_per_cluster(repo: Repo, names: list[str], paths: dict[str, str], dry_run: bool,
                     post_quantum: bool = False) -> InitResult:
    """A cluster added to a repository that keeps one `.sops.yaml` per cluster: its own config, one
    rule for the repository's suffix, in its folder. Key Secrets in such repositories are made with
    kubectl: the bootstrap line reads the new key from the key file through a pipe."""
    cfg = repo.config
    todo = [n for n in names if not (repo.root / paths[n] / ".sops.yaml").exists()]
    keys = {n: agekeys.generate(post_quantum) for n in todo}
    suffix_re = re.escape(cfg.encrypted_suffix) + "$"
    writes = [(f"{paths[n]}/.sops.yaml", yamlio.dump(yamlio.roundtrip(), {"creation_rules": [
        {"path_regex": f".*{suffix_re}", "encrypted_regex": ENCRYPTED_REGEX, "age": keys[n].public}]}).encode(),
        0o644) for n in todo]
    added = _added(repo, writes)
    wiring = _wiring(repo)  # every refusal before the first write
    if dry_run:
        return InitResult(tuple(names), None, tuple(w[0] for w in writes), dry_run=True, new_keys=len(todo),
                          added=added, **_guard(repo, True, wiring))
    key_file = None
    for n in todo:  # the key is safe on disk before any config names it
        key_file = agekeys.append_to_key_file([keys[n]], f"cluster {n}")
    for rel, data, mode in writes:
        (repo.root / rel).parent.mkdir(parents=True, exist_ok=True)
        atomic_write(repo.root / rel, data, mode)
    ks = cfg.key_secret
    guard = _guard(repo, False, wiring)
    boot = tuple(f"grep -A1 '^# public key: {keys[n].public}$' {key_file} | tail -1 | kubectl --context {n} -n "
                 f"{ks.namespace} create secret generic {ks.name} --from-file={ks.data_key}=/dev/stdin"
                 for n in todo)
    return InitResult(tuple(names), key_file, tuple(w[0] for w in writes), boot, new_keys=len(todo),
                      added=added, **guard)


def _marker(repo: Repo) -> Path | None:
    """Set while a new repository's init writes (never committed): a re-run resumes it instead of
    taking the half-written setup for an existing repository to adopt."""
    return git.git_dir(repo.root) / "secretops" / "init.json" if repo.is_git else None


def require_full_checkout(repo: Repo) -> None:
    """Adding or retiring a cluster re-keys shared files: it must see every one of them."""
    if repo.is_git and git.is_sparse(repo.root):
        raise StateError("this is a sparse checkout: adding or removing a cluster must see every file",
                         hint="run it in a full checkout (`git sparse-checkout disable`)")


def require_no_rotation(repo: Repo) -> None:
    """Clusters come and go between rotations, not during one (its plan names every cluster)."""
    if (repo.root / STATE_DIR / "rotation.yaml").exists() or (
            repo.is_git and (git.git_dir(repo.root) / "secretops" / "journal.json").exists()):
        raise StateError("a key rotation is in progress", hint="finish or abort it first, then add or remove clusters")


def init(repo: Repo, sops: Sops | None, clusters: Sequence[str] = (), shared_key: bool = False, *,
         dry_run: bool = False, post_quantum: bool = False) -> InitResult:
    """With ``post_quantum`` new keys are age 1.3's ML-KEM-768 + X25519 keys (the clusters need Flux 2.9)."""
    cfg = repo.config
    require_no_rotation(repo)
    if clusters:
        require_full_checkout(repo)
    found = existing_setup(repo)
    marker = _marker(repo)
    if found and not clusters and not (marker and marker.exists()):  # an interrupted init of ours resumes
        return _adopt(repo, found, dry_run)
    names = list(clusters) or [c.name for c in repo.clusters]
    if not names:
        raise InputError(f"no clusters found under {cfg.clusters_dir}/",
                         hint=f"create {cfg.clusters_dir}/<name>/ folders or pass --cluster NAME")
    paths = {}
    siblings = {c.path.rsplit("/", 1)[0] for c in repo.clusters if "/" in c.path}
    base = siblings.pop() if len(siblings) == 1 else cfg.clusters_dir  # beside the clusters that exist
    for name in names:
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", name):
            raise InputError(f"{name!r} is not a valid cluster name", hint="use letters, digits, . _ -")
        known = next((c for c in repo.clusters if c.name == name), None)
        paths[name] = known.path if known else f"{base}/{name}"
    if found and _per_cluster_configs(repo):
        return _add_per_cluster(repo, names, paths, dry_run, post_quantum)
    ks = cfg.key_secret
    secrets = {n: key_secret_path(paths[n], cfg.encrypted_suffix, ks.name) for n in names}
    todo = [n for n in names if not (repo.root / secrets[n]).exists()]
    suffix_re = re.escape(cfg.encrypted_suffix) + "$"
    reuse = _keys_in_rules(repo, {n: f"^{re.escape(paths[n])}/.*{suffix_re}" for n in todo}, shared_key, suffix_re)
    shared = (reuse.get("*") or agekeys.generate(post_quantum)) if shared_key and todo else None
    keys = {n: shared or reuse.get(n) or agekeys.generate(post_quantum) for n in todo}
    publics = {n: keys[n].public for n in todo}
    if shared:
        rules = [_rule(suffix_re, [shared.public])]
    else:
        rules = [_rule(f"^{re.escape(paths[n])}/.*{suffix_re}", [publics[n]]) for n in todo]
        rules += [_rule(suffix_re, list(publics.values()))] if todo else []
    writes: list[tuple[str, bytes, int]] = []
    sops_yaml = _sops_yaml(repo, rules) if todo else None
    if sops_yaml is not None:
        writes.append((".sops.yaml", sops_yaml.encode(), 0o644))
        writes += _shared_files(repo, sops_yaml, [publics[n] for n in todo], set(secrets.values()))
    writes += _ignore_writes(repo, [paths[names[0]]])
    decrypting = repofiles.decrypting_paths(repo.root, repo.files(include_ignored_clear=False))
    skipped: list[str] = []
    for n in todo:  # flux bootstrap's kustomization.yaml lists its resources: add the key Secret
        folder = repo.root / paths[n] / "flux-system"
        if decrypting is not None and not any(paths[n] == p or paths[n].startswith(p + "/") or p == ""
                                              for p in decrypting):
            skipped.append(n)  # the Kustomization that applies it does not decrypt: Flux could not read it
            continue
        listing = repofiles.with_resource(folder / "kustomization.yaml", Path(secrets[n]).name)
        if listing:
            writes.append((f"{paths[n]}/flux-system/kustomization.yaml", listing.encode(), 0o644))
    precommit = repofiles.precommit_config(repo.root / ".pre-commit-config.yaml")
    if precommit:
        writes.append((".pre-commit-config.yaml", precommit.encode(), 0o644))
    added = _added(repo, writes) + tuple((secrets[n], (f"+ (the key Secret of cluster {n}, encrypted with sops)",))
                                         for n in todo)
    wiring = _wiring(repo)  # every refusal before the first write
    if dry_run:  # the keys a real run generates are others: named, not shown
        names_of = {keys[n].public: "<the new shared age key>" if shared else f"<the new age key of {n}>"
                    for n in todo}
        added = tuple((rel, tuple(re.sub(r"age1[0-9a-z]{58}", lambda m: names_of.get(m.group(0), m.group(0)), ln)
                                  for ln in lines)) for rel, lines in added)
        return InitResult(tuple(names), None, tuple([w[0] for w in writes] + [secrets[n] for n in todo]),
                          dry_run=True, new_keys=0 if not todo else (1 if shared else len(todo)), added=added,
                          **_guard(repo, True, wiring))
    assert sops is not None
    _require_regular(repo, writes)
    if todo:
        agekeys.require_key_file_writable()
    if marker is not None and todo:
        marker.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        atomic_write(marker, b'{"version": 1, "op": "init"}\n', 0o600)
    key_file = None
    if todo:  # keys first: once anything is encrypted for them they must already be safe on disk
        label = f"shared key for clusters {', '.join(todo)}" if shared else "cluster {}"
        if shared:
            key_file = agekeys.append_to_key_file([shared], label)
        else:
            for n in todo:
                key_file = agekeys.append_to_key_file([keys[n]], label.format(n))
    for rel, data, mode in writes:
        atomic_write(repo.root / rel, data, mode)
    # The rules are on disk now, so sops picks each cluster's key for its Secret.
    for n in todo:
        target = repo.root / secrets[n]
        target.parent.mkdir(parents=True, exist_ok=True)
        plain = key_secret_yaml(keys[n], ks.name, ks.namespace, ks.data_key)
        atomic_write(target, Sops(repo.root, sops.binary).encrypt(plain, secrets[n]), 0o644)
    if marker is not None and marker.exists():
        marker.unlink()
    guard = _guard(repo, False, wiring)
    bootstrap = tuple(bootstrap_command(secrets[n], ks.data_key, ks.name, ks.namespace, n) for n in names)
    warnings = tuple(f"{paths[n]}/flux-system/gotk-sync.yaml: its Kustomization has no spec.decryption; add "
                     f"{{provider: sops, secretRef: {{name: {ks.name}}}}} so Flux can decrypt"
                     for n in names if repofiles.lacks_decryption(repo.root / paths[n] / "flux-system/gotk-sync.yaml"))
    warnings += tuple(f"{secrets[n]}: not added to {paths[n]}/flux-system/kustomization.yaml, because no Flux "
                      "Kustomization that applies that folder decrypts; apply it once with the bootstrap command"
                      for n in skipped)
    return InitResult(tuple(names), key_file, tuple([w[0] for w in writes] + [secrets[n] for n in todo]), bootstrap,
                      warnings, new_keys=0 if not todo else (1 if shared else len(todo)), added=added, **guard)


def _keys_in_rules(repo: Repo, cluster_rules: dict[str, str], shared: bool, shared_rule: str) -> dict[str, Identity]:
    """Keys an earlier, interrupted `init` already put in .sops.yaml and the key file: reuse them,
    so a re-run never writes a key Secret that its own rule cannot open."""
    if not (repo.root / ".sops.yaml").is_file():
        return {}
    mine = {i.public: i for i in agekeys.load_identities()}
    wanted = {"*": shared_rule} if shared else cluster_rules
    found = {}
    for rule in repo.sops_config.rules:
        for name, regex in wanted.items():
            held = [mine[k] for k in rule.recipients.age if k in mine]
            if rule.path_regex == regex and len(held) == 1:
                found[name] = held[0]
    return found


def bootstrap_command(secret_rel: str, data_key: str, name: str, namespace: str, context: str) -> str:
    """The one-time command that puts the key into a cluster; the key goes through a pipe, never argv."""
    return (f"sops decrypt --extract '[\"stringData\"][\"{data_key}\"]' {secret_rel} | "
            f"kubectl --context {context} -n {namespace} create secret generic {name} "
            f"--from-file={data_key}=/dev/stdin")
