"""The repository model: root, conventions, creation rules, files and clusters. Pure; no click."""

from __future__ import annotations

import functools
import os
import stat
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from secretops.errors import InputError
from secretops.git import command as git
from secretops.repo import config as config_mod
from secretops.repo.config import SOPS_SUFFIXES, ClusterConfig, Config
from secretops.util.display import safe
from secretops.util.index import first_by

if TYPE_CHECKING:
    from secretops.flux import topology as topology_mod
    from secretops.repo import discovery as discovery_mod
    from secretops.sops import creation_rules as rules


class Repo:
    """A repository: its root, whether git manages it, and its conventions."""

    def __init__(self, root: Path, is_git: bool, config: Config, *, bare: bool = False) -> None:
        self.root, self.is_git, self.config = root, is_git, config
        self.bare = bare  # a bare repository (a mirror clone): its history only, no work tree, no index
        self.inferred: list[str] = []  # what open_repo(infer=True) inferred, in words
        self._listing: dict[str, list[str]] = {}  # files(), listed once (see forget)

    def forget(self) -> None:
        """A command's own writes changed, added or removed files: its later steps list, read and parse
        them again (the listing and the scan; the configs and the topology stay as read)."""
        self._listing.clear()
        self.__dict__.pop("scan", None)

    @functools.cached_property
    def scan(self) -> discovery_mod.Scan:
        """The repository's sops files and key Secrets, read and parsed once (see discovery.scan)."""
        from secretops.repo import discovery as discovery_mod

        return discovery_mod.read(self)

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
    def topology(self) -> topology_mod.Topology:
        """What the repository's Flux syncs: its entry points, and the files each cluster applies."""
        from secretops.flux import topology as topology_mod

        def read(rel: str) -> bytes | None:
            try:
                return (self.root / rel).read_bytes()
            except OSError:
                return None

        return topology_mod.read(self.files(include_ignored_clear=False), read)

    @functools.cached_property
    def clusters(self) -> tuple[ClusterConfig, ...]:
        """`.secretops.yaml`'s clusters; else the clusters Flux syncs; else, in a repository with no
        Flux entry point yet (before `flux bootstrap`), the folders under `clusters/`."""
        if self.config.explicit_clusters:
            return self.config.clusters
        flux = self.topology.clusters
        if flux:
            return tuple(ClusterConfig(c.name, c.home, c.kube_context) for c in flux)
        return discover_clusters(self.root, self.config.clusters_dir)

    def cluster_source(self, name: str) -> str:
        """Where a cluster comes from: override, flux entry point, or folder."""
        from secretops.flux import topology as topology_mod

        if self.config.explicit_clusters:
            return topology_mod.OVERRIDE
        return topology_mod.ENTRY if self.topology.of(name) is not None else topology_mod.FOLDER

    def flux_cluster(self, cluster: ClusterConfig) -> topology_mod.FluxCluster | None:
        """The Flux cluster behind a cluster (an override names it by its path)."""
        if not self.config.explicit_clusters:
            return self.topology.of(cluster.name)
        return self._flux_by_path.get(cluster.path)

    @functools.cached_property
    def _flux_by_path(self) -> dict[str, topology_mod.FluxCluster]:
        """Flux cluster by its path or home: the first in order, as a search finds it."""
        out: dict[str, topology_mod.FluxCluster] = {}
        for c in self.topology.clusters:
            out.setdefault(c.path, c)
            out.setdefault(c.home, c)
        return out

    @functools.cached_property
    def _placement_index(self) -> tuple[dict[str, list[str]], dict[str, list[str]], list[str]]:
        """(Flux cluster name -> the clusters behind it, folder -> the clusters without Flux there,
        the clusters without Flux at the root): placement without a loop over every cluster."""
        by_flux: dict[str, list[str]] = {}
        by_path: dict[str, list[str]] = {}
        everywhere: list[str] = []
        for cluster in self.clusters:
            flux = self.flux_cluster(cluster)
            if flux is not None:
                by_flux.setdefault(flux.name, []).append(cluster.name)
            elif cluster.path in ("", "."):
                everywhere.append(cluster.name)
            else:
                by_path.setdefault(cluster.path, []).append(cluster.name)
        return by_flux, by_path, everywhere

    def placement(self, rel: str) -> tuple[tuple[str, ...], str]:
        """The clusters that apply a file, and where that answer came from (kustomization: a Flux
        Kustomization reaches it; override/folder: it lies under the cluster's path; none)."""
        from secretops.flux import topology as topology_mod

        by_flux, by_path, everywhere = self._placement_index
        names = [n for flux in self.topology.clusters_of(rel) for n in by_flux.get(flux, ())]
        source = topology_mod.KUSTOMIZATION if names else topology_mod.NONE
        parts = rel.split("/")
        folder = [*everywhere, *(n for k in range(len(parts), 0, -1) for n in by_path.get("/".join(parts[:k]), ()))]
        if folder:
            names += folder
            if source == topology_mod.NONE:
                source = topology_mod.OVERRIDE if self.config.explicit_clusters else topology_mod.FOLDER
        return tuple(sorted(names)), source

    @functools.cached_property
    def _by_name(self) -> dict[str, ClusterConfig]:
        return first_by(self.clusters, lambda c: c.name)  # the first of a name, as a search finds it

    def clusters_of(self, rel: str) -> tuple[str, ...]:
        return self.placement(rel)[0]

    def cluster(self, name: str) -> ClusterConfig:
        found = self._by_name.get(name)
        if found is not None:
            return found
        known = ", ".join(c.name for c in self.clusters) or "none"
        raise InputError(f"unknown cluster {name!r} (known: {known})",
                         hint="list clusters in .secretops.yaml or create clusters/<name>/")

    def cluster_of(self, rel: str) -> ClusterConfig | None:
        """The one cluster that applies a file (None: none, or several share it)."""
        names = self.clusters_of(rel)
        return self.cluster(names[0]) if len(names) == 1 else None

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
        left out: secretops never reads or writes through one. Listed once a command: a command whose
        writes add or remove files calls forget() before it lists again."""
        if not self.is_git:
            return list(self._listed("walk", lambda: walk(self.root)))
        names = self._listed("files", lambda: self._regular(git.ls_files(
            self.root, "--cached", "--others", "--exclude-standard")))
        if not include_ignored_clear:
            return list(names)
        clear = self._listed("clear", lambda: self._regular(git.ls_files(
            self.root, "--others", "--ignored", "--exclude-standard", "--", f"*{self.config.clear_suffix}")))
        return sorted({*names, *clear})

    def _listed(self, what: str, list_them: Callable[[], list[str]]) -> list[str]:
        found = self._listing.get(what)
        if found is None:
            found = self._listing[what] = list_them()
        return found

    def _regular(self, names: list[str]) -> list[str]:
        """Regular files only (one lstat each: a symlink, a folder or a deleted file is left out)."""
        out = set()
        for n in set(names):
            try:
                if stat.S_ISREG(os.lstat(self.root / n).st_mode):
                    out.add(n)
            except OSError:
                continue
        return sorted(out)

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
    """A repository before `flux bootstrap` (no Flux entry point yet): the folders under
    ``clusters/``, or under the first ``*/clusters/`` one level down, that `init` sets up."""
    candidates = [root / clusters_dir]
    if not candidates[0].is_dir():
        candidates = sorted(p / clusters_dir for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    for base in candidates:
        if base.is_dir():
            names = sorted(p.name for p in base.iterdir() if p.is_dir() and not p.name.startswith("."))
            rel = base.relative_to(root).as_posix()
            return tuple(ClusterConfig(n, f"{rel}/{n}", n) for n in names)
    return ()


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


def find_root(start: Path | None = None, *, bare_ok: bool = False) -> tuple[Path, bool, bool]:
    """The repository's root, whether git manages it, and whether it is a bare repository (a mirror
    clone: only where ``bare_ok``, what reads history alone: `check --history`, `check --diff`)."""
    start = (start or Path.cwd()).resolve()
    if not start.is_dir():
        raise InputError(f"{safe(str(start))} is not a directory", hint="pass an existing folder to -C")
    top = _work_tree(start)
    if top is not None:
        return top, True, False
    for folder in (start, *start.parents):  # not a git repo: the nearest folder with a .sops.yaml
        if (folder / ".sops.yaml").is_file() or (folder / config_mod.FILENAME).is_file():
            return folder, False, False
    bare = git.bare_repository(start)
    if bare is not None and bare_ok:
        return bare, True, True
    if bare is not None:
        raise InputError(f"{safe(str(bare))} is a bare repository: it has no work tree, which this command reads",
                         hint=f"`secretops check --history` and `--diff` read one as it is; for the rest, clone it "
                              f"and run secretops in the clone: git clone {safe(str(bare))} DIR")
    raise InputError(f"{safe(str(start))} is not inside a git repository",
                     hint="run secretops inside your GitOps repository or pass -C DIR")


def _head_tree(root: Path) -> config_mod.Tree:
    """HEAD's tree, where a bare repository keeps its `.secretops.yaml` and the paths it names."""
    born = git.head(root) is not None  # (no commit yet: HEAD holds no file; any other failure is git's error)

    def kind(rel: str) -> str:
        listed = git.git(root, "ls-tree", "-z", "--full-tree", "HEAD", "--", rel).stdout if born else b""
        for record in git.split_z(listed):
            meta, _, path = record.partition("\t")
            if path == rel:
                mode, kind_, _oid = meta.split(" ")
                return "dir" if kind_ == "tree" else "file" if mode.startswith("100") else ""
        return ""

    def text(rel: str) -> str | None:
        return git.git(root, "cat-file", "blob", f"HEAD:{rel}").stdout.decode("utf-8") if kind(rel) == "file" else None

    return config_mod.Tree(text, kind)


def open_repo(start: Path | None = None, *, infer: bool = False, bare_ok: bool = False) -> Repo:
    """The repository around ``start``. With ``infer``, an unconfigured encrypted suffix is inferred
    from the files (see infer_suffix); ``inferred`` says what was inferred, for the user to see. With
    ``bare_ok``, a bare repository too, its `.secretops.yaml` read from HEAD."""
    root, is_git, bare = find_root(start, bare_ok=bare_ok)
    repo = Repo(root, is_git, config_mod.load(root, _head_tree(root) if bare else None), bare=bare)
    if infer:
        suffix = infer_suffix(repo)
        if suffix:
            repo = Repo(root, is_git, repo.config._replace(encrypted_suffix=suffix))
            repo.inferred.append(f"encrypted files are named *{suffix} (from the files .sops.yaml matches)")
        if not repo.config.explicit_clusters and repo.topology.clusters:
            where = ", ".join(f"{c.name} ({c.path})" for c in repo.clusters)
            repo.inferred.append(f"clusters: {where} (the entry points Flux syncs)")
    return repo
