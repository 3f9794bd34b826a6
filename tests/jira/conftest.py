import pytest


@pytest.fixture(autouse=True)
def _retries_wait_on_a_fake_clock(fake_time):
    """JIRA's retries (429, 5xx, a lost answer) wait on a fake clock here: the tests say
    how long they waited, and none sleeps. A request's own time limit stays real."""
    return fake_time
