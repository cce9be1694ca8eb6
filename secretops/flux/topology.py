"""The clusters a repository's Flux really syncs, and the files each one applies and decrypts.

Read from the objects Flux acts on, never from folder names:

- entry points: a bootstrap sync (a Flux `Kustomization` whose `spec.path` applies the file that
  defines it, beside its `GitRepository`/`OCIRepository`, as `flux bootstrap` writes
  `gotk-sync.yaml`), a Flux Operator `FluxInstance`'s `spec.sync` (also as the flux-instance Helm
  chart's values), and a management cluster's `Kustomization` with `spec.kubeConfig` (a workload
  cluster);
- from each entry point, the Flux `Kustomization`s it applies (their `spec.path` and `sourceRef`),
  and for each path what kustomize builds: `kustomization.yaml` (resources, components, generator
  files and envs, patches) or, where there is none, every manifest below it, as kustomize-controller
  generates one;
- the decryption each `Kustomization` names: `spec.decryption.secretRef` (read in its own
  namespace), the controller's global `--sops-age-secret`, or KMS through `serviceAccountName`.

Pure: it reads the files it is given through ``read`` and writes nothing.
"""

from __future__ import annotations

import functools
import posixpath
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from secretops.util.index import first_by

_KS_API = "kustomize.toolkit.fluxcd.io"
_SOURCES = ("GitRepository", "OCIRepository", "Bucket")
_KFILES = ("kustomization.yaml", "kustomization.yml", "Kustomization")
_MARKERS = (b"kustomize.toolkit.fluxcd.io", b"FluxInstance", b"instance:", b"source.toolkit.fluxcd.io",
            b"--sops-age-secret")
_WANTED = re.compile(r"^(?:kind:\s*[\"']?(?:Kustomization|FluxInstance|GitRepository|OCIRepository|Bucket)"
                     r"[\"']?\s*(?:#.*)?$|[ ]*instance:)", re.M)  # a document worth parsing (instance: chart values)
_GLOBAL_FLAG = re.compile(rb"--sops-age-secret[= ]\s*([A-Za-z0-9][A-Za-z0-9.-]*)")
_GENERIC = frozenset({"flux", "flux-system", "config", "base", "cluster", "clusters", "kubernetes", "k8s", "."})

ENTRY, KUSTOMIZATION, OVERRIDE, FOLDER, NONE = "flux entry point", "kustomization", "override", "folder", "none"


@dataclass(frozen=True)
class Decryption:
    """How one Flux Kustomization decrypts: the key Secret it reads, or KMS."""

    secret: str | None  # secretRef name; None: the controller's global key, or KMS
    namespace: str  # where Flux reads the Secret: the Kustomization's own namespace
    service_account: str | None = None  # KMS through workload identity
    global_flag: bool = False  # decryption without secretRef: the controller's --sops-age-secret

    def describe(self) -> str:
        if self.secret:
            return f"Secret {self.namespace}/{self.secret}"
        if self.service_account:
            return f"KMS (serviceAccountName {self.service_account})"
        return "the controller's global key (--sops-age-secret)"


@dataclass(frozen=True)
class Kustomization:
    file: str
    name: str
    namespace: str | None
    path: str | None  # repo-relative folder ("" = the root); None: no or an invalid spec.path
    source_kind: str
    source_name: str
    decryption: Decryption | None
    kube_config: bool
    child_decryption: Decryption | None  # what its spec.patches add to the Kustomizations it applies
    target_namespace: str | None

    @property
    def label(self) -> str:
        return f"{self.file} ({self.name})"


@dataclass(frozen=True)
class EntryPoint:
    kind: str  # bootstrap | flux-instance | kubeconfig
    file: str
    name: str
    path: str
    source: str  # the source name its Kustomizations refer to
    url: str | None = None
    decryption: Decryption | None = None
    management: str | None = None  # kubeconfig: the cluster whose Flux applies it

    def describe(self) -> str:
        what = {"bootstrap": "bootstrap sync", "flux-instance": "FluxInstance sync",
                "kubeconfig": "Kustomization with spec.kubeConfig"}[self.kind]
        return f"{what} {self.name} in {self.file} (path ./{self.path})"


