"""The repository model: root, conventions, creation rules, files and clusters. Pure; no click."""

from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import TYPE_CHECKING

from secretops.errors import InputError
from secretops.git import command as git
from secretops.repo import config as config_mod
from secretops.repo.config import SOPS_SUFFIXES, ClusterConfig, Config

if TYPE_CHECKING:
    from secretops.sops import creation_rules as rules



class Repo:
    """A repository: its root, whether git manages it, and its conventions."""

    def __init__(self, root: Path, is_git: bool, config: Config) -> None:
        self.root, self.is_git, self.config = root, is_git, config
        self.inferred: list[str] = []  # what open_repo(infer=True) inferred, in words

    @functools.cached_property
    def sops_config(self) -> rules.SopsConfigs:
        """Every `.sops.yaml` of the repository (possibly none); see creation_rules.SopsConfigs."""
        from secretops.sops import creation_rules as rules

        if self.is_git:
            names = git.ls_files(self.root, "--cached", "--others", "--exclude-standard", "--",
                                 ".sops.yaml", "**/.sops.yaml")
        else:
            names = [n for n in walk(self.root) if rules.is_config(n)]
        rules.require_no_config_folder([*names, *([".sops.yaml/"] if (self.root / rules.CONFIG_NAME).is_dir() else [])])
        # a config deleted in the work tree governs nothing; a linked one is an error (load), never skipped
        return rules.load_all(self.root, [n for n in names if (self.root / n).exists() or (self.root / n).is_symlink()])

    @functools.cached_property
    def clusters(self) -> tuple[ClusterConfig, ...]:
        if self.config.explicit_clusters:
            return self.config.clusters
        return discover_clusters(self.root, self.config.clusters_dir)

    def cluster(self, name: str) -> ClusterConfig:
        for cluster in self.clusters:
            if cluster.name == name:
                return cluster
        known = ", ".join(c.name for c in self.clusters) or "none"
        raise InputError(f"unknown cluster {name!r} (known: {known})",
                         hint="list clusters in .secretops.yaml or create clusters/<name>/")

    def cluster_of(self, rel: str) -> ClusterConfig | None:
        best = None
        for cluster in self.clusters:
            inside = rel == cluster.path or rel.startswith(cluster.path + "/")
            if inside and (best is None or len(cluster.path) > len(best.path)):
                best = cluster
        return best

    def rel(self, path: str | os.PathLike[str], *, must_exist: bool = True) -> str:
        """Repo-relative POSIX path; refuses paths (and symlinks) that lead outside the repo."""
        raw = Path(path)
        absolute = raw if raw.is_absolute() else Path.cwd() / raw
        if must_exist and not absolute.exists() and not absolute.is_symlink():
            raise InputError(f"{path} does not exist", hint="check the path")
        resolved = absolute.resolve()
        root = self.root.resolve()
        if resolved != root and root not in resolved.parents:
            what = "is a symlink that points" if absolute.is_symlink() or resolved != absolute.absolute() else "is"
            raise InputError(f"{path} {what} outside the repository {self.root}",
                             hint="only files inside the repository can be handled")
        return resolved.relative_to(root).as_posix()

    def files(self, *, include_ignored_clear: bool = True) -> list[str]:
        """Tracked and untracked-but-not-ignored regular files, plus ignored clear copies. Symlinks are
        left out: secretops never reads or writes through one."""
        if not self.is_git:
            return walk(self.root)
        names = git.ls_files(self.root, "--cached", "--others", "--exclude-standard")
        if include_ignored_clear:
            names += git.ls_files(self.root, "--others", "--ignored", "--exclude-standard",
                                  "--", f"*{self.config.clear_suffix}")
        return sorted(set(n for n in names if (self.root / n).is_file() and not (self.root / n).is_symlink()))

    def is_encrypted_name(self, rel: str) -> bool:
        """Named like an encrypted file, or matched by a specific `.sops.yaml` rule."""
        from secretops.sops.creation_rules import is_config

        if is_config(rel):
            return False
        if rel.endswith(self.config.encrypted_suffix):
            return True
        if not rel.endswith(SOPS_SUFFIXES):
            return False
        return self.sops_config.has_specific_match(rel)

    def is_clear_name(self, rel: str) -> bool:
        return rel.endswith(self.config.clear_suffix)


def walk(root: Path) -> list[str]:
    """Every regular file under root (symlinks are never followed: they may lead outside)."""
    out = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d != ".git")
        for name in files:
            if not Path(folder, name).is_symlink():
                out.append(Path(folder, name).relative_to(root).as_posix())
    return sorted(out)


