"""Credential formats, written from each provider's documented token format, and entropy."""

from __future__ import annotations

import functools
import itertools
import math
import re
from collections import Counter
from typing import Any

STRUCTURED = (".yaml", ".yml", ".json")  # files a Secret or sops data is parsed from
# `kind: Secret` however it is written: block or flow style, JSON, quoted, tagged, on the next line.
KIND_SECRET = re.compile(r"\bkind\b[\"']?\s*:\s*(?:!!str\s+)?[\"']?Secret\b")
# An escape in a double-quoted scalar that spells an ASCII letter (`\x53`, `\u0073`), or a line folded
# with `\`: what could spell a letter of `kind`, `Secret` or `sops` (`\u00A7` spells none of them).
LETTER_ESCAPE = r"\\(?:x[4-7][0-9a-fA-F]|u00[4-7][0-9a-fA-F]|U0000[4-7][0-9a-fA-F]|\r?\n)"
LARGE = 32 * 1024  # characters: from here on a pattern runs on RE2 (linear), not on Python's re
AGE_KEY = r"AGE-SECRET-KEY-(?:PQ-)?1[0-9A-Z]{58,}"
# base64 of `AGE-SECRET-KEY-` at each of its three alignments (the characters its bytes alone decide)
AGE_KEY_B64 = ("QUdFLVNFQ1JFVC1LRVkt", "RS1TRUNSRVQtS0VZ", "R0UtU0VDUkVULUtF")
PRIVATE_KEY = (
    r"-----BEGIN (?P<kind>(?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?)-----"  # RSA, EC, DSA, ED25519, OPENSSH, PKCS#8…
    r"(?P<body>[\s\S]*?)(?:-----END [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----|$)")

SECRET_KEY = (
    r"(?i)(?:^|[_.\-]|(?<=[a-z]))(?:password|passwd|pwd|secret|token|api[_\-]?key|access[_\-]?key|secret[_\-]?key|"
    r"private[_\-]?key|client[_\-]?secret|auth[_\-]?token|credentials?|passphrase|secret[_\-]?key[_\-]?base|"
    r"erlang[_.\-]?cookie)$"
    # `pass` as a word of its own (`DB_PASS`, rclone's `pass`, `smtpPass`), never in `bypass`/`compass`
    r"|(?:^|[_.\-])pass$|(?<=[a-z])(?-i:Pass)$")
# Words every secret-like key holds (SECRET_KEY, STRONG_KEY, GENERIC_KEY, HINTED_KEY): a key without one
# names no secret. One list for KEY_HINT, the hinted-line pass and tokens.HINT_WORDS.
KEY_WORDS = ("pass", "pwd", "secret", "token", "key", "hmac", "licen", "credential", "cookie")
KEY_HINT = "(?i)" + "|".join(KEY_WORDS)
# A key (not a word in a description) that holds a hint: at a line start, after `- `, `{` or `,`.
_KEY_START = r"(?im)(?:^[ \t]*(?:-[ \t]+|export[ \t]+)?|[{,\[][ \t]*)[\"']?[\w.\-]*"
# A key that ends like a secret-like key, whose value the line reader may misread (the parser reads it).
_STRONG_HINT = (_KEY_START + r"(?:pass|passwd|password|pwd|secret|token|secret.?key|api.?key|access.?key|private.?key|"
                r"credentials?|passphrase|secret.?key.?base|erlang.?cookie)[\"']?[ \t]*\??[:=]")
# A key that names a key of any kind: its value counts only when shaped like a generated secret,
# a plain scalar on its line, which the line reader sees whole.
_GENERIC_HINT = _KEY_START + r"(?:[\w.\-]key|hmac[\w.\-]*|licen[cs]e[\w.\-]*)[\"']?[ \t]*\??[:=]"
# What only the parser pairs with its value: an env entry whose name is secret-like, with its
# `value:` next (`- name: X_TOKEN` / `value: …`, `{name: X_TOKEN, value: …}`), and a flag that names
# a secret (`--hmac-key=…`, `["--token", "…"]`).
# (case-blind by its own flag: the patterns around it need none, and Python's re compiles a case-blind
# character class slowly: _INLINE_HINTED took 2.1 ms to compile with a global `(?i)`, 1.2 ms without)
_SECRET_WORD = r"(?i:pass|pwd|secret|token|key|hmac|licen[cs]e|credential|erlang.?cookie)"
_PAIRED = (r"(?im)(?:^[ \t]*-?[ \t]*|[{,][ \t]*)[\"']?name[\"']?[ \t]*:[ \t]*[\"']?[\w.\-]*" + _SECRET_WORD +
           r"[\w.\-]*[\"']?[ \t]*(?:,[ \t]*|\r?\n[ \t]*)[\"']?value[\"']?[ \t]*:"
           r"|(?:^|[\s\"'\[,])--?[\w.\-]*" + _SECRET_WORD + r"[\w.\-]*(?:=|[\"']?[ \t]*(?:,|$))"
           # and a mapping named for a key whose `key:` holds it (`license:` / `  key: …`)
           r"|^[ \t]*(?:-[ \t]+)?[\"']?[\w.\-]*(?:hmac|licen[cs]e)[\w.\-]*[\"']?[ \t]*:[ \t]*(?:#.*)?$"
           # …and an env entry written value first (`- value: …` / `name: X_TOKEN`, `{value: …, name: X_KEY}`),
           # led by its literal (Python's re finds a leading literal fast; from the line's start, ~10x slower)
           r"|value[\"']?[ \t]*:(?:[^\n]*,|[^\n]*\n)[ \t]*[\"']?name[\"']?[ \t]*:[ \t]*[\"']?[\w.\-]*" + _SECRET_WORD)
