"""YAML loading: a fast safe loader for reading, ruamel round-trips for writing."""

from __future__ import annotations

import functools
import io
import itertools
import re
from collections.abc import Callable, Iterator
from typing import Any, NamedTuple

from secretops.errors import InputError


class _Safe(NamedTuple):
    load_all: Callable[[str], Iterator[Any]]
    counted: Callable[[str], list[Any] | None] | None  # libyaml's: compose once, count aliases, build


@functools.lru_cache(maxsize=1)
def _safe() -> _Safe:
    """ruamel's safe load, YAML 1.2: through libyaml (ruamel.yaml.clib) as `YAML(typ="safe")` reads,
    with its loader class built once (ruamel builds one a call) and the version's resolvers looked
    up once a document (ruamel asks, for every scalar, for a `%YAML` directive that its C parser
    never reports, through two caught AttributeErrors): a third of the time of a sops file."""
    from ruamel.yaml import YAML
    from ruamel.yaml.constructor import SafeConstructor
    from ruamel.yaml.nodes import ScalarNode, SequenceNode
    from ruamel.yaml.resolver import VersionedResolver
    from ruamel.yaml.tag import Tag

    try:
        from _ruamel_yaml import CParser  # type: ignore[import-not-found]
    except ImportError:  # the pure parser reports %YAML directives: ruamel's own path
        yaml = YAML(typ="safe")
        return _Safe(yaml.load_all, None)

    TABLES: dict[Any, Any] = {}  # version -> first character -> resolvers (ruamel never changes them once built)

    class Loader(CParser, SafeConstructor, VersionedResolver):  # type: ignore[misc]
        def __init__(self, stream: str) -> None:
            CParser.__init__(self, stream)
            self._parser = self._composer = self
            SafeConstructor.__init__(self, loader=self)
            self.allow_duplicate_keys = False
            VersionedResolver.__init__(self, version=None, loadumper=self)
            self._version_implicit_resolver = TABLES  # built once, not for every loader
            self._fixed: Any = None

        @property
        def versioned_resolver(self) -> Any:
            if self._fixed is None:
                self._fixed = VersionedResolver.versioned_resolver.fget(self)  # type: ignore[attr-defined]
            return self._fixed

        def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
            """VersionedResolver.resolve for a loader without path resolvers, without its two list
            copies a scalar: the first implicit resolver of the value's first character that
            matches, else the kind's default tag."""
            if kind is ScalarNode and implicit[0]:
                table = self.versioned_resolver
                for tag, regexp in (*table.get(value[0] if value else "", ()), *table.get(None, ())):
                    if regexp.match(value):
                        return Tag(suffix=tag)
            if self.yaml_path_resolvers:
                return VersionedResolver.resolve(self, kind, value, implicit)
            if kind is ScalarNode:
                return self.DEFAULT_SCALAR_TAG
            return self.DEFAULT_SEQUENCE_TAG if kind is SequenceNode else self.DEFAULT_MAPPING_TAG

        def construct_document(self, node: Any) -> Any:
            try:
                return _plain(self, node)
            except (_Mixed, RecursionError):  # anything else: ruamel's constructor, its errors and all
                return SafeConstructor.construct_document(self, node)
            finally:
                self.constructed_objects = {}

    def load_all(text: str) -> Iterator[Any]:
        loader = Loader(text)
        try:
            while loader.check_data():
                yield loader.get_data()
        finally:
            loader.dispose()

    return _Safe(load_all, functools.partial(_counted, Loader))


def _counted(loader_class: Any, text: str) -> list[Any] | None:
    """Every document of ``text``, composed once by libyaml: its aliases counted on the node graph
    (alias_bomb's count), then built from the same nodes (the loader composes and builds each
    document so; alias_bomb used to compose them once more). None where libyaml does not compose
    it: the usual path then says why, or reads what only ruamel's pure composer takes."""
    import warnings

    from ruamel.yaml.error import YAMLError

    loader = loader_class(text)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            nodes = []
            try:
                while loader.check_node():
                    nodes.append(loader.get_node())
            except (YAMLError, ValueError, TypeError, RecursionError):
                return None
            if _too_large(nodes):
                raise _Bomb
            return [loader.construct_document(node) for node in nodes]
    finally:
        loader.dispose()


