"""Read and parse the repository's sops-relevant files once, for status and rotation."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from secretops.errors import InputError
from secretops.repo import keysecrets
from secretops.repo.keysecrets import KeySecret
from secretops.repo.model import Repo
from secretops.sops import document
from secretops.sops.document import ParsedFile
from secretops.util.display import safe
from secretops.util.fsutil import TEMP_SUFFIX


@dataclass(frozen=True)
class Scan:
    encrypted: tuple[ParsedFile, ...]  # sops files and files named like them
    clear: tuple[str, ...]
    key_secrets: tuple[KeySecret, ...]
    owners: dict[str, str | None]  # key Secret file -> the cluster whose folder holds it

    def key_secrets_for(self, repo: Repo, cluster_name: str) -> list[KeySecret]:
        """A cluster's key Secrets. The ones its Flux reads (the name and namespace its Kustomizations'
        decryption names): the one so named; of several, those its Flux applies, else those under a
        folder named after it (e.g. `bootstrap/<cluster>/`), else those no cluster applies and no other
        cluster is named in. With
        no Flux decryption known: those under its path, else those outside every cluster (shared).
        Looked up in indexes built once (a fleet has thousands of clusters and key Secrets)."""
        index = self._index(repo)
        cluster = repo.cluster(cluster_name)
        if cluster.key_secret:
            return index.pick(index.by_rel.get(cluster.key_secret, ()))
        flux = repo.flux_cluster(cluster)
        wanted = {(d.secret, d.namespace) for d in flux.decryptions if d.secret} if flux else set()
        if flux and flux.global_secret and any(d.global_flag for d in flux.decryptions):
            wanted.add((flux.global_secret, "flux-system"))
        if not wanted:
            return index.pick(index.by_owner.get(cluster.name, ())) or index.pick(index.by_owner.get(None, ()))
        named = index.pick(n for w in wanted for n in index.by_name_ns.get(w, ()))
        named = named or index.pick(n for name, _ns in wanted for n in index.by_name.get(name, ()))
        if len(named) <= 1:
            return named
        chosen = {id(k) for k in named}
        applied = [k for k in index.pick(index.applied.get(cluster.name, ())) if id(k) in chosen]
        if applied:
            return applied
        mine = [k for k in index.pick(index.by_folder.get(cluster.name, ())) if id(k) in chosen]
        return mine or [k for k in named if not index.applies[k.rel] and not (index.folders[k.rel] & index.names)
                        - {cluster.name}]

    def _index(self, repo: Repo) -> _KeyIndex:
        cache: dict[int, tuple[Repo, _KeyIndex]] = self.__dict__.setdefault("_indexes", {})
        found = cache.get(id(repo))
        if found is None or found[0] is not repo:
            found = cache[id(repo)] = (repo, _KeyIndex(self, repo))
        return found[1]


class _KeyIndex:
    """The scan's key Secrets by file, owner, name and namespace, name, the clusters that apply them
    and the folders they lie in; each answer in the scan's order (as the searches over it found them)."""

    def __init__(self, scan: Scan, repo: Repo) -> None:
        self.order = {id(k): n for n, k in enumerate(scan.key_secrets)}
        self.names = {c.name for c in repo.clusters}
        self.by_rel: dict[str, list[KeySecret]] = {}
        self.by_owner: dict[str | None, list[KeySecret]] = {}
        self.by_name_ns: dict[tuple[str, str], list[KeySecret]] = {}
        self.by_name: dict[str, list[KeySecret]] = {}
        self.applied: dict[str, list[KeySecret]] = {}
        self.by_folder: dict[str, list[KeySecret]] = {}
        self.applies: dict[str, tuple[str, ...]] = {}
        self.folders: dict[str, set[str]] = {}
        for k in scan.key_secrets:
            self.by_rel.setdefault(k.rel, []).append(k)
            self.by_owner.setdefault(scan.owners.get(k.rel), []).append(k)
            self.by_name_ns.setdefault((k.name, k.namespace), []).append(k)
            self.by_name.setdefault(k.name, []).append(k)
            if k.rel not in self.applies:
                self.applies[k.rel] = repo.clusters_of(k.rel)
                self.folders[k.rel] = set(k.rel.split("/")[:-1])
            for c in self.applies[k.rel]:
                self.applied.setdefault(c, []).append(k)
            for folder in self.folders[k.rel]:
                self.by_folder.setdefault(folder, []).append(k)

    def pick(self, found: Iterable[KeySecret]) -> list[KeySecret]:
        """Each once, in the scan's order."""
        return sorted({id(k): k for k in found}.values(), key=lambda k: self.order[id(k)])


def candidates(repo: Repo, files: list[str]) -> Iterator[tuple[str, bool]]:
    """(path, named-like-encrypted) for files worth reading: every file but clear copies and the
    `.sops.yaml` configs, since sops encrypts a file of any name (its content says so)."""
    from secretops.sops.creation_rules import is_config

    for rel in files:
        if repo.is_clear_name(rel) or is_config(rel) or rel.endswith(TEMP_SUFFIX):
            continue
        yield rel, repo.is_encrypted_name(rel)


def scan(repo: Repo) -> Scan:
    """The repository's sops files and key Secrets: read and parsed once a command, shared by its
    steps (Repo.scan; a command that rewrites files calls Repo.forget() before it scans again)."""
    return repo.scan


def read(repo: Repo) -> Scan:
    encrypted: list[ParsedFile] = []
    files = repo.files()
    clear = [r for r in files if repo.is_clear_name(r)]
    secrets: list[KeySecret] = []
    for rel, named in candidates(repo, files):
        try:
            data = (repo.root / rel).read_bytes()
        except OSError as exc:  # what cannot be read cannot be judged: say so, never skip it
            raise InputError(f"{safe(rel)} cannot be read ({exc.strerror or type(exc).__name__})",
                             hint="fix its permissions, or remove it") from None
        if not named and not document.might_be_sops(data):
            continue
        parsed = document.parse_light(rel, data)
        if not named and parsed.meta is None:
            continue
        encrypted.append(parsed)
        ks = keysecrets.from_parsed(parsed, repo.config.key_secret.namespace)
        if ks is not None:
            secrets.append(ks)
    owners = {k.rel: (c.name if (c := repo.cluster_of(k.rel)) else None) for k in secrets}
    return Scan(tuple(encrypted), tuple(clear), tuple(secrets), owners)