# A JSON patch operation that sets a value (`- op: replace` / `path: /spec/values/auth/password` /
# `value: …`): its value is judged under the key its path ends in. A pre-test, led by a literal (fast
# in both engines), kept apart from HINTED_KEY (in one RE2 automaton with it, every search of
# HINTED_KEY took ~40x longer).
PATCH_OP = r"op[\"']?[ \t]*:[ \t]*[\"']?(?:add|replace)\b"
_PATCH_OP = re.compile(PATCH_OP)


def patch_op(text: str) -> bool:
    """``text`` may hold a JSON patch operation that sets a value."""
    return "op" in text and _PATCH_OP.search(text) is not None


# Keys that only INLINE_PAIR and SPACED_LINE read: `… password="…"`, `<password>…`, `HTTP_Passwd <12+ characters>`.
# ASCII keys, as INLINE_PAIR's and SPACED_LINE's (RE2 compiles Unicode classes into large automata).
_INLINE_HINT = (r"[\s(;,][A-Za-z0-9_.\-]*" + _SECRET_WORD + r"[A-Za-z0-9_.\-]*[ \t]*=[ \t]*[\"']?[^\s\"'#,;<>&]"
                r"|<[A-Za-z0-9_.\-]*" + _SECRET_WORD + r"[A-Za-z0-9_.\-]*>[^<\s]"
                r"|^[ \t]*[A-Za-z0-9_.\-]*(?i:pass|pwd|secret|token)[A-Za-z0-9_.\-]*[ \t]+[^\s\"'#;=:]{12}"
                # code that sets a secret-named entry or constant (PHP: `$_ENV['PASSWORD'] = '…'`, `define('X_KEY', …`)
                r"|\[[\"'][A-Za-z0-9_.\-]*" + _SECRET_WORD + r"[A-Za-z0-9_.\-]*[\"'][ \t]*\][ \t]*=[ \t]*[\"'`]"
                r"|(?i:define)\([ \t]*[\"'][A-Za-z0-9_]*" + _SECRET_WORD + r"[A-Za-z0-9_]*[\"'][ \t]*,"
                # …and a typed declaration (TypeScript's, Kotlin's `const apiToken: string = '…'`)
                r"|[\s(;,][A-Za-z0-9_]*" + _SECRET_WORD + r"[A-Za-z0-9_]*[ \t]*:[ \t]*[A-Za-z]+[ \t]*=[ \t]*[\"'`]"
                # a systemd unit's `Environment="A=x" "DB_PASSWORD=y"` (quoted assignments)
                r"|^[ \t]*(?i:Environment)[ \t]*=[^\n]*" + _SECRET_WORD + r"[A-Za-z0-9_]*=")
# HCL blocks that name the secret elsewhere than in a key: helm_release's `set { name = "adminPassword" … }`,
# `variable "db_password" { default = … }` (rules_content._hcl_blocks, which reads any HCL file a hint word is
# in): for the large scan's selector only (Python's re need not compile it on the hook's path)
_HCL_HINT = (r"(?:^|[\s{])name[ \t]*=[ \t]*\"[A-Za-z0-9_.\-]*" + _SECRET_WORD
             + r"|variable[ \t]+\"[A-Za-z0-9_\-]*" + _SECRET_WORD)
_HINTED_KEY = "|".join([_STRONG_HINT, _GENERIC_HINT.removeprefix("(?im)"), _PAIRED.removeprefix("(?im)")])
HINTED_KEY = re.compile(_HINTED_KEY)
# …and what RE2 reads in one pass (Python's re would try INLINE_HINT at every blank: it reads the lines
# of hint words instead, inline_hinted)
_HINTED_ANY = _HINTED_KEY + "|" + _INLINE_HINT + "|" + _HCL_HINT
_INLINE_HINTED = re.compile("(?m)" + _INLINE_HINT)
PAIRED = re.compile(_PAIRED)
STRONG_HINT = re.compile(_STRONG_HINT)


# A hinted key whose value the line reader sees whole: `key: value` on one line, block style, a plain
# or quoted scalar that holds no `#`, `,`, `;`, space, anchor, tag, block or flow indicator.
_SIMPLE_LINE = re.compile(r"[ \t]*(?:-[ \t]+)?[\"']?[\w.\-]+[\"']?[ \t]*:[ \t]+"
                          r"(?:\"[^\"\\#\n]*\"|'(?!\{\"|\[[\"{])[^'#\n]*'|[^\s\"'#,;&!|>{}\[\]*][^\s#,;]*)[ \t]*"
                          r"(?:[ \t]#.*)?$")  # (JSON in single quotes, `'{"…`: the parser reads it)


def needs_parse(text: str, large_scan: bool) -> bool:
    """Some hinted key's value is not on its line as a simple scalar (flow style, the next line, a
    block scalar, an anchor or tag, `#`, `,`, `;` or spaces in it, JSON): the parser must read it."""
    small = len(text) < LARGE and not large_scan
    if "secretGenerator" in text or (PAIRED.search(text) if small else large_search(_PAIRED, text)) or \
            patch_op(text):
        return True
    spans = ((m.start(), m.end()) for m in STRONG_HINT.finditer(text)) if small else large_spans(_STRONG_HINT, text)
    for begin, finish in spans:
        start = text.rfind("\n", 0, begin) + 1
        end = text.find("\n", finish)
        line = text[start:len(text) if end < 0 else end].rstrip("\r")
        if not _SIMPLE_LINE.fullmatch(line) and not _plain_mapping_below(text, line, end) and \
                not in_literal_block(text, start, line):
            return True
    return False


# A literal block scalar's header: `key: |`, `- |-`, `key: &a |2` (a folded `>` joins lines: not read alike).
_LITERAL_HEADER = re.compile(r"[ \t]*(?:-[ \t]+)*(?:[^\s#\"'{}\[\],&*!|>?][^#:]*:[ \t]+|[\"'][^\"']*[\"']:[ \t]+)?"
                             r"(?:[&!][^\s]*[ \t]+)*\|[-+1-9]{0,2}[ \t]*(?:#.*)?\r?")


