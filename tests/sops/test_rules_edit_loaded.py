"""A `.sops.yaml` read once to validate is the one edited: the same edit as a fresh read, once."""

from __future__ import annotations

import pytest

from secretops.errors import ConfigError
from secretops.sops import agekeys
from secretops.sops.creation_rules_edit import Loaded, replace_keys

A, B, N = (agekeys.generate().public for _ in range(3))
TEXT = f"""# rules
keys:
  - &dev {A}  # dev's key
creation_rules:
  - path_regex: ^clusters/dev/
    age: *dev
  - path_regex: ^clusters/prod/
    encrypted_regex: ^(data|stringData)$
    age: "{B}, {A}"
"""


@pytest.mark.parametrize("mapping", [{A: [A, N]}, {A: [N]}, {B: []}, {}])
def test_an_edit_of_the_read_config_is_the_edit_of_a_fresh_read(mapping: dict[str, list[str]]) -> None:
    fresh = replace_keys(TEXT, mapping)
    assert replace_keys(TEXT, mapping, Loaded(TEXT)) == fresh
    assert (fresh == TEXT) == (not mapping)


def test_the_read_document_is_edited_once_then_read_anew() -> None:
    loaded = Loaded(TEXT)
    first = replace_keys(TEXT, {A: [A, N]}, loaded)
    assert N in first
    assert replace_keys(TEXT, {B: []}, loaded) == replace_keys(TEXT, {B: []})  # not the edited document


def test_a_config_changed_since_it_was_read_is_read_again() -> None:
    loaded = Loaded(TEXT)
    changed = TEXT.replace("# rules", "# rules, edited")
    assert replace_keys(changed, {A: [N]}, loaded) == replace_keys(changed, {A: [N]})
    assert "# rules, edited" in replace_keys(changed, {A: [N]}, loaded)


def test_a_config_the_round_trip_cannot_read_is_refused_when_read() -> None:
    with pytest.raises(ConfigError):
        Loaded(f"creation_rules:\n  - age:\n      - {A}\n    path_regex: [\n")
    with pytest.raises(ConfigError):
        Loaded(f"rules:\n  - age: {A}\n")


FLEET = f"""---
# one rule a cluster
creation_rules:
    -   path_regex: ^clusters/dev/   # odd indentation, kept
        encrypted_regex: '^(data|stringData)$'
        age: {A}   # dev
    -   path_regex: ^clusters/prod/
        key_groups:
            - age: {B},{A}
"""


def test_plain_keys_are_edited_on_the_text_and_every_other_byte_is_kept() -> None:
    """Rules with plain `age:` values: only those values change, as the round trip changes them (a
    comment keeps its column, or follows a value that grew past it by one space)."""
    start = replace_keys(FLEET, {A: [A, N]}, Loaded(FLEET))
    assert start == FLEET.replace(f"age: {A}   # dev", f"age: {A},{N} # dev").replace(f"{B},{A}", f"{B},{A},{N}")
    finish = replace_keys(start, {A: []})
    assert finish == FLEET.replace(f"age: {A}   # dev", f"age: {N}{' ' * 64}# dev").replace(f"{B},{A}", f"{B},{N}")
    alone = replace_keys(FLEET, {A: [], B: []})
    assert f"age: ''{' ' * 63}# dev" in alone and "- age: ''\n" in alone


@pytest.mark.parametrize("shape", [
    f"creation_rules:\n  - age:\n      - {A}\n",  # a list of keys
    f"keys:\n  - &a {A}\ncreation_rules:\n  - age: *a\n",  # an anchor
    f"creation_rules:\n  - age: '{A}'\n",  # quoted
    f"creation_rules:\n  - age: {A}\n# {A} was dev's\n",  # the key elsewhere
    f"creation_rules:\n  - age: {A}\ndestination_rules:\n  - age: {A}\n",  # an age that is no rule's
], ids=["list", "anchor", "quoted", "elsewhere", "no-rule"])
def test_other_shapes_go_through_the_round_trip(shape: str) -> None:
    from secretops.sops import creation_rules_edit

    assert creation_rules_edit._on_the_text(shape, {A: [A, N]}) is None
    assert N in replace_keys(shape, {A: [A, N]}, Loaded(shape))


def test_the_text_edit_is_the_round_trips_on_a_file_it_would_not_reformat() -> None:
    from secretops.sops import creation_rules_edit

    keys = [agekeys.generate().public for _ in range(4)]
    text = "creation_rules:\n" + "".join(
        f"  - path_regex: ^clusters/c{n}/\n    encrypted_regex: ^(data|stringData)$\n    age: {k}  # c{n}\n"
        for n, k in enumerate(keys)) + f"  - path_regex: .*\n    age: {keys[0]}, {keys[1]}\n"
    for mapping in ({keys[0]: [keys[0], N]}, {keys[0]: [N], keys[1]: []}, {keys[2]: []}):
        edited = creation_rules_edit._on_the_text(text, mapping)
        assert edited is not None and edited != text
        data, yaml = creation_rules_edit._load(text)
        edit = creation_rules_edit._Edit(data, mapping)
        for rule in data["creation_rules"]:
            edit.field(rule)
        assert edit.changed and edited == creation_rules_edit.yamlio.dump(yaml, data)
