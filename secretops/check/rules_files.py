"""Rules about what a file is: clear copies, files that should be encrypted, recipients."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping

from secretops.check import patterns, rules_content
from secretops.check.model import FileView, Finding, rule
from secretops.sops import value_policy
from secretops.sops.regex import BadRegex

_FIX_ENCRYPT = "encrypt it in place with `secretops encrypt FILE` (or `sops encrypt -i FILE`)"
FIX_HISTORY = ("its values are in git history: revoke or rotate them at their source (encrypting or deleting the "
               "file now does not remove them from clones)")


def _encrypt_hint(view: FileView) -> str:
    """The command that fixes it, for this file; in history, what fixes a value that was published."""
    if view.settings.history:
        return FIX_HISTORY
    return f"encrypt it in place with `secretops encrypt {shell_word(view.path)}`"


def shell_word(path: str) -> str:
    import shlex

    return shlex.quote(path)


@rule("clear-file-in-history", "error", "A clear working copy was committed at some point in history",
      "rewrite history to remove it (git filter-repo) and rotate every secret it held")
def clear_file_in_history(view: FileView) -> Iterator[Finding]:
    return iter(())  # reported through clear-file when scanning history


@rule("clear-file", "error", "A decrypted *.clear.yaml working copy is staged or committed",
      "take it out of git (`git rm --cached FILE`) and make sure .gitignore ignores clear files")
def clear_file(view: FileView) -> Iterator[Finding]:
    if view.is_clear_file and view.blob.offset == 0:
        if view.settings.history:
            said = f"clear working copy was committed; {clear_file_in_history.fix}"
            yield view.finding(clear_file_in_history, 1, said, view.path, "")
            return
        fix = f"take it out of git (`git rm --cached {shell_word(view.path)}`)"
        said = (f"clear working copy is staged; {fix} and let .gitignore ignore clear files (`secretops init`)"
                if view.settings.staged else
                f"clear working copy is committed; {fix}, commit, and rotate the values it holds (they are in "
                "git history)")
        yield view.finding(clear_file, 1, said, view.path, "")


@rule("not-encrypted", "error", "A file named or configured as encrypted has no sops metadata", _FIX_ENCRYPT)
def not_encrypted(view: FileView) -> Iterator[Finding]:
    if not view.named_encrypted or view.blob.chunked:
        return
    if view.binary:
        yield view.finding(not_encrypted, 1, f"binary file, not sops-encrypted; {_encrypt_hint(view)}", view.path, "")
        return
    parsed = view.parsed
    if parsed.error:
        fix = FIX_HISTORY if view.settings.history else "fix its syntax, then encrypt it with `secretops encrypt FILE`"
        yield view.finding(not_encrypted, 1, f"not a valid sops file ({parsed.error}); {fix}", view.path, "")
        return
    if parsed.format == "other":
        return
    selects = _selected_by_rule(view)
    for index in parsed.plaintext_documents():
        if selects is not None and not selects(index):
            continue  # claimed by a creation rule, and sops would encrypt nothing in it
        line = _document_line(view, index)
        what = "file" if len(parsed.documents) == 1 else f"document {index + 1}"
        fix = _encrypt_hint(view) if len(parsed.documents) == 1 or not parsed.meta or view.settings.history else (
            "other documents of the file are encrypted: move this one to a file of its own and encrypt that with "
            "`secretops encrypt FILE`")
        yield view.finding(not_encrypted, line, f"{what} has no sops metadata; {fix}", f"{view.path}\0{index}", "")


def _selected_by_rule(view: FileView) -> Callable[[int], bool] | None:
    """For a file claimed by its creation rule (not named with the encrypted suffix): whether sops,
    with that rule's options, would encrypt something in document ``index``. None: named encrypted."""
    cfg = view.settings.sops_config
    rule_ = cfg.rule_for(view.path) if cfg is not None and not view.path.endswith(view.settings.encrypted_suffix) \
        else None
    if rule_ is None:
        return None
    docs, text = view.parsed.documents, view.text

    def selects(index: int) -> bool:
        doc = docs[index]
        if not isinstance(doc, Mapping | list):
            return True  # a store read as text (dotenv, INI): judged as claimed
        try:
            return value_policy.would_encrypt(doc, text, rule_.encryption)
        except BadRegex:
            return True
    return selects


def _document_line(view: FileView, index: int) -> int:
    if index == 0:
        return 1
    from secretops.util.yamlio import split_documents

    parts = split_documents(view.text)
    return parts[index][0] if index < len(parts) else 1


MAX_PARSE = 8 * 1024 * 1024  # bigger blobs are scanned for tokens and keys in chunks, not parsed