def in_literal_block(text: str, start: int, line: str) -> bool:
    """The line at ``start`` is a line of a literal block scalar (`description: |`): text, which the
    parser reads line by line as the line reader does (util: its lines are read alike), not a key.
    Found by walking up to less indented lines until one is a `|` header (inside) or none is left."""
    indent = len(line) - len(line.lstrip(" "))
    at = start
    while indent > 0 and at > 0:
        end = at - 1
        while end > 0:  # the nearest line above that holds something and is less indented
            begin = text.rfind("\n", 0, end) + 1
            above = text[begin:end]
            body = above.lstrip(" ")
            if body.strip() and len(above) - len(body) < indent:
                break
            end = begin - 1
        else:
            return False
        if body.startswith("#") or "\t" in above[:len(above) - len(body) + 1]:
            return False  # a comment where a parent is, or a tab: the parser says what it is
        if _LITERAL_HEADER.fullmatch(above):
            return True
        at, indent = begin, len(above) - len(body)
    return False


_BARE_KEY = re.compile(r"( *(?:-[ \t]+)?)[\"']?[\w.\-]+[\"']?[ \t]*:[ \t]*(?:#.*)?")
_CHILD_KEY = re.compile(r"( *)[\"']?[\w.\-]+[\"']?[ \t]*:(?:[ \t]|$)")


def _plain_mapping_below(text: str, line: str, end: int) -> bool:
    """``line`` is a bare key (`password:`) whose value is a block mapping of plain keys, none of them
    `key`, `value` or `<<` (which the parser would read as the secret-like key's own): each of its lines
    is then read as any other, by the line reader (a CRD's schema names properties `password` and
    `token`). False when in doubt: the parser reads it."""
    bare = _BARE_KEY.fullmatch(line)
    if bare is None or end < 0:
        return bare is not None  # `password:` at the end of the text: null, nothing to read
    at = end + 1
    while True:  # the next line that holds something
        stop = text.find("\n", at)
        stop = len(text) if stop < 0 else stop
        body = text[at:stop].lstrip(" ").rstrip("\r")
        if body and not body.startswith("#"):
            break
        if stop >= len(text):
            return True  # nothing follows: null
        at = stop + 1
    child = _CHILD_KEY.match(text, at, stop)
    if child is None or len(child.group(1)) <= len(bare.group(1)) or text.startswith("-", child.end(1)):
        return False
    block_end, children = _block_rx(len(child.group(1)))
    close = block_end.search(text, at)
    limit = len(text) if close is None else close.start()
    if close is not None and close.group()[-1] in "\t\v\f\r":
        return False  # a tab where indentation is: the parser says what it is
    return children.search(text, at, limit) is None


@functools.cache
def _block_rx(indent: int) -> tuple[re.Pattern[str], re.Pattern[str]]:
    """Where a block mapping indented by ``indent`` ends (a line that holds something, less indented),
    and a line of its own keys that the line reader would not read alike (`key:`, `value:`, `<<`, or
    anything but a plain or quoted key)."""
    return (re.compile(rf"(?m)^ {{0,{indent - 1}}}[^ \r\n#]"),
            re.compile(rf"(?m)^ {{{indent}}}(?:[\"']?(?:key|value)[\"']?[ \t]*:|<<|[^ \"'\w.\-#\r\n])"))


def has_hinted_key(text: str, large_scan: bool) -> bool:
    """HINTED_KEY or INLINE_HINT: with RE2 on large texts (linear; Python's re takes ~45 ms on a 350 KB
    manifest), and on every text of a large scan (which loads RE2 for its selector anyway: Python's re
    tries its leading alternation at every position, ~50 us a manifest); else HINTED_KEY, then
    INLINE_HINT on the lines of the hint words only. The hook's small scan never loads RE2 for it."""
    if len(text) < LARGE and not large_scan:
        return HINTED_KEY.search(text) is not None or inline_hinted(text)
    return large_search(_HINTED_ANY, text)


def inline_hinted(text: str) -> bool:
    """A line that holds a hint word holds a key that only INLINE_PAIR or SPACED_LINE reads."""
    done: set[int] = set()
    for at in hint_offsets(text):
        start = text.rfind("\n", 0, at) + 1
        if start in done:
            continue
        done.add(start)
        end = text.find("\n", at)
        if _INLINE_HINTED.search(text, start, len(text) if end < 0 else end) is not None:
            return True
    return False


# Where sops metadata could be: `sops` as a key (plain, quoted, flow style, on the next line after
# `?`), sops's dotenv and INI lines, and what could spell the key otherwise (a letter escape in a
# double-quoted key, an alias used as a key, a complex key). A pre-test: it lets through more than the
# parse finds, never less.
_SOPS_KEY = re.compile(r"(?m)sops[\"']?\s*:|sops_|\[[ \t]*sops[ \t]*\]|" + LETTER_ESCAPE +
                       r"|(?:^|[\s\[{,])\*[^\s,\[\]{}]|^[ \t]*\?(?:[ \t]|$)")


def might_hold_sops(text: str) -> bool:
    """``text`` may carry sops metadata in some store: what parsing it would find, found without parsing
    (a CRD bundle that names the `sops` provider in a description or an enum is not parsed for it)."""
    if "sops" not in text:
        return False
    return _SOPS_KEY.search(text) is not None if len(text) < LARGE else large_search(_SOPS_KEY.pattern, text)


_KIND_SECRET_AT = re.compile(KIND_SECRET.pattern.removeprefix(r"\b"))