class _Bomb(Exception):
    """Aliases that expand into more than MAX_EXPANDED_NODES nodes."""


class _Mixed(Exception):
    """A node that the plain builder leaves to ruamel's constructor."""


_STR, _SEQ, _MAP = "tag:yaml.org,2002:str", "tag:yaml.org,2002:seq", "tag:yaml.org,2002:map"
_SCALARS = {f"tag:yaml.org,2002:{t}" for t in ("int", "float", "bool", "null", "timestamp")}


def _plain(loader: Any, root: Any) -> Any:
    """A document of plain maps, lists and scalars (what manifests and sops files are) built the way
    SafeConstructor builds it, without its per-node bookkeeping; _Mixed at the first thing that is
    not plain: an alias, a merge key, a duplicate key, a non-scalar key, any other tag."""
    from ruamel.yaml.nodes import MappingNode, ScalarNode, SequenceNode

    seen: set[int] = set()

    def build(node: Any) -> Any:
        kind, tag = node.__class__, node.tag
        if kind is ScalarNode:
            if tag == _STR:
                return node.value
            if tag in _SCALARS:
                return loader.construct_non_recursive_object(node)
            raise _Mixed
        if id(node) in seen:
            raise _Mixed  # an alias: ruamel shares the object
        seen.add(id(node))
        if kind is SequenceNode and tag == _SEQ:
            return [build(child) for child in node.value]
        if kind is MappingNode and tag == _MAP:
            out: dict[Any, Any] = {}
            for key_node, value_node in node.value:
                if key_node.__class__ is not ScalarNode:
                    raise _Mixed
                key = build(key_node)
                if key in out:
                    raise _Mixed  # ruamel's DuplicateKeyError, with its words
                out[key] = build(value_node)
            return out
        raise _Mixed

    return build(root)


def load_all(text: str, name: str) -> list[Any]:
    """Every document of ``text``; a one-line InputError (no file content) on bad YAML. Until ruamel
    is loaded, plain block YAML is read without it (util/yamlsimple: the same documents, or None)."""
    import sys

    if "ruamel.yaml" not in sys.modules:
        from secretops.util import yamlsimple

        plain = yamlsimple.load_all(text)
        if plain is not None:
            return plain
    from ruamel.yaml.error import YAMLError

    try:
        safe = _safe()
        docs = safe.counted(text) if safe.counted is not None and _may_alias(text) else None
        if docs is not None:
            return docs
        if alias_bomb(text):
            raise _Bomb
        return list(safe.load_all(text))
    except _Bomb:
        raise InputError(f"{name}: its aliases expand into more than {MAX_EXPANDED_NODES:,} nodes (an alias bomb)",
                         hint="remove the nested anchors and aliases") from None
    except YAMLError as exc:
        raise InputError(f"{name}: {describe_error(exc)}", hint="fix the YAML syntax") from None
    except (ValueError, TypeError, RecursionError) as exc:
        raise InputError(f"{name}: unreadable YAML ({type(exc).__name__})", hint="fix the YAML syntax") from None


def load_one(text: str, name: str) -> Any:
    docs = [d for d in load_all(text, name) if d is not None]
    if len(docs) > 1:
        raise InputError(f"{name} holds {len(docs)} YAML documents, expected one", hint="split it")
    return docs[0] if docs else None