@rule("unscannable", "error", "A file the checker could not fully read: too large to parse, or a YAML/JSON "
      "file that may hold a Secret or sops data but does not parse",
      "fix the file's syntax (or split a large file), or allow it with a `secretops:allow unscannable` comment")
def unscannable(view: FileView) -> Iterator[Finding]:
    blob = view.blob
    if blob.chunked:
        if blob.offset == 0:
            yield view.finding(unscannable, 1, f"{blob.size // (1024 * 1024)} MiB is more than the "
                               f"{MAX_PARSE // (1024 * 1024)} MiB the checker parses; only token formats and private "
                               "keys were searched", view.path, "")
        return
    if not view.path.endswith(patterns.STRUCTURED) or view.named_encrypted or view.is_helm_template:
        return  # not-encrypted reports files named encrypted; templates are read leniently
    if view.binary:  # NUL bytes that no Unicode encoding explains: nothing in it can be checked
        yield view.finding(unscannable, 1, "binary data in a YAML/JSON file; nothing in it can be checked",
                           view.path, "")
        return
    if not parse_matters(view.text):
        return
    parsed = view.parsed
    if parsed.error and view.lenient_documents is None and not view.template_elsewhere:
        yield view.finding(unscannable, 1, f"{parsed.error.removeprefix(view.path + ': ')}; a Secret or sops data in "
                           "it cannot be checked", view.path, "")


def parse_matters(text: str) -> bool:
    """unscannable's pre-test: a `kind: Secret` that a document's own kind can be (plaintext-secret's
    pre-test), or a sops key. Elsewhere a YAML/JSON file that does not parse is no finding."""
    return (patterns.kind_secret(text) and rules_content.might_hold_a_secret(text)) or patterns.might_hold_sops(text)


@rule("partially-encrypted", "error", "A sops file holds a value that its own metadata says must be encrypted",
      "restore the file from git and change values only with `secretops edit`")
def partially_encrypted(view: FileView) -> Iterator[Finding]:
    if view.binary or view.blob.chunked or not patterns.might_hold_sops(view.text):
        return
    parsed = view.parsed
    for doc, meta in zip(parsed.documents, parsed.metas):
        if meta is None:
            continue
        if parsed.format == "dotenv":  # KEY=value lines (sops's own `sops_*=` lines, its metadata, are left out)
            doc = {k: v for k, v in doc.items() if v}
        try:
            for path, value in value_policy.plaintext_values(doc, meta.encryption):
                line = _line_of_key(view, path[-1] if path else "", value)
                yield view.finding(partially_encrypted, line,
                                   "a value is plaintext in a sops file whose metadata encrypts it", value)
            for line, value in value_policy.commented_plaintext(view.text, meta.encryption):
                yield view.finding(partially_encrypted, line, "value after an encrypt comment is plaintext", value)
        except BadRegex as exc:
            yield view.finding(partially_encrypted, 1, f"its sops metadata holds a regex that Go's RE2 rejects "
                               f"({exc}), so which values must be encrypted cannot be decided", view.path, "")


def _line_of_key(view: FileView, key: str, value: str) -> int:
    fallback = 1
    for n, line in enumerate(view.lines, 1):
        stripped = line.strip().lstrip("- ").strip("\"'")
        if stripped.startswith(f"{key}:") or stripped.startswith(f'{key}":') or stripped.startswith(f"{key}':"):
            if value in line:
                return n
            fallback = n if fallback == 1 else fallback
        elif value and value in line and fallback == 1 and not line.strip().startswith("#"):
            fallback = n
    return fallback


@rule("recipients-mismatch", "warning", "An encrypted file's age recipients differ from its creation rule's",
      "run `secretops updatekeys FILE` (or `sops updatekeys -y FILE`) to re-encrypt for the rule's recipients")
def recipients_mismatch(view: FileView) -> Iterator[Finding]:
    cfg = view.settings.sops_config
    if cfg is None or view.settings.history or view.binary or view.blob.chunked or "sops" not in view.text:
        return
    meta = view.parsed.meta
    rule_ = cfg.rule_for(view.path)
    if meta is None or rule_ is None or meta.uses_key_groups:
        return
    have, want = set(meta.recipients.age), set(rule_.recipients.age)
    if have != want and want:
        missing, extra = len(want - have), len(have - want)
        yield view.finding(recipients_mismatch, 1,
                           f"{missing} age recipient(s) of {rule_.describe()} missing, {extra} extra; fix: "
                           f"`secretops updatekeys {shell_word(view.path)}`",
                           ",".join(sorted(have)), "")