def kind_secret(text: str) -> bool:
    """KIND_SECRET somewhere in ``text``: RE2 on large texts (Python's re takes ~9 ms on 350 KB), else
    tried where `kind` starts a word (found by str.find: Python's re tries a leading `\b` at every
    position, ~0.15 ms on a 8 KB HelmRelease)."""
    if "Secret" not in text:
        return False
    if len(text) >= LARGE:
        return large_search(KIND_SECRET.pattern, text)
    at = text.find("kind")
    while at >= 0:
        before = text[at - 1] if at else ""
        if not (before.isalnum() or before == "_") and _KIND_SECRET_AT.match(text, at):
            return True
        at = text.find("kind", at + 4)
    return False


def hinted_key_pattern() -> str:
    """HINTED_KEY as RE2 reads it (for the token selector's one pass)."""
    return _HINTED_ANY.replace("\\w", "\\pL\\pN\\pM_")


def large_search(pattern: str, text: str) -> bool:
    """``pattern`` (as ``large`` compiles it) occurs in ``text``: searched in its UTF-8 bytes, as RE2
    reads them (the wrapper would encode the text again for every search)."""
    return _large_bytes(pattern).search(_utf8(text)[0]) is not None


def large_spans(pattern: str, text: str) -> list[tuple[int, int]]:
    """The (start, end) of each match of ``pattern`` (as ``large`` compiles it) in ``text``, searched
    in its UTF-8 bytes. An ASCII text's byte offsets are its character offsets; else they are counted
    from one match to the next (the wrapper maps every byte offset back from the text's start or its
    last match, and encodes the text again for each pattern: ~1/3 of the time on a CRD bundle)."""
    data, ascii_only = _utf8(text)
    spans = [(m.start(), m.end()) for m in _large_bytes(pattern).finditer(data)]
    if ascii_only or not spans:
        return spans
    out, byte_at, char_at = [], 0, 0
    try:
        for start, end in spans:
            char_at += len(data[byte_at:start].decode("utf-8", "surrogatepass"))
            out.append((char_at, char_at + len(data[start:end].decode("utf-8", "surrogatepass"))))
            byte_at = start
    except UnicodeDecodeError:  # a match that starts inside a character: the wrapper maps it
        return [(m.start(), m.end()) for m in large(pattern).finditer(text)]
    return out


def has_folded(word: str, text: str) -> bool:
    """``word`` occurs in ``text`` at any case (``word in text.lower()``, or more: RE2's case folding):
    a large text is searched by RE2, never lowered (~12 ms on a 1.7 MB CRD bundle that is not ASCII)."""
    if len(text) < LARGE:
        return word in text.lower()
    return large_search("(?i)" + re.escape(word), text)


def utf8(text: str) -> bytes:
    """``text``'s UTF-8 bytes, encoded once for the rules that search it (RE2 reads bytes)."""
    return _utf8(text)[0]


@functools.lru_cache(maxsize=2)  # the texts a rule is reading: several patterns search each
def _utf8(text: str) -> tuple[bytes, bool]:
    """``text``'s UTF-8 bytes, and whether they are ASCII (each byte a character)."""
    data = text.encode("utf-8", "surrogatepass")
    return data, len(data) == len(text)


@functools.cache
def _large_bytes(pattern: str) -> Any:
    import re2

    return re2.compile(pattern.replace("\\w", "\\pL\\pN\\pM_").encode(), _large_options())


@functools.cache
def large(pattern: str) -> Any:
    """``pattern`` compiled by RE2, for large texts. Only patterns without look-arounds or
    backreferences; ``\\w`` (ASCII in RE2, Unicode in Python's re) is spelled out in Unicode
    classes (letters, numbers and marks: at least what Python's re takes for a word character)."""
    import re2

    return re2.compile(pattern.replace("\\w", "\\pL\\pN\\pM_"), _large_options())


def _large_options() -> Any:
    import re2

    options = re2.Options()
    options.log_errors = False
    # Room for the DFA of HINTED_KEY's alternations over Unicode classes: at RE2's default (8 MiB) it ran
    # out and fell back to the NFA, ~30x slower on every text (taken only as the DFA grows)
    options.max_mem = 32 << 20
    return options


KEYED_LINE = (  # `key: v`, `KEY=v`, `export KEY=v`, `key => v`, make's `KEY := v` / `KEY ?= v`
    r"[ \t]*(?:export[ \t]+|-[ \t]+)?[\"']?(?P<key>[A-Za-z0-9_.\-]{2,64})[\"']?[ \t]*(?:=>|::?=|\?=|[:=])[ \t]*"
    r"(?:(?P<q>[\"'])(?P<quoted>[^\"'\r\n]{1,512})(?P=q)|(?P<value>[^\s\"'#,;]{4,512}))[ \t]*,?[ \t]*(?:[#;].*)?\r?$")
# Keys that name the secret itself (password, adminPassword, DB_PASSWORD, apiKey, token), not a
# reference to one (passwordSecretRef, tokenFile, existingSecret, secretName, passwordKey).
STRONG_KEY = (r"(?i)(?:^|[_.\-]|(?<=[a-z]))(?:password|passwd|passphrase|pwd|api[_\-]?key|apikey|api[_\-]?token|"
              r"access[_\-]?token|auth[_\-]?token|bearer[_\-]?token|token|client[_\-]?secret|secret[_\-]?key|"
              r"private[_\-]?key|secret[_\-]?key[_\-]?base|erlang[_.\-]?cookie)$|(?:^|[_.\-])pass$|(?<=[a-z])(?-i:Pass)$")
