"""The registry of secrets to scrub can be scoped: each test starts from none (the
`process_state` fixture), so the registry does not grow from one test to the next."""

from __future__ import annotations

from okrsync.redact import MASK, isolated, register, scrub

TOKEN = "s3cr3t-T0KEN-for-the-registry"


def test_a_scope_starts_from_no_secret_and_forgets_its_own():
    register(TOKEN)
    assert scrub(f"token={TOKEN}") == f"token={MASK}"
    with isolated():
        assert scrub(f"token={TOKEN}") == f"token={TOKEN}"  # not known in here
        register("another-s3cret-value")
        assert scrub("another-s3cret-value") == MASK
    assert scrub("another-s3cret-value") == "another-s3cret-value"  # forgotten after
    assert scrub(f"token={TOKEN}") == f"token={MASK}"  # and the one before is back


def test_each_test_starts_from_no_secret():
    # The test above registered TOKEN; whichever runs first, none is known here.
    assert scrub(f"token={TOKEN}") == f"token={TOKEN}"
    register(TOKEN)