def discover_clusters(root: Path, clusters_dir: str) -> tuple[ClusterConfig, ...]:
    """Folders under ``clusters/``; failing that, under the first ``*/clusters/`` one level down;
    failing that, every folder (up to three levels down) that holds Flux's own ``flux-system`` or
    ``flux`` folder, as in ``kubernetes/<cluster>/flux``."""
    candidates = [root / clusters_dir]
    if not candidates[0].is_dir():
        candidates = sorted(p / clusters_dir for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    for base in candidates:
        if base.is_dir():
            names = sorted(p.name for p in base.iterdir() if p.is_dir() and not p.name.startswith("."))
            rel = base.relative_to(root).as_posix()
            return tuple(ClusterConfig(n, f"{rel}/{n}", n) for n in names)
    found = {c.path: c for c in _flux_folders(root)}
    for path in flux_instance_paths(root):  # Flux Operator: no flux-system folder, a FluxInstance instead
        if path not in found and (root / path).is_dir():
            name = path.rsplit("/", 1)[-1]
            found[path] = ClusterConfig(name, path, name)
    names = [c.name for c in found.values()]
    return tuple(sorted((c for c in found.values() if names.count(c.name) == 1), key=lambda c: c.path))


def flux_instance_paths(root: Path) -> list[str]:
    """The folders Flux Operator instances sync: `spec.sync.path` of a `FluxInstance`, or
    `instance.sync.path` in the values of the flux-instance Helm chart."""
    from secretops.util import yamlio

    paths: list[str] = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in files:
            if not name.endswith((".yaml", ".yml")) or Path(folder, name).is_symlink():
                continue
            try:
                data = Path(folder, name).read_bytes()
            except OSError:
                continue
            if b"sync:" not in data or (b"FluxInstance" not in data and b"instance:" not in data):
                continue
            for doc in yamlio.load_all_lenient(data.decode("utf-8", "replace")) or []:
                for sync in _syncs(doc):
                    path = str(sync.get("path") or "").strip().removeprefix("./").strip("/")
                    if path and ".." not in path.split("/") and path not in paths:
                        paths.append(path)
    return paths


def _syncs(doc: object) -> list[dict[str, object]]:
    if not isinstance(doc, dict):
        return []
    spec = doc.get("spec") if doc.get("kind") == "FluxInstance" else None
    if doc.get("kind") == "HelmRelease":
        spec = ((doc.get("spec") or {}).get("values") or {}).get("instance")
    elif "instance" in doc and "kind" not in doc:  # a values.yaml of the flux-instance chart
        spec = doc.get("instance")
    sync = spec.get("sync") if isinstance(spec, dict) else None
    return [sync] if isinstance(sync, dict) else []


def _flux_folders(root: Path, depth: int = 3) -> tuple[ClusterConfig, ...]:
    found: list[ClusterConfig] = []
    level = [p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")]
    for _ in range(depth):
        below = []
        for folder in sorted(level):
            children = [c for c in folder.iterdir() if c.is_dir() and not c.name.startswith(".")]
            if any(c.name in ("flux-system", "flux") for c in children):
                found.append(ClusterConfig(folder.name, folder.relative_to(root).as_posix(), folder.name))
            else:
                below += children
        level = below
    names = [c.name for c in found]
    return tuple(c for c in found if names.count(c.name) == 1)  # ambiguous names need .secretops.yaml


def infer_suffix(repo: Repo) -> str | None:
    """The encrypted-file suffix a repository uses when it is not `.enc.yaml` and not configured:
    the common ending (``.secret.sops.yaml``, ``.sops.yaml``) of the files its `.sops.yaml` rules match."""
    from secretops.sops.creation_rules import is_config

    if repo.config.explicit_suffix:
        return None
    rules = repo.sops_config
    if not rules:
        return None
    names = [f for f in repo.files(include_ignored_clear=False) if f.endswith(SOPS_SUFFIXES) and not is_config(f)]
    if any(f.endswith(repo.config.encrypted_suffix) for f in names):
        return None
    matched = [f.rsplit("/", 1)[-1] for f in names if rules.has_specific_match(f)]
    if not matched:
        return None
    for parts in (3, 2):
        endings = ["." + ".".join(n.split(".")[-parts:]) for n in matched if n.count(".") >= parts]
        if endings:
            best = max(set(endings), key=endings.count)
            if endings.count(best) >= 0.8 * len(matched) and best.count(".") == parts:
                return best
    return None


def _work_tree(start: Path) -> Path | None:
    """The work tree's root. Found as git finds it (the nearest folder with a `.git` folder or file)
    without running git, unless the environment redirects git (GIT_DIR, GIT_WORK_TREE)."""
    if os.environ.get("GIT_DIR") or os.environ.get("GIT_WORK_TREE"):
        return git.toplevel(start)
    for folder in (start, *start.parents):
        marker = folder / ".git"
        if marker.is_dir() or marker.is_file():
            return folder if marker.is_file() or (marker / "HEAD").exists() else git.toplevel(start)
    return None


def find_root(start: Path | None = None) -> tuple[Path, bool]:
    start = (start or Path.cwd()).resolve()
    if not start.is_dir():
        raise InputError(f"{start} is not a directory", hint="pass an existing folder to -C")
    top = _work_tree(start)
    if top is not None:
        return top, True
    for folder in (start, *start.parents):  # not a git repo: the nearest folder with a .sops.yaml
        if (folder / ".sops.yaml").is_file() or (folder / config_mod.FILENAME).is_file():
            return folder, False
    raise InputError(f"{start} is not inside a git repository",
                     hint="run secretops inside your GitOps repository or pass -C DIR")


def open_repo(start: Path | None = None, *, infer: bool = False) -> Repo:
    """The repository around ``start``. With ``infer``, an unconfigured encrypted suffix is inferred
    from the files (see infer_suffix); ``inferred`` says what was inferred, for the user to see."""
    root, is_git = find_root(start)
    repo = Repo(root, is_git, config_mod.load(root))
    if infer:
        suffix = infer_suffix(repo)
        if suffix:
            repo = Repo(root, is_git, repo.config._replace(encrypted_suffix=suffix))
            repo.inferred.append(f"encrypted files are named *{suffix} (from the files .sops.yaml matches)")
        if not repo.config.explicit_clusters and repo.clusters and not (root / repo.config.clusters_dir).is_dir():
            where = ", ".join(f"{c.name} ({c.path})" for c in repo.clusters)
            repo.inferred.append(f"clusters: {where} (folders with Flux's flux-system or flux folder)")
    return repo