# Keys that name a key of any kind (`hmacKey`, `license_key`, `--hmac-key`, `licence`, `LICENSE`): only
# values shaped like a generated secret count under them (high entropy, a UUID, 32+ hex digits).
GENERIC_KEY = r"(?i)(?:[a-z0-9][_.\-]?key|hmac[\w.\-]*|licen[cs]e[\w.\-]*)$|^(?:hmac|licen[cs]e)"
# …but not those that name a public key, a key's name or a lookup key.
NOT_SECRET_KEY = (r"(?i)(?:public|pub|authorized|known|host|ssh|gpg|pgp|signing[_.\-]?pub|ca[_.\-]?cert|cache|"
                  r"values?|credentials?|data|config|file|user(?:name)?|cert|tls|env|"
                  r"partition|sort|primary|foreign|routing[_.\-]?name|idempotency|object|label|node|map|dict|"
                  r"hash|sharding|cluster|match|selector|group|index|lookup|field|path|"
                  # public by design: Stripe's publishable key, reCAPTCHA / hCaptcha / Turnstile site keys
                  r"publishable|site)[_.\-]?key$"
                  r"|(?:^|[_.\-])(?:secret|password|token)[_.\-]?key$|licen[cs]e[_.\-]?(?:file|path|url|type|"
                  r"name|server|mode|accepted|agreement|accept|id)$")
PASSWORD_KEY = re.compile(r"(?i)(?:^|[_.\-]|(?<=[a-z]))(?:password|passwd|passphrase|pwd)$|(?:^|[_.\-])pass$"
                          r"|(?<=[a-z])(?-i:Pass)$")
# (`RANDOM` and `GENERATE`: keywords that ask the tool for a value: cloud-init's chpasswd, Zigbee2MQTT's keys)
PLACEHOLDER = (r"(?i)^(?:x+|\*+|<+[^<>]*>+|changeme|change_me|redacted|example\w*|placeholder|dummy\w*|"
                         r"(?:your|my)[_\-].*|null|none|true|false|secret|password|token|random|generate)$")
# References and templates: Flux `${VAR}` / `${VAR:-default}`, Helm `{{ }}`, `$(VAR)`, ERB/EJS `<% %>`,
# Grafana `$__env{X}` / `$__file{…}`, `<<VAR>>`, `%(x)s`, `#{x}`, `@VAR@`; the replace-token placeholders of
# deploy tools and Windows (`__SMTP_PASSWORD__`, `%API_KEY%`); argocd-vault-plugin's `<path:kv/data/db#password>`.
_REFERENCE = (r"\$__(?:env|file|vault)\{[^}]*\}|\$\{[^}]*\}|\{\{.*?\}\}|\$\([^)]*\)|<%.*?%>|<<[^<>]+>>"
              r"|%\([^)]+\)s|#\{[^}]*\}|@[A-Z_]+@|__[A-Z][A-Z0-9_]*[A-Z0-9]__|%[A-Z][A-Z0-9_]*%|<path:[^<>\r\n]+>")
# …and Argo CD's references into its secrets: `$dex.github.clientSecret`, `$my-secret:oidc.clientSecret`
# (a lowercase key of argocd-secret or a Secret's name first: `$Xk9.v2` is a password, not a reference).
# …and a format field that is the whole value: `{name}`, `{cfg.password}`, `{secret(14)}`, `{row['pw']}`
# (Python's str.format and f-strings, a code template's placeholder).
# …and bank-vaults' webhook references, `vault:secret/data/app#password` (`>>vault:…` in a template).
# …and Home Assistant's and Zigbee2MQTT's references written as a string: `'!secret mqtt_password'`, and
# Zigbee2MQTT's `'!secret.yaml password'` (a key of another YAML file, named by the file).
# …and a lookup of one environment variable by its name, written in a language's own words (Python's
# `os.getenv('X')` / `os.environ['X']`, Node's `process.env.X`, Java's `System.getenv("X")`, Ruby's
# `ENV['X']` / `ENV.fetch('X')`, PHP's `getenv('X')`): a value read at run time, kept in YAML too (a
# reporter's `GITHUB_TOKEN: os.getenv('…')`). A default beside the name (`os.getenv('X', 'pw')`) is no lookup.
_ENV_NAME = r"\(\s*[\"'][A-Za-z_][A-Za-z0-9_.\-]*[\"']\s*\)"
_WHOLE_REFERENCE = (r"\{[A-Za-z_][A-Za-z0-9_.]*(?:\([^(){}\s]*\)|\[[^\[\]{}\s]*\])*\}|\$[A-Za-z_][A-Za-z0-9_]*"
                    r"|\$[a-z][a-z0-9\-]*(?::[\w.\-]+|(?:\.[A-Za-z][\w\-]*)+)"
                    r"|(?:>>)?vault:[A-Za-z0-9_.\-]+(?:/[A-Za-z0-9_.\-]+)+#[A-Za-z0-9_.\-]+(?:#\d+)?"
                    r"|(?:os\.|System\.)?getenv" + _ENV_NAME + r"|os\.environ(?:\.get" + _ENV_NAME
                    + r"|\[\s*[\"'][A-Za-z_][A-Za-z0-9_.\-]*[\"']\s*\])|ENV(?:\.fetch" + _ENV_NAME
                    + r"|\[\s*[\"'][A-Za-z_][A-Za-z0-9_.\-]*[\"']\s*\])|process\.env\.[A-Za-z_][A-Za-z0-9_]*"
                    r"|!(?:secret|[A-Za-z_][\w\-]*\.ya?ml)[ \t]+[A-Za-z_][\w.\-]*")
_WORD = re.compile(r"(?=[A-Za-z0-9]*[A-Za-z])[A-Za-z0-9]{4,}")  # what a literal secret part would need
# A reference with a literal default: Spring's `${DB_PASSWORD:pw}`, the shell's, compose's and Flux's
# `${X:-pw}` / `${X:=pw}`: the default is what runs wherever the variable is unset, a value in the repository.
# The shell's `${X:?message}` and `${X?message}` are no default: an error message, printed when `X` is unset.
_DEFAULTED = re.compile(r"\$\{[A-Za-z_][A-Za-z0-9_.\-]*(?::-|:=|:)(?P<default>[^${}\s?][^${}]*)\}")