# What a parser error may say, word for word: its own fixed phrases. Anything else it says (a tag, a
# key, a character it choked on) came from the file, and is never shown.
_PROBLEMS = (
    "duplicate key", "found duplicate anchor", "found undefined alias", "found undefined tag handle",
    "could not determine a constructor for the tag", "found character that cannot start any token",
    "found unknown escape character", "mapping values are not allowed", "could not find expected ':'",
    "did not find expected key", "did not find expected node content", "did not find expected '-' indicator",
    "did not find expected ',' or ']'", "did not find expected ',' or '}'", "expected <block end>",
    "expected <document start>", "expected a single document", "found unexpected end of stream",
    "found a tab character", "while scanning a quoted scalar", "while scanning a simple key",
    "while scanning a block scalar", "while scanning an anchor", "while scanning an alias", "while scanning a tag",
    "while parsing a block mapping", "while parsing a flow mapping", "while parsing a block collection",
    "while parsing a flow sequence", "found unhashable key", "expected a mapping", "expected a sequence",
    "special characters are not allowed", "found incompatible YAML document",
)


def describe_error(exc: Exception) -> str:
    """Where it went wrong and what kind of error it was, never what the file said there: the text
    is built from the error's position and a fixed list of the parser's own phrases."""
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    said = f"{getattr(exc, 'context', None) or ''} {getattr(exc, 'problem', None) or ''}"
    problem = next((p for p in _PROBLEMS if p in said), None) or type(exc).__name__
    where = f" at line {mark.line + 1}" if mark is not None and isinstance(getattr(mark, "line", None), int) else ""
    return f"invalid YAML{where}: {problem}"


_REFERENCE_TAGS = ("!secret", "!env_var")


@functools.lru_cache(maxsize=2)
def _lenient(last_wins: bool = False) -> Any:
    """A safe loader that keeps going where sops and kubectl would not: duplicate keys (the first
    value is kept, or with ``last_wins`` the last, as kubectl and Flux apply it) and unknown tags
    (read as plain values). For finding secrets, never for writing."""
    from ruamel.yaml import YAML
    from ruamel.yaml.constructor import SafeConstructor
    from ruamel.yaml.nodes import MappingNode, SequenceNode

    class Lenient(SafeConstructor):
        if last_wins:
            def check_mapping_key(self, node: Any, key_node: Any, mapping: Any, key: Any, value: Any) -> bool:
                return True  # construct_mapping then sets it: the last value wins

    def undefined(self: Any, node: Any) -> Any:
        if isinstance(node, MappingNode):
            return self.construct_mapping(node)
        if isinstance(node, SequenceNode):
            return self.construct_sequence(node)
        value = self.construct_scalar(node)
        tag = getattr(node.tag, "value", node.tag)
        # a name of a value kept elsewhere (Home Assistant's and ESPHome's `!secret name`, `!env_var NAME`):
        # read as the reference it is
        return f"${{{value}}}" if tag in _REFERENCE_TAGS and isinstance(value, str) else value

    Lenient.add_constructor(None, undefined)
    yaml = YAML(typ="safe", pure=True)  # the pure composer also accepts re-defined anchors, as Go's yaml does
    yaml.Constructor = Lenient
    yaml.allow_duplicate_keys = True
    return yaml


# What the lenient reader takes that libyaml and the strict reader refuse; on any other error (a
# syntax error libyaml reports) the pure-Python reader, ten times slower, is not asked.
_TOLERATED = ("duplicate key", "found duplicate anchor", "could not determine a constructor for the tag",
              "found undefined tag handle", "unreadable YAML")


