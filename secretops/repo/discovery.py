"""Read and parse the repository's sops-relevant files once, for status and rotation."""

from __future__ import annotations

from collections.abc import Iterator
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
        no Flux decryption known: those under its path, else those outside every cluster (shared)."""
        cluster = repo.cluster(cluster_name)
        if cluster.key_secret:
            return [k for k in self.key_secrets if k.rel == cluster.key_secret]
        flux = repo.flux_cluster(cluster)
        wanted = {(d.secret, d.namespace) for d in flux.decryptions if d.secret} if flux else set()
        if flux and flux.global_secret and any(d.global_flag for d in flux.decryptions):
            wanted.add((flux.global_secret, "flux-system"))
        if not wanted:
            inside = [k for k in self.key_secrets if self.owners.get(k.rel) == cluster.name]
            return inside or [k for k in self.key_secrets if self.owners.get(k.rel) is None]
        named = [k for k in self.key_secrets if (k.name, k.namespace) in wanted]
        named = named or [k for k in self.key_secrets if k.name in {n for n, _ns in wanted}]
        if len(named) <= 1:
            return named
        applied = [k for k in named if cluster.name in repo.clusters_of(k.rel)]
        if applied:
            return applied
        others = {c.name for c in repo.clusters if c.name != cluster.name}
        mine = [k for k in named if cluster.name in k.rel.split("/")[:-1]]
        return mine or [k for k in named if not repo.clusters_of(k.rel) and not others & set(k.rel.split("/")[:-1])]


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
