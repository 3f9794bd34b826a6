"""Retries in these tests wait milliseconds, not seconds, without patching anything:
every config here sets a short `max_retry_seconds`, and okrsync's retry policy scales
its first wait to the budget (at most a 60th of it), so the logic is the same and the
suite stays fast."""