@dataclass(frozen=True)
class Reach:
    """One cluster applies a file through one Kustomization, with its decryption (None: none)."""

    cluster: str
    kustomization: str  # label of the Kustomization that applies it
    decryption: Decryption | None


@dataclass(frozen=True)
class FluxCluster:
    name: str
    path: str
    entries: tuple[EntryPoint, ...]
    kube_context: str
    decryptions: tuple[Decryption, ...]  # every decryption its Kustomizations name
    global_secret: str | None  # --sops-age-secret, when its Flux sets one

    @property
    def home(self) -> str:
        """The cluster's own folder: its path less Flux's own folder names (`kubernetes/main/flux`
        -> `kubernetes/main`), where its other Kustomizations' paths usually lie."""
        parts = self.path.split("/") if self.path else []
        while len(parts) > 1 and parts[-1] in ("flux", "flux-system", "config"):
            parts.pop()
        return "/".join(parts) or "."  # `flux bootstrap --path=.`: the whole repository


@dataclass(frozen=True)
class Topology:
    clusters: tuple[FluxCluster, ...]
    reached: Mapping[str, tuple[Reach, ...]]  # file -> how each cluster applies it
    problems: tuple[str, ...] = ()  # paths Flux would fail on (missing, outside the repository)
    global_secret: tuple[str, str] | None = None  # (secret name, file that sets --sops-age-secret)
    kms: tuple[str, ...] = field(default=())  # files of Kustomizations that decrypt through KMS

    def clusters_of(self, rel: str) -> tuple[str, ...]:
        return tuple(sorted({r.cluster for r in self.reached.get(rel, ())}))

    def decrypted_by(self, rel: str) -> tuple[str, ...]:
        return tuple(sorted({r.cluster for r in self.reached.get(rel, ()) if r.decryption is not None}))

    def of(self, name: str) -> FluxCluster | None:
        return self._by_name.get(name)

    @functools.cached_property
    def _by_name(self) -> dict[str, FluxCluster]:
        return first_by(self.clusters, lambda c: c.name)  # the first of a name, as a search finds it


def _norm(raw: object, base: str = "") -> str | None:
    """A repo-relative folder or file, or None when it leaves the repository."""
    text = str(raw or "").strip()
    if not text:
        return None
    joined = posixpath.normpath(posixpath.join(base, text.lstrip("/") if not base else text))
    if joined == ".":
        return ""
    if joined.startswith("../") or joined == ".." or joined.startswith("/"):
        return None
    return joined


