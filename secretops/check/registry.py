"""Every checker rule, listed explicitly (as pre-commit lists its languages), in the order they run."""

from __future__ import annotations

from secretops.check import rules_content, rules_files
from secretops.check.model import REPO_RULES, Rule

RULES: tuple[Rule, ...] = (
    rules_files.clear_file,
    rules_files.clear_file_in_history,
    rules_files.not_encrypted,
    rules_files.unscannable,
    rules_files.partially_encrypted,
    rules_files.recipients_mismatch,
    rules_content.plaintext_secret,
    rules_content.age_private_key,
    rules_content.private_key,
    rules_content.credential,
)
# A blob over the parse limit comes in chunks: only text rules run on those.
CHUNK_RULES: tuple[Rule, ...] = (
    rules_files.clear_file,
    rules_files.unscannable,
    rules_content.age_private_key,
    rules_content.private_key,
    rules_content.credential,
)
# A blob in which the token selector finds only keys that name secrets (workers._reach): the rule that
# reads them is the only one that may fire.
KEYED_RULES: tuple[Rule, ...] = (rules_content.credential,)
BY_ID: dict[str, Rule] = {r.id: r for r in RULES}


def describe(rule_id: str) -> tuple[str, str, str]:
    """(severity, summary, fix) of a file rule or a repository rule."""
    if rule_id in BY_ID:
        r = BY_ID[rule_id]
        return r.severity, r.summary, r.fix
    return REPO_RULES[rule_id]


def all_ids() -> tuple[str, ...]:
    return tuple(sorted({*BY_ID, *REPO_RULES}))
