"""The PQ age layer against the reference implementation (npm age-encryption): keys made by either
side are accepted by the other, and each opens what the other sealed."""

from __future__ import annotations

import os

import pytest

from secretops.sops import pqage
from tests.pq.judge import judge


def test_our_identity_gives_the_reference_recipient_and_it_opens_what_we_wrap() -> None:
    recipient, identity = pqage.generate()
    assert identity.startswith("AGE-SECRET-KEY-PQ-1") and identity.upper() == identity
    assert recipient.startswith("age1pq1") and len(recipient) > 1900
    assert judge("recipient", identity=identity)["recipient"] == recipient
    data = os.urandom(32)
    armored = pqage.wrap(data, [recipient])
    assert armored.startswith("-----BEGIN AGE ENCRYPTED FILE-----\n")
    assert judge("open", identity=identity, armored=armored)["hex"] == data.hex()


def test_reference_keys_are_ours_too_and_we_open_what_it_seals() -> None:
    made = judge("keygen")
    assert pqage.recipient_of(made["identity"]) == made["recipient"]
    data = os.urandom(32)
    other_recipient, other_identity = pqage.generate()
    armored = judge("encrypt", recipients=[made["recipient"], other_recipient], hex=data.hex())["armored"]
    assert pqage.unwrap(armored, made["identity"]) == data
    assert pqage.unwrap(armored, other_identity) == data
    _, stranger = pqage.generate()
    assert pqage.unwrap(armored, stranger) is None


def test_a_file_for_another_key_does_not_open_with_the_reference_either() -> None:
    recipient, _ = pqage.generate()
    _, other = pqage.generate()
    with pytest.raises(AssertionError, match="refused"):
        judge("open", identity=other, armored=pqage.wrap(b"k" * 32, [recipient]))


def test_tampered_header_is_refused_not_opened() -> None:
    recipient, identity = pqage.generate()
    armored = pqage.wrap(b"k" * 32, [recipient])
    raw = pqage._dearmor(armored)
    cut = raw.index(b"\n---") + 5
    other = b"B" if raw[cut:cut + 1] == b"A" else b"A"  # another base64 digit: the header MAC's first 6 bits
    forged = pqage._armor(raw[:cut] + other + raw[cut + 1:])
    with pytest.raises(pqage.PQError, match="MAC"):
        pqage.unwrap(forged, identity)


@pytest.mark.parametrize("bad", ["AGE-SECRET-KEY-PQ-1QQQQ", "age1pq1qqqq", "", "AGE-SECRET-KEY-1" + "Q" * 58])
def test_malformed_keys_raise_without_echoing_them(bad: str) -> None:
    for fn in (pqage.recipient_of, lambda s: pqage.wrap(b"k", [s])):
        with pytest.raises(pqage.PQError) as info:
            fn(bad)
        assert bad[8:] not in str(info.value) or not bad[8:]


def test_bech32_round_trip_beyond_90_characters() -> None:
    data = os.urandom(1216)
    text = pqage.bech32_encode("age1pq", data)
    assert pqage.bech32_decode(text) == ("age1pq", data)
    broken = text[:-1] + ("q" if text[-1] != "q" else "p")
    with pytest.raises(pqage.PQError):
        pqage.bech32_decode(broken)