def _map(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def _load(text: str) -> list[Any] | None:
    """The documents of a text: the plain block reader first (no YAML library), else ruamel's lenient
    load; None when neither can read it."""
    from secretops.util import yamlio, yamlsimple

    docs = yamlsimple.load_all(text)
    return docs if docs is not None else yamlio.load_all_lenient(text)


def _decryption(spec: Mapping[str, Any], namespace: str) -> Decryption | None:
    dec = _map(spec.get("decryption"))
    if dec.get("provider") != "sops":
        return None
    ref = _map(dec.get("secretRef")).get("name")
    account = dec.get("serviceAccountName")
    return Decryption(str(ref) if ref else None, namespace, str(account) if account else None,
                      not ref and not account)


def _patched_decryption(patches: object, namespace: str) -> Decryption | None:
    """A decryption that `patches` targeting Kustomizations add (as home-ops repositories and the
    Flux Operator set it for every Kustomization below)."""

    for patch in _list(patches):
        patch = _map(patch)
        kind = _map(patch.get("target")).get("kind")
        if kind not in (None, "Kustomization") or not isinstance(patch.get("patch"), str):
            continue
        for doc in _load(patch["patch"]) or []:
            if isinstance(doc, Mapping):
                found = _decryption(_map(doc.get("spec")), namespace)
            elif isinstance(doc, list):
                found = next((_decryption({"decryption": op.get("value")}, namespace) for op in doc
                              if isinstance(op, Mapping) and op.get("path") == "/spec/decryption"), None)
            else:
                found = None
            if found is not None:
                return found
    return None


class _Index:
    """The files of the repository, their folders, and the Flux objects their YAML holds."""

    def __init__(self, files: Iterable[str], read: Callable[[str], bytes | None]) -> None:
        self.files = set(files)
        self.read = read
        self.folders: set[str] = {""}
        for rel in self.files:
            parts = rel.split("/")[:-1]
            for n in range(1, len(parts) + 1):
                self.folders.add("/".join(parts[:n]))
        self.objects: dict[str, list[Mapping[str, Any]]] = {}
        self.flags: dict[str, str] = {}
        self.problems: list[str] = []
        self._under: dict[str, list[str]] | None = None
        self._sources: tuple[dict[str, set[str]], dict[str, set[str]]] | None = None

    def sources(self) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
        """(normalized URL -> the names of the GitRepositories and OCIRepositories that watch it, and
        name -> their URLs): one pass, for every entry point."""
        from secretops.flux.judge import normalize_url

        if self._sources is None:
            by_url: dict[str, set[str]] = {}
            by_name: dict[str, set[str]] = {}
            for docs in self.objects.values():
                for doc in docs:
                    url = _map(doc.get("spec")).get("url")
                    if doc.get("kind") in _SOURCES and isinstance(url, str) and url:
                        name, key = str(_map(doc.get("metadata")).get("name")), normalize_url(url)
                        by_url.setdefault(key, set()).add(name)
                        by_name.setdefault(name, set()).add(key)
            self._sources = by_url, by_name
        return self._sources

    def load(self) -> None:
        from secretops.util import yamlio

        for rel in sorted(self.files):
            if not rel.endswith((".yaml", ".yml")):
                continue
            data = self.read(rel)
            if not data or not any(m in data for m in _MARKERS):
                continue
            flag = _GLOBAL_FLAG.search(data)
            if flag:
                self.flags[rel] = flag.group(1).decode()
            text = data.decode("utf-8", "replace")
            parts = [part for _line, part in yamlio.split_documents(text) if _WANTED.search(part)]
            if not parts:  # CRDs and the like mention Flux's API groups: not worth a YAML parse
                continue
            docs = _load(text if len(parts) > 1 else parts[0]) or []
            self.objects[rel] = [d for d in docs if isinstance(d, Mapping)]

    def under(self, folder: str) -> list[str]:
        if self._under is None:
            self._under = {}
            for rel in sorted(self.files):
                parts = rel.split("/")
                for n in range(0, len(parts)):
                    self._under.setdefault("/".join(parts[:n]), []).append(rel)
        return self._under.get(folder, [])

    def kfile(self, folder: str) -> str | None:
        for name in _KFILES:
            rel = f"{folder}/{name}" if folder else name
            if rel in self.files:
                return rel
        return None


class _Builder:
    """What kustomize builds from a folder: the files it reads (memoized)."""

    def __init__(self, index: _Index) -> None:
        self.index = index
        self.memo: dict[str, frozenset[str]] = {}
        self.active: set[str] = set()

    def folder(self, folder: str, why: str) -> frozenset[str]:
        if folder in self.memo:
            return self.memo[folder]
        if folder in self.active:  # a cycle: kustomize refuses it; the files are already counted
            return frozenset()
        if folder not in self.index.folders:
            self.index.problems.append(f"{why}: the folder ./{folder} does not exist")
            return frozenset()
        self.active.add(folder)
        try:
            kfile = self.index.kfile(folder)
            found = self._listed(folder, kfile) if kfile else self._generated(folder)
        finally:
            self.active.discard(folder)
        self.memo[folder] = found
        return found

    def _generated(self, folder: str) -> frozenset[str]:
        """kustomize-controller's generated kustomization: every .yaml/.yml below; a sub-folder with
        its own kustomization.yaml is built as such and not descended into."""
        out: set[str] = set()
        skip: list[str] = []
        for rel in self.index.under(folder):
            parent = rel.rsplit("/", 1)[0] if "/" in rel else ""
            if any(parent == s or parent.startswith(s + "/") for s in skip):
                continue
            nested = self._nested_kfile(folder, parent)
            if nested is not None:
                skip.append(nested)
                out |= self.folder(nested, f"./{folder}")
            elif rel.endswith((".yaml", ".yml")):
                out.add(rel)
        return frozenset(out)

    def _nested_kfile(self, top: str, parent: str) -> str | None:
        """The outermost folder between top (excluded) and parent (included) with a kustomization file."""
        if parent == top:
            return None
        rest = parent[len(top) + 1:] if top else parent
        parts = rest.split("/")
        for n in range(1, len(parts) + 1):
            candidate = "/".join(filter(None, [top, *parts[:n]]))
            if self.index.kfile(candidate):
                return candidate
        return None

    def _listed(self, folder: str, kfile: str) -> frozenset[str]:

        out = {kfile}
        data = self.index.read(kfile)
        docs = _load((data or b"").decode("utf-8", "replace"))
        doc = _map(docs[0]) if docs else None
        if doc is None:
            self.index.problems.append(f"{kfile} cannot be read as YAML")
            return frozenset(out)
        for ref in self._refs(doc):
            if "://" in ref or ref.startswith(("github.com/", "git@", "ssh:")) or "?ref=" in ref:
                continue  # a remote base: not in this repository
            target = _norm(ref, folder)
            if target is None:
                self.index.problems.append(f"{kfile}: {ref} leads outside the repository")
            elif target in self.index.files:
                out.add(target)
            elif target in self.index.folders:
                out |= self.folder(target, kfile)
            else:
                self.index.problems.append(f"{kfile}: {ref} does not exist")
        return frozenset(out)

    @staticmethod
    def _refs(doc: Mapping[str, Any]) -> list[str]:
        refs: list[str] = []
        for key in ("resources", "components", "bases", "crds", "configurations", "transformers", "generators"):
            refs += [str(r) for r in _list(doc.get(key)) if isinstance(r, str)]
        for item in _list(doc.get("patchesStrategicMerge")):
            if isinstance(item, str) and "\n" not in item:
                refs.append(item)
        for key in ("patches", "patchesJson6902"):
            refs += [str(p["path"]) for p in _list(doc.get(key)) if isinstance(p, Mapping) and p.get("path")]
        for key in ("secretGenerator", "configMapGenerator"):
            for gen in _list(doc.get(key)):
                gen = _map(gen)
                for item in [*_list(gen.get("files")), *_list(gen.get("envs")), gen.get("env")]:
                    if isinstance(item, str) and item:
                        refs.append(item.split("=", 1)[1] if "=" in item else item)
        helm = _list(doc.get("helmCharts"))
        refs += [str(h["valuesFile"]) for h in helm if isinstance(h, Mapping) and h.get("valuesFile")]
        return refs


def _kustomizations(index: _Index, rel: str) -> list[Kustomization]:
    out = []
    for doc in index.objects.get(rel, []):
        if doc.get("kind") != "Kustomization" or not str(doc.get("apiVersion", "")).startswith(_KS_API):
            continue
        meta, spec = _map(doc.get("metadata")), _map(doc.get("spec"))
        ns = str(meta["namespace"]) if meta.get("namespace") else None
        source = _map(spec.get("sourceRef"))
        path = _norm(spec.get("path") or "./")
        eff_ns = ns or "flux-system"
        out.append(Kustomization(rel, str(meta.get("name", "")), ns, path, str(source.get("kind", "")),
                                 str(source.get("name", "")), _decryption(spec, eff_ns),
                                 isinstance(spec.get("kubeConfig"), Mapping),
                                 _patched_decryption(spec.get("patches"), eff_ns),
                                 str(spec["targetNamespace"]) if spec.get("targetNamespace") else None))
    return out


def _instance_syncs(index: _Index, rel: str) -> list[tuple[str, Mapping[str, Any], Mapping[str, Any]]]:
    """(name, spec.sync, spec) of each FluxInstance in a file, also as the flux-instance chart's values."""
    out = []
    for doc in index.objects.get(rel, []):
        spec: Mapping[str, Any] = {}
        name = str(_map(doc.get("metadata")).get("name") or "flux")
        if doc.get("kind") == "FluxInstance":
            spec = _map(doc.get("spec"))
        elif doc.get("kind") == "HelmRelease":
            spec = _map(_map(_map(doc.get("spec")).get("values")).get("instance"))
        elif "kind" not in doc and "instance" in doc:
            spec = _map(doc.get("instance"))
        sync = _map(spec.get("sync"))
        if sync.get("path") is not None or sync.get("url"):
            out.append((name, sync, spec))
    return out


def _instance_decryption(spec: Mapping[str, Any]) -> Decryption | None:
    found = _patched_decryption(_map(spec.get("kustomize")).get("patches"), "flux-system")
    if found is not None:
        return found
    text = repr(_map(spec.get("kustomize")).get("patches"))
    if "--sops-age-secret" in text:
        return Decryption(None, "flux-system", None, True)
    return None


def _entry_points(index: _Index, build: _Builder) -> list[EntryPoint]:
    entries: list[EntryPoint] = []
    sources = {(str(_map(d.get("metadata")).get("name")), str(d.get("kind"))): str(_map(d.get("spec")).get("url", ""))
               for docs in index.objects.values() for d in docs if d.get("kind") in _SOURCES}
    for rel in sorted(index.objects):
        for ks in _kustomizations(index, rel):
            if ks.kube_config or ks.source_kind not in _SOURCES or ks.path is None:
                continue
            if ks.path in index.folders and rel in build.folder(ks.path, ks.label):
                entries.append(EntryPoint("bootstrap", rel, ks.name, ks.path, ks.source_name,
                                          sources.get((ks.source_name, ks.source_kind)), ks.decryption))
        for name, sync, spec in _instance_syncs(index, rel):
            path = _norm(sync.get("path") or "./")
            if path is None:
                index.problems.append(f"{rel}: FluxInstance {name}: sync.path leads outside the repository")
                continue
            entries.append(EntryPoint("flux-instance", rel, name, path, str(sync.get("name") or "flux-system"),
                                      str(sync.get("url") or "") or None, _instance_decryption(spec)))
    # A bootstrap sync applies its own file and nothing else applies it. One that another entry point
    # applies is that one's child (an app's `ks.yaml` inside the folder it applies), unless each
    # applies the other: then the wider one is another source's (the Flux install from an OCI
    # artifact at ./) or a parent folder's, and the more specific one is the sync.
    if not any(e.kind == "bootstrap" for e in entries):
        return entries
    # Indexed, not a search of every pair (10,000 clusters: 10^8 pairs): the entry files each entry
    # point's folder builds, and who builds each entry file.
    files = {e.file for e in entries}
    holds = [build.folder(o.path, o.describe()) & files for o in entries]
    by_file: dict[str, list[int]] = {}
    for i, found in enumerate(holds):
        for rel in found:
            by_file.setdefault(rel, []).append(i)

    def applies(i: int, j: int) -> bool:  # entry i's folder builds entry j's file
        return entries[i].path != entries[j].path and entries[j].file in holds[i]

    def wider(j: int) -> bool:
        return any(len(entries[i].path) > len(entries[j].path) and applies(i, j) and applies(j, i)
                   for i in by_file.get(entries[j].file, ()))

    kept = [j for j in range(len(entries)) if entries[j].kind != "bootstrap" or not wider(j)]
    alive = set(kept)
    return [entries[j] for j in kept if entries[j].kind != "bootstrap"
            or not any(i in alive and applies(i, j) for i in by_file.get(entries[j].file, ()))]


def _same_repository(index: _Index, entries: list[EntryPoint]) -> set[str]:
    """The sources an entry point's Kustomizations may name: its own, and every GitRepository or
    OCIRepository in the repository with the same URL (the same repository, watched again)."""
    from secretops.flux.judge import normalize_url

    names = {e.source for e in entries}
    found, urls_of = index.sources()
    urls = {normalize_url(e.url) for e in entries if e.url}
    urls |= {u for n in names for u in urls_of.get(n, ())}
    return names.union(*(found.get(u, ()) for u in urls))


def _name(path: str, taken: set[str]) -> str:
    parts = [p for p in path.split("/") if p] or ["default"]
    specific = [p for p in parts if p not in _GENERIC] or parts
    for n in range(1, len(specific) + 1):
        name = "-".join(specific[-n:])
        if name not in taken:
            return name
    return "-".join(parts)


class _Walk:
    def __init__(self, index: _Index, build: _Builder) -> None:
        self.index, self.build = index, build
        self.reached: dict[str, set[Reach]] = {}
        self.decryptions: dict[str, set[Decryption]] = {}
        self.remote: list[tuple[Kustomization, str]] = []  # kubeConfig Kustomizations and who applies them
        self.kms: set[str] = set()

    def cluster(self, name: str, entry: EntryPoint, sources: set[str]) -> None:
        """Follow the Kustomizations that an entry point applies, from its path down."""
        todo: list[tuple[str, str, Decryption | None, Decryption | None, str]] = [
            (entry.path, entry.describe(), entry.decryption, None, "flux-system")]
        seen: set[tuple[str, Decryption | None]] = set()
        while todo:
            path, label, dec, inherited, namespace = todo.pop()
            if (path, dec) in seen:
                continue
            seen.add((path, dec))
            if dec is not None:
                self.decryptions.setdefault(name, set()).add(dec)
            for rel in self.build.folder(path, label):
                self.reached.setdefault(rel, set()).add(Reach(name, label, dec))
                for ks in _kustomizations(self.index, rel):
                    if ks.kube_config:
                        if entry.kind != "kubeconfig" or ks.label != entry.file + f" ({entry.name})":
                            self.remote.append((ks, name))
                        continue
                    if ks.source_kind not in _SOURCES or ks.source_name not in sources or ks.path is None:
                        continue
                    own_ns = ks.namespace or namespace
                    child = ks.decryption or (inherited and Decryption(
                        inherited.secret, own_ns, inherited.service_account, inherited.global_flag))
                    if child is not None and child.service_account:
                        self.kms.add(rel)
                    todo.append((ks.path, ks.label, child, ks.child_decryption or inherited,
                                 ks.target_namespace or own_ns))


def read(files: Iterable[str], read_file: Callable[[str], bytes | None]) -> Topology:
    """The topology of a repository: ``files`` are its repo-relative paths, ``read_file`` their bytes
    (None: unreadable, never a guess)."""
    index = _Index(files, read_file)
    index.load()
    build = _Builder(index)
    found = _entry_points(index, build)
    walk = _Walk(index, build)
    by_path: dict[str, list[EntryPoint]] = {}
    for entry in found:
        by_path.setdefault(entry.path, []).append(entry)
    clusters: list[FluxCluster] = []
    taken: set[str] = set()
    done: set[str] = set()
    pending = sorted(by_path.items())
    while pending:
        for path, entries in pending:
            name = _name(path, taken) if entries[0].kind != "kubeconfig" else entries[0].name
            if name in taken:
                name = _name(path, taken)
            taken.add(name)
            sources = _same_repository(index, entries)
            for entry in entries:
                walk.cluster(name, entry, sources)
            context = next((e.management for e in entries if e.management), None) or name
            clusters.append(FluxCluster(name, path, tuple(entries), context, (), None))
            done.add(path)
        pending = []
        remote: dict[str, list[EntryPoint]] = {}
        for ks, hub in walk.remote:
            if ks.path is not None and ks.path not in done:
                management = next((c.kube_context for c in clusters if c.name == hub), hub)
                remote.setdefault(ks.path, []).append(EntryPoint(
                    "kubeconfig", ks.file, ks.name, ks.path, ks.source_name, None, ks.decryption, management))
        walk.remote = []
        pending = sorted(remote.items())
    flag = next(iter(sorted(index.flags.items())), None)
    applied: dict[str, set[str]] = {}  # cluster -> the files it applies (one pass, not one a cluster)
    for r, reaches in walk.reached.items():
        for x in reaches:
            applied.setdefault(x.cluster, set()).add(r)
    out = []
    for cluster in clusters:
        mine = applied.get(cluster.name, set()) | {e.file for e in cluster.entries}
        own_flag = next((index.flags[r] for r in sorted(mine) if r in index.flags), None)
        decs = tuple(sorted(walk.decryptions.get(cluster.name, set()),
                            key=lambda d: (d.secret or "", d.namespace, d.service_account or "")))
        out.append(FluxCluster(cluster.name, cluster.path, cluster.entries, cluster.kube_context, decs,
                               own_flag or (flag[1] if flag else None)))
    reached = {rel: tuple(sorted(r, key=lambda x: (x.cluster, x.kustomization))) for rel, r in walk.reached.items()}
    return Topology(tuple(sorted(out, key=lambda c: c.name)), reached, tuple(dict.fromkeys(index.problems)),
                    (flag[1], flag[0]) if flag else None, tuple(sorted(walk.kms)))
