import pytest


@pytest.fixture(autouse=True)
def quick_backoff(monkeypatch):
    """Retries wait milliseconds, not seconds: the logic is the same, the suite stays fast."""
    monkeypatch.setattr("okrsync.sheets.google.BACKOFF_START", 0.01)
    monkeypatch.setattr("okrsync.jira.live.BACKOFF_START", 0.01)