def load_all_lenient(text: str, *, last_wins: bool = False) -> list[Any] | None:
    """Every document, tolerating duplicate keys and unknown tags; None if it still cannot be read
    (or would expand into more nodes than any real manifest has: an alias bomb).

    Text the strict readers take (no duplicate key, no unknown tag) reads the same either way, so
    they go first: plain block YAML without a library (util/yamlsimple), then libyaml; ruamel's
    pure-Python loader, ten times slower, reads only what they refuse for a duplicate key, an
    unknown tag or a re-defined anchor (a syntax error libyaml reports is final). A fleet's 10,000
    manifests take seconds, not minutes."""
    import warnings

    from ruamel.yaml.error import YAMLError

    from secretops.util import yamlsimple

    plain = yamlsimple.load_all(text)
    if plain is not None:
        return plain
    try:
        return load_all(text, "")
    except InputError as exc:
        if not any(problem in exc.message for problem in _TOLERATED):
            return None  # a syntax error (or an alias bomb): no reader of ours takes it
    with warnings.catch_warnings():  # ruamel warns about re-used anchors, quoting the file
        warnings.simplefilter("ignore")
        try:
            if alias_bomb(text):
                return None
            return list(_lenient(last_wins).load_all(text))
        except (YAMLError, ValueError, TypeError, RecursionError):
            return None


# An alias: `*name` where a node may start (a line's start, after a space, a flow indicator or a
# JSON-like key's `:`); `a && b` in a shell command or ` * ` in prose is none.
_ALIAS = re.compile(r"(?:^|[\s\[{,:])\*[^\s,\[\]{}]", re.M)
MAX_EXPANDED_NODES = 2_000_000  # a 500 KB gotk-components.yaml expands to ~50,000 nodes


def alias_bomb(text: str) -> bool:
    """True when the text's aliases would expand into more than MAX_EXPANDED_NODES nodes ("billion
    laughs"). Reading shares aliased objects, but every walk over the result (rules, MAC, JSON) would
    visit each expansion: one such committed file would stall every commit and CI run. Counted on
    the composed node graph, each node once, so the count itself stays linear."""
    if not _may_alias(text):
        return False
    import warnings

    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    with warnings.catch_warnings():  # ruamel warns about re-used anchors, quoting the file
        warnings.simplefilter("ignore")
        try:
            return _too_large(_composed(text))
        except (YAMLError, ValueError, TypeError, RecursionError):
            pass
        try:  # libyaml refuses what ruamel's pure composer takes (a re-defined anchor, as Go's yaml does)
            return _too_large(list(YAML(typ="safe", pure=True).compose_all(text)))
        except (YAMLError, ValueError, TypeError, RecursionError):
            return False  # not YAML the loader can read: the load that follows says so


def _may_alias(text: str) -> bool:
    return "&" in text and "*" in text and _ALIAS.search(text) is not None


def _too_large(nodes: list[Any]) -> bool:
    """Some document's node graph expands into more than MAX_EXPANDED_NODES nodes: each node counted
    once, so the count itself stays linear."""
    from ruamel.yaml.nodes import MappingNode, SequenceNode

    sizes: dict[int, int] = {}

    def size(node: Any) -> int:
        known = sizes.get(id(node))
        if known is not None:
            return known
        sizes[id(node)] = 1  # a recursive alias counts once
        total = 1
        if isinstance(node, SequenceNode):
            total += sum(size(n) for n in node.value)
        elif isinstance(node, MappingNode):
            total += sum(size(k) + size(v) for k, v in node.value)
        sizes[id(node)] = min(total, MAX_EXPANDED_NODES + 1)
        return sizes[id(node)]

    return any(size(doc) > MAX_EXPANDED_NODES for doc in nodes if doc is not None)


def _composed(text: str) -> list[Any]:
    """The node graph of each document, composed by libyaml (ruamel.yaml.clib) where it is installed:
    the same nodes as ruamel's pure composer (an alias is the anchored node itself), ~30x faster."""
    composer = _composer()(text)
    try:
        nodes = []
        while composer.check_node():
            nodes.append(composer.get_node())
        return nodes
    finally:
        composer.dispose()


