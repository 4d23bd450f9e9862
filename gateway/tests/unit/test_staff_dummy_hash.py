"""The hash verified for an unknown e-mail costs what a real user's does: the hasher's own
parameters (a sign-in miss must not be faster than a wrong password)."""

from gateway import staff


def test_the_dummy_hash_has_the_hashers_parameters():
    assert not staff._hasher.check_needs_rehash(staff._DUMMY_HASH)
    assert staff._DUMMY_HASH.startswith("$argon2id$")
