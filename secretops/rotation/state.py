"""The committed rotation state file and the local, uncommitted journal."""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from secretops.errors import InputError, StateError
from secretops.git import command as git
from secretops.util import yamlio
from secretops.util.fsutil import atomic_delete, atomic_write

SCHEMA_VERSION = 1
STATE_FILE = ".secretops/rotation.yaml"  # a dot-folder at the root, listed in .sourceignore
ROTATION_ENTRY = "age-rotation.agekey"  # the new key's entry in a key Secret during a rotation


@dataclass(frozen=True)
class KeyChange:
    old: str  # public keys only
    new: str
    clusters: tuple[str, ...]


@dataclass(frozen=True)
class ClusterRef:
    name: str
    kube_context: str
    key_secrets: tuple[str, ...]  # repo-relative files; none: the key Secret lives in the cluster only
    kms_covered: bool = False  # every file its keys open keeps a KMS/PGP/Vault recipient


@dataclass(frozen=True)
class RotationState:
    id: str
    phase: str  # started
    base_commit: str
    branch: str
    keys: tuple[KeyChange, ...]
    clusters: tuple[ClusterRef, ...]
    started_at: str
    post_quantum: bool = False  # `start --to-pq`: the new keys are ML-KEM-768 + X25519; commit 2 re-keys
    compromised: bool = False  # `start --compromised`: commit 2 gives every file a new data key

    @property
    def old_keys(self) -> set[str]:
        return {k.old for k in self.keys}

    @property
    def new_keys(self) -> set[str]:
        return {k.new for k in self.keys}

    def to_yaml(self) -> str:
        body = {"version": SCHEMA_VERSION, **asdict(self)}
        body["keys"] = [{**asdict(k), "clusters": list(k.clusters)} for k in self.keys]
        body["clusters"] = [{**asdict(c), "key_secrets": list(c.key_secrets)} for c in self.clusters]
        for flag in ("post_quantum", "compromised"):  # written only when set: older state files stay as they were
            if not body[flag]:
                del body[flag]
        header = ("# secretops key rotation in progress. Do not edit. Flux never applies this folder\n"
                  "# (.sourceignore). Finish with `secretops rotate finish`, or `secretops rotate abort`.\n")
        return header + yamlio.dump_data(body)

    @classmethod
    def from_mapping(cls, data: Any) -> RotationState:
        """Validated against the schema: a damaged state file is one clear error, never a crash later."""
        if not isinstance(data, dict) or data.get("version") != SCHEMA_VERSION:
            raise StateError(f"{STATE_FILE} has an unknown schema version", hint="upgrade secretops")
        try:
            state = cls(_text(data, "id"), _text(data, "phase"), _text(data, "base_commit"), _text(data, "branch"),
                        tuple(KeyChange(_key(k["old"]), _key(k["new"]), _names(k["clusters"])) for k in data["keys"]),
                        tuple(ClusterRef(_text(c, "name"), _text(c, "kube_context"), _names(c["key_secrets"]),
                                         _flag(c.get("kms_covered", False))) for c in data["clusters"]),
                        _text(data, "started_at"), _flag(data.get("post_quantum", False)),
                        _flag(data.get("compromised", False)))
        except (KeyError, TypeError, ValueError) as exc:
            why = str(exc) if isinstance(exc, ValueError) else "a field is missing or has the wrong type"
            raise StateError(f"{STATE_FILE} is damaged: {why}", hint="restore it from git (`git checkout -- "
                             f"{STATE_FILE}`)") from None
        if state.phase not in PHASES:
            raise StateError(f"{STATE_FILE} is damaged: unknown phase", hint=f"restore it from git ({STATE_FILE})")
        if not state.keys or len({k.new for k in state.keys}) != len(state.keys) or not re.fullmatch(
                r"[0-9a-f]{40}|[0-9a-f]{64}", state.base_commit):
            raise StateError(f"{STATE_FILE} is damaged: keys or base commit",
                             hint=f"restore it from git ({STATE_FILE})")
        return state


PHASES = ("started",)
_AGE_PUBLIC = re.compile(r"age1[0-9a-z]{58}|age1pq[0-9a-z]{100,}")


def _text(data: Any, key: str) -> str:
    value = data[key]
    if not isinstance(value, str) or not value:
        raise ValueError(f"`{key}` is not a non-empty string")
    return value


def _key(value: Any) -> str:
    if not isinstance(value, str) or not _AGE_PUBLIC.fullmatch(value):
        raise ValueError("a key is not an age public key")
    return value


def _flag(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError("a flag is not true or false")
    return value


def _names(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError("a list of names is malformed")
    return tuple(value)


def load_state(root: Path) -> RotationState | None:
    path = root / STATE_FILE
    if not path.is_file():
        return None
    try:
        data = yamlio.load_one(path.read_text(encoding="utf-8"), STATE_FILE)
    except (InputError, UnicodeDecodeError):
        raise StateError(f"{STATE_FILE} is damaged: not valid YAML", hint="restore it from git") from None
    return RotationState.from_mapping(data)


def require_state(root: Path) -> RotationState:
    state = load_state(root)
    if state is None:
        raise StateError("no rotation is in progress", hint="start one with `secretops rotate start`")
    return state


def commit_one(root: Path) -> str | None:
    """Commit 1 is the newest commit that added the state file (robust to rebases and squashes)."""
    out = git.out(root, "log", "--format=%H", "--diff-filter=A", "-n", "1", "--", STATE_FILE).strip()
    return out or None


@dataclass
class Journal:
    """What an interrupted command needs to resume or undo; kept in .git/secretops/, never committed."""

    op: str  # start | finish | abort
    rotation_id: str
    head: str  # HEAD when the operation began
    plan: dict[str, Any] = field(default_factory=dict)
    stage: str = "writing"
    version: int = SCHEMA_VERSION

    @staticmethod
    def path(root: Path) -> Path:
        return git.git_dir(root) / "secretops" / "journal.json"

    def save(self, root: Path) -> None:
        target = self.path(root)
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        atomic_write(target, (json.dumps(asdict(self), indent=2, sort_keys=True) + "\n").encode(), 0o600)

    @classmethod
    def load(cls, root: Path) -> Journal | None:
        target = cls.path(root)
        if not target.is_file():
            return None
        try:
            data = json.loads(target.read_text(encoding="utf-8"))
            if data.get("version") != SCHEMA_VERSION:
                raise ValueError
            return cls(**data)
        except (ValueError, TypeError):
            raise StateError(f"{target} is damaged", hint="remove it, then check `git status`") from None

    def delete(self, root: Path) -> None:
        atomic_delete(self.path(root))