def reference_default(value: str) -> str | None:
    """The literal default of a value that is one reference with a default (`${X:-pw}`), else None."""
    match = _DEFAULTED.fullmatch(value.strip()) if "${" in value else None
    return match.group("default") if match else None


# Long placeholder words anywhere (a random token practically never holds one); short ones only
# where they start the value or a word of it.
_REPEATS = re.compile(r"x{4,}|X{4,}|\*{3,}|0{8,}|(?i:example|sample|placeholder|redacted|changeme|change_me|"
                      r"dummy)|(?i:(?<![A-Za-z0-9])(?:your|my)[_\-]|(?<![A-Za-z])(?:fake|todo|insert|replace)(?![a-z]))")
_RUN = re.compile(r"(.)\1{5,}")


def _mostly_one_run(value: str) -> bool:
    """A run of six or more of one character that is a third of the value or more (`ghp_aaaa…`,
    `hunter2zzzzzz`): filler. In a long random value such a run is chance (one 40-hex key in
    ~15,000 holds `dddddd`), not a placeholder."""
    return any(3 * len(m.group(0)) >= len(value) for m in _RUN.finditer(value))


_SEQUENCES = ("0123456789", "1234567890", "abcdefghij", "ABCDEFGHIJ", "qwertyuiop")


def is_placeholder(value: str) -> bool:
    """Documented placeholders and low-information values: ``ghp_xxxx…``, ``AKIA…EXAMPLE``,
    ``<token>``, ``${VAR}``, ``{{ .Values.x }}``, repeated characters, alphabet runs."""
    if re.match(PLACEHOLDER, value) or is_template(value) or _REPEATS.search(value) or _mostly_one_run(value):
        return True
    if value.startswith("${") and "}" not in value:  # a reference cut at a blank inside its braces, as a line
        return True  # reader cuts an unquoted value (the shell's `X=${X?no password}`)
    if "<" in value and ">" in value:
        return True
    if _sequential(value):
        return True
    body = re.sub(r"^[A-Za-z]{2,8}[_\-]", "", value)
    # few distinct characters after a prefix (`ghp_aaaa…`, `sk_0000…`): filler; a short rest is not
    # (`hello_123`: a weak password, as checkov's reporter wrote one)
    return bool(body) and len(set(body)) <= 3 and (body == value or len(body) >= 4)


_ORDER = "0123456789abcdefghijklmnopqrstuvwxyz"


def _sequential(value: str) -> bool:
    """Counted runs written in order (`0123456789abcdef`, `1234567890` again and again): docs' examples
    and test fixtures (kubeadm's `abcdef.0123456789abcdef`, `ghp_1234567890…`). Three neighbours in
    four or more follow each other (9 then 0 or a, as counters and hex digits go); in a random value
    about one in forty does."""
    if len(value) < 12:
        return False
    lower = value.lower()
    steps = sum(1 for a, b in itertools.pairwise(lower)
                if a in _ORDER and b in _ORDER and (_ORDER.index(b) - _ORDER.index(a) == 1 or (a, b) == ("9", "0")))
    return 4 * steps >= 3 * (len(value) - 1)


def is_placeholder_password(value: str) -> bool:
    """is_placeholder, or a word that names what belongs there (`password`, `YOURPASSWORD`, `new_password`)."""
    return is_placeholder(value) or value.lower() in {"password", "pass", "pwd", "secret", "user", "admin", "root"} or \
        re.fullmatch(r"(?i)[a-z_\-]*(?:password|passwd|secret|token)[a-z_\-]*", value) is not None


def looks_like_a_password(value: str, *, any_entropy: bool = False, literal: bool = False) -> bool:
    """A value under a password/token key that is neither a reference, a placeholder, a template, a
    boolean, a path, a URL nor a resource name. With ``any_entropy`` (a key that names the password
    itself), lowercase words count too: `adminPassword: hunter` is a password; only an environment
    variable's NAME (`DB_PASSWORD`) still reads as a reference. ``literal``: a quoted or parsed string,
    whose first `*`, `&` or `!` is a character of it, not YAML's alias, anchor or tag."""
    if not value or is_placeholder(value) or is_template(value) or value[0] in ("$" if literal else "*&!$") or \
            _CODE.fullmatch(value):
        return False
    if any_entropy:
        if len(value) < 4 or re.fullmatch(r"[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+", value):
            return False
    elif len(value) < 6 or is_identifier(value):
        return False
    if any(seq in value for seq in _SEQUENCES) and len(value) < 16:
        return False
    if value.lower() in {"true", "false", "null", "none", "yes", "no", "required", "optional", "enabled", "disabled"}:
        return False
    if value.startswith(("/", "./", "~/", "http://", "https://", "file:", "vault:", "ref+", "op://", "env:")):
        return False
    return any_entropy or not re.fullmatch(r"[0-9.]+|[A-Za-z]+", value)


@functools.cache
def keyed_regexes() -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    return re.compile(KEYED_LINE), re.compile(SECRET_KEY), re.compile(STRONG_KEY)


@functools.cache
def generic_regexes() -> tuple[re.Pattern[str], re.Pattern[str]]:
    return re.compile(GENERIC_KEY), re.compile(NOT_SECRET_KEY)