@functools.lru_cache(maxsize=1)
def _composer() -> Any:
    from ruamel.yaml.resolver import VersionedResolver

    try:
        from _ruamel_yaml import CParser
    except ImportError:
        from ruamel.yaml import YAML

        class Pure:
            def __init__(self, text: str) -> None:
                self.nodes = iter(list(YAML(typ="safe", pure=True).compose_all(text)))
                self.next: Any = next(self.nodes, self)

            def check_node(self) -> bool:
                return self.next is not self

            def get_node(self) -> Any:
                node, self.next = self.next, next(self.nodes, self)
                return node

            def dispose(self) -> None:
                pass

        return Pure

    class Composer(CParser, VersionedResolver):  # type: ignore[misc]
        def __init__(self, stream: str) -> None:
            CParser.__init__(self, stream)
            VersionedResolver.__init__(self, version=None, loadumper=self)

    return Composer


def roundtrip(indent: tuple[int, int, int] = (2, 4, 2)) -> Any:
    """A ruamel round-trip instance that keeps comments and order; indent is (map, seq, offset)."""
    from ruamel.yaml import YAML

    yaml = YAML()
    yaml.preserve_quotes = True
    yaml.width = 4096
    yaml.indent(mapping=indent[0], sequence=indent[1], offset=indent[2])
    return yaml


def detect_indent(text: str) -> tuple[int, int, int]:
    """Guess (mapping, sequence, offset) indentation from a file so a round-trip keeps its look."""
    mapping, seq, offset = 2, 4, 2
    lines = text.splitlines()
    for prev, line in itertools.pairwise(lines):
        p_ind = len(prev) - len(prev.lstrip(" "))
        ind = len(line) - len(line.lstrip(" "))
        if prev.rstrip().endswith(":") and not prev.lstrip().startswith(("#", "-")):
            if line.lstrip().startswith("- "):
                offset = ind - p_ind
                seq = offset + 2
            elif ind > p_ind and line.strip() and not line.lstrip().startswith("#"):
                mapping = ind - p_ind
    return mapping, max(seq, offset + 2), offset


def dump(yaml: Any, data: Any) -> str:
    buf = io.StringIO()
    yaml.dump(data, buf)
    return buf.getvalue()


def dump_data(data: Any) -> str:
    """Plain data (mappings in their order, lists, strings, numbers, booleans) as block YAML 1.2,
    through libyaml's emitter where it is installed: what secretops writes for itself (the rotation
    state), not a user's file to keep the look of (see roundtrip)."""
    from ruamel.yaml import YAML

    yaml = YAML(typ="safe", pure=False)
    yaml.default_flow_style = False
    yaml.width = 4096
    yaml.representer.sort_base_mapping_type_on_output = False
    return dump(yaml, data)


def dump_all(yaml: Any, docs: list[Any]) -> str:
    buf = io.StringIO()
    yaml.dump_all(docs, buf)
    return buf.getvalue()


_DOC_SPLIT = re.compile(r"---[ \t]*(?:#[^\n]*)?(?=\n|$)")


def lines_starting(text: str, prefix: str) -> list[int]:
    """Offsets of the lines of ``text`` that start with ``prefix``: `str.find` in C (Python's re scans
    a ``^`` pattern in MULTILINE mode position by position: ~2 ms on 350 KB)."""
    out = [0] if text.startswith(prefix) else []
    needle, at = "\n" + prefix, text.find("\n" + prefix)
    while at >= 0:
        out.append(at + 1)
        at = text.find(needle, at + 1)
    return out


def document_bounds(text: str) -> list[tuple[int, int]]:
    """(start, end) offsets of each document between ``---`` lines (the separators left out)."""
    bounds: list[tuple[int, int]] = []
    start = 0
    for at in lines_starting(text, "---"):
        match = _DOC_SPLIT.match(text, at)
        if match:
            bounds.append((start, at))
            start = match.end() + 1
    bounds.append((min(start, len(text)), len(text)))
    return bounds


def split_documents(text: str) -> list[tuple[int, str]]:
    """Split on ``---`` lines: (first line number, text) per document, for line lookups."""
    parts: list[tuple[int, str]] = []
    line, counted = 1, 0
    for start, end in document_bounds(text):
        line += text.count("\n", counted, start)
        counted = start
        parts.append((line, text[start:end]))
    return parts