_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_LONG_HEX = re.compile(r"[0-9a-f]{32,128}|[0-9A-F]{32,128}")
# Values that are public or are hashes where a hash is expected: digests, public keys, recipients;
# password hashes in crypt / PHC form (`$argon2id$…`, bcrypt `$2y$…`, `$apr1$…`, `$6$…`: Authelia's
# users, htpasswd, Vaultwarden's ADMIN_TOKEN); ciphertext (Ansible Vault, OpenPGP messages as Renovate's
# `encrypted` values hold them); Stripe's and Supabase's publishable keys, Mapbox's public tokens (`pk.eyJ…`).
_PUBLIC_OR_HASH = re.compile(r"(?i)^(?:(?:sha(?:1|224|256|384|512)|md5|blake2b|blake3|sha3-\d+)[:=\-~]|age1|npub1|"
                             r"(?:ssh-(?:rsa|dss|ed25519)|ecdsa-sha2-\S+|sk-ssh-\S+) |-----BEGIN (?:CERTIFICATE|PUBLIC)"
                             r"|h1:|\$(?:argon2(?:id|i|d)|2[abxy]|apr1|[1567]|y|gy|pbkdf2(?:-sha\d+)?|scrypt|"
                             r"bcrypt(?:-sha256)?)\$|\$ANSIBLE_VAULT;|-----BEGIN PGP MESSAGE|pk_(?:live|test)_|"
                             r"SCRAM-SHA-256\$|md5[0-9a-f]{32}$|pk\.eyJ|sb_publishable_)"
                             r"|^(?-i:(?:wc|hQ)[A-Za-z0-9+/]MA[A-Za-z0-9+/]{60,})")


def is_public_or_hash(value: str) -> bool:
    return _PUBLIC_OR_HASH.match(value) is not None or (value.startswith("eyJ") and public_jwt(value))


def public_jwt(token: str) -> bool:
    """A JWT that is public by design: Supabase's `anon` key (its payload's `role` is `anon`, issued by
    supabase), which Supabase's docs say is safe in a browser; its `service_role` key is not."""
    import base64
    import binascii
    import json

    parts = token.split(".")
    if len(parts) != 3:
        return False
    try:
        claims = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return False
    return isinstance(claims, dict) and claims.get("role") == "anon" and \
        str(claims.get("iss", "")).startswith("supabase")


def is_password_file(value: str) -> bool:
    """Every line `user:<hash>` (htpasswd, Mosquitto's password file, Authelia-style lists): hashes
    where hashes are expected, under a key such as `passwd: |`."""
    lines = [line.strip() for line in value.strip().splitlines() if line.strip()]
    return bool(lines) and all(sep and name and " " not in name and is_public_or_hash(rest)
                               for name, sep, rest in (line.partition(":") for line in lines))


def looks_generated(value: str) -> bool:
    """A value shaped like a generated secret: a UUID, 32+ hex digits, or high entropy (not a
    placeholder, a template, a digest or a public key)."""
    text = value.strip()
    if len(text) < 12 or is_placeholder(text) or is_public_or_hash(text) or any(q in text for q in _SEQUENCES):
        return False
    if _UUID.fullmatch(text) or _LONG_HEX.fullmatch(text):
        return len(set(text.replace("-", ""))) >= 8  # not 0000…, not abab…
    if _GROUPED.fullmatch(text):  # a licence key's groups: `ABCDE-12345-FGHIJ-67890`
        return bool(re.search(r"[A-Z]", text)) and bool(re.search(r"[0-9]", text)) and entropy(text) >= 3.0
    if _NAME_LIKE.fullmatch(text) or len(text) < 16 or not looks_random(text):
        return False
    classes = sum(bool(re.search(p, text)) for p in (r"[a-z]", r"[A-Z]", r"[0-9]"))
    return classes >= 3 or (classes == 2 and len(text) >= 24)


_GROUPED = re.compile(r"[A-Z0-9]{4,8}(?:-[A-Z0-9]{4,8}){3,7}")
# A file name, an environment variable's name, a dotted or dashed name: not a generated value.
_NAME_LIKE = re.compile(r"[\w.\-]+\.(?:json|ya?ml|txt|pem|crt|key|conf|cfg|ini|toml|env|sh|py|xml)"
                        r"|[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+|[a-z0-9]+(?:[-.][a-z0-9]+)+")


@functools.cache
def _key_hint_lower() -> re.Pattern[str]:
    return re.compile(KEY_HINT.removeprefix("(?i)"))


# A line that KEYED_LINE reads as `key: value` whose key holds a hint word: every line on which a
# secret-like key's value can be found (the rules judge nothing under a key without one). Looser than
# KEYED_LINE (no lengths, no end of line), so it finds each such line, and maybe others.
_HINT = r"[A-Za-z0-9_.\-]*(?i:" + "|".join(KEY_WORDS) + r")[A-Za-z0-9_.\-]*"
_HINTED_LINE = (r"(?m)^[ \t]*(?:export[ \t]+|-[ \t]+)?[\"']?" + _HINT
                + r"[\"']?[ \t]*(?:\?=|::?=|[:=])[ \t]*(?:[\"'][^\"'\r\n]|[^\s\"'#,;])"
                # …and the lines of INLINE_PAIR and SPACED_LINE
                r"|^[^\r\n]*?(?:[\s(;,]" + _HINT + r"[ \t]*=|<" + _HINT + r">)"
                r"|^[ \t]*[A-Za-z0-9_.\-]*(?i:pass|pwd|secret|token)[A-Za-z0-9_.\-]*[ \t]+[^\s\"'#;=:]{12}"
                r"|^[ \t]*Environment[ \t]*=[^\r\n]*" + _HINT + "="
                r"|\[[\"']" + _HINT + r"[\"'][ \t]*\][ \t]*=|define\([ \t]*[\"']" + _HINT
                + r"|[\s(;,]" + _HINT + r"[ \t]*:[ \t]*[A-Za-z]+[ \t]*=")

# Pairs inside a line, which KEYED_LINE (a key at the line's start) does not read: `key=value` after a
# space (a Kafka JAAS line's `password="…";`, an Ansible inventory's `ansible_password=…`, an XML
# attribute), and an XML element (`<password>…</password>`, ClickHouse's users.xml).
INLINE_PAIR = re.compile(  # (at a line's start too: a command's own variables, `API_TOKEN=… ./deploy`)
    r"(?:(?<=[\s(;,])|^)(?P<key>[A-Za-z_][A-Za-z0-9_.\-]{1,63})[ \t]*=[ \t]*"
    r"(?:\"(?P<dq>[^\"\r\n]{1,512})\"|'(?P<sq>[^'\r\n]{1,512})'"
    r"|(?P<bare>[^\s\"'#,;<>&]{4,512})(?![^\s;,]))|<(?P<tag>[A-Za-z_][A-Za-z0-9_.\-]{1,63})>(?P<text>[^<>\r\n]{1,512})</(?P=tag)>")
# A config line of a key and a value apart by blanks only (Fluent Bit's `HTTP_Passwd …`, msmtp's
# `password …`): counted only when the value is high-entropy (two words of prose are not a secret).
SPACED_LINE = re.compile(r"[ \t]*(?P<key>[A-Za-z][A-Za-z0-9_.\-]{1,63})[ \t]+(?P<value>[^\s\"'#;=:]{12,512})[ \t]*\r?")


def hinted_lines(text: str) -> list[int] | None:
    """The starts of the lines of a large text that may hold a value under a secret-like key (RE2, one
    pass: its keys are ASCII, as KEYED_LINE's); None for other texts (their hint words are found
    instead: hint_offsets)."""
    if len(text) < LARGE:
        return None
    return [start for start, _end in large_spans(_HINTED_LINE, text)]


def has_hint_word(text: str) -> bool:
    """KEY_HINT matches somewhere in ``text`` (searched lowered, as hint_offsets does)."""
    return _key_hint_lower().search(text.lower()) is not None


def hint_offsets(text: str) -> list[int]:
    """Where KEY_HINT matches in ``text``. An ASCII text is searched lowered, case-sensitively: the
    same offsets (lowering ASCII keeps every offset, and no ASCII letter has another case fold), ~7x
    faster than Python's re on ``(?i)`` (it folds at every position)."""
    if text.isascii():
        return [m.start() for m in _key_hint_lower().finditer(text.lower())]
    return [m.start() for m in re.finditer(KEY_HINT, text)]


def entropy(value: str) -> float:
    counts = Counter(value)
    n = len(value)
    return -sum(c / n * math.log2(c / n) for c in counts.values())


def is_template(value: str) -> bool:
    """The value *is* a reference (``${VAR}``, ``{{ .Values.x }}``, ``$__env{X}``, ``$(VAR)``, …), or
    references joined by scaffolding only (``postgres://${U}:${P}@${H}:5432/db``). A value that
    merely holds one beside literal text (``hunter2-${SUFFIX}``, a config file with one
    ``${DB_HOST}`` line) is not: its literal part may be the secret."""
    text = value.strip()
    if not text:
        return False
    if re.fullmatch(_WHOLE_REFERENCE, text):
        return True
    if not re.search(_REFERENCE, text, re.S):
        return False
    rest = re.sub(_REFERENCE, " ", text, flags=re.S)
    rest = re.sub(r"^[a-z][a-z0-9+.\-]*://", "", rest.strip())  # a URL scheme is scaffolding
    return _WORD.search(rest) is None


_SEGMENT = r"[A-Za-z]+|[0-9]+|[A-Za-z0-9]{1,4}"


def is_identifier(value: str) -> bool:
    """A name, not a secret: ``grafana-secret``, ``OIDC_CLIENT_SECRET``, ``aws-access-key-id``, ``camelCase``."""
    parts = [p for p in re.split(r"[-_.:/]", value) if p]
    if not parts or not all(re.fullmatch(_SEGMENT, p) for p in parts):
        return False
    return all(p.islower() or p.isupper() or p.isdigit() or re.fullmatch(r"[A-Z]?[a-z]+(?:[A-Z][a-z]+)*", p)
               for p in parts)


# Code, not a value: a dotted path of words that opens a bracket (CEL's `Object.spec.volumes{` in an
# admission policy's expression, `foo.bar(`), as a `key: value` line of a block scalar reads it.
_CODE = re.compile(r"[A-Za-z_]+(?:\.[A-Za-z_]+)+[({\[]")


_BASE64 = re.compile(r"[A-Za-z0-9+/]{20,}={0,2}")


def _scrambled(value: str) -> bool:
    """Base64 of random bytes, not a path of words: 9/20 or more of its neighbouring letters and digits
    change class (lower, upper, digit): ~0.62 in random base64, fewer in a path, even a CamelCase one
    (`kv/data/ProdApp/DbPassword/Value1`: 1/3, `Vault/Path/To/MySecret2024Key`: 0.41). One 48-byte
    base64 value in twelve holds three `/` or more, one in 64 starts with one."""
    if not _BASE64.fullmatch(value):
        return False
    kinds = ["l" if c.islower() else "u" if c.isupper() else "d" if c.isdigit() else "" for c in value]
    pairs = [(a, b) for a, b in itertools.pairwise(kinds) if a and b]
    return bool(pairs) and 20 * sum(a != b for a, b in pairs) >= 9 * len(pairs)


def looks_random(value: str, literal: bool = False) -> bool:
    """A high-entropy value: long enough, several character classes, not a name, path, URL, template
    or code (``literal``: as looks_like_a_password's)."""
    if len(value) < 12 or (value[0] in "*&!" and not literal) or re.match(PLACEHOLDER, value) or is_template(value) or \
            _CODE.fullmatch(value):
        return False
    if value.startswith(("./", "http://", "https://", "file:")) or is_identifier(value) or \
            ((value.startswith("/") or value.count("/") > 2) and not _scrambled(value)):
        return False
    classes = sum(bool(re.search(p, value)) for p in (r"[a-z]", r"[A-Z]", r"[0-9]", r"[^A-Za-z0-9]"))
    if classes < 2:
        return False
    return entropy(value) >= (3.0 if len(value) < 20 else 3.5)
