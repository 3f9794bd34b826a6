from __future__ import annotations

# Before anything else is imported: HOME and the XDG folders point at a temporary home
# for the whole run (tests/home.py), and the real home is noted to be compared at the end.
from tests.home import isolate  # isort: skip

ISOLATION = isolate()

import os  # noqa: E402
import shutil  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from collections.abc import Iterator  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402
from hypothesis import settings  # noqa: E402

from okrsync.environment import Environment  # noqa: E402
from okrsync.i18n import speaking  # noqa: E402
from okrsync.net.policy import waiting  # noqa: E402
from okrsync.net.watchdog import own_watchdog  # noqa: E402
from okrsync.redact import isolated  # noqa: E402
from tests.helpers import EXAMPLES, FakeTime  # noqa: E402
from tests.home import home_environment, make_home  # noqa: E402

# Hypothesis: the normal run tries the same examples every time (a failure in CI is
# one a developer meets again), a few dozen per property; `--soak` tries ten times
# more, new ones each run.
settings.register_profile("okrsync", derandomize=True, database=None, deadline=None,
                          max_examples=40)
settings.register_profile("okrsync-soak", deadline=None, max_examples=400)



def pytest_sessionfinish(session: pytest.Session) -> None:
    """The run fails when anything appeared in the real home meanwhile."""
    problem = ISOLATION.real.report()
    if problem is not None:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.write_line("")
            reporter.write_line(problem, red=True, bold=True)
        else:
            print(problem, file=sys.stderr)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_unconfigure(config: pytest.Config) -> None:
    ISOLATION.close()


@pytest.fixture(autouse=True)
def private_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Every test gets its own home, config, cache, state, data and runtime folders:
    nothing a test does lands in the user's home (locks, tokens, caches), and an okrsync
    running on the same machine never meets a test's lock.

    The patch is the fixture's own (not the test's `monkeypatch`): a test that calls
    `monkeypatch.undo()` keeps its home. (Were it lost, the run's temporary home would
    be next, never the real one.)

    The locale is English (LANG=C.UTF-8) whatever the developer's: a test that wants
    Korean messages sets LANG itself. The languages a test leaves behind (a sheet read
    in Korean) do not reach the next test."""
    home = make_home(tmp_path_factory.mktemp("home"))
    with pytest.MonkeyPatch.context() as patch:
        for name, value in home_environment(home).items():
            patch.setenv(name, value)
        patch.delenv("OKRSYNC_CONFIG", raising=False)
        patch.setenv("LANG", "C.UTF-8")
        for name in ("LC_ALL", "LC_MESSAGES", "LANGUAGE"):
            patch.delenv(name, raising=False)
        with speaking(person="en", sheet="en"):
            yield home


@pytest.fixture(autouse=True)
def working_folder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Every test runs in a folder of its own: a relative path a command defaults to
    (an export, a copy) lands there, never in the checkout."""
    folder = tmp_path_factory.mktemp("cwd")
    before = Path.cwd()
    os.chdir(folder)
    try:
        yield folder
    finally:
        os.chdir(before)


@pytest.fixture(autouse=True)
def process_state() -> Iterator[None]:
    """What okrsync keeps for the whole process is each test's own: the secrets to
    scrub (okrsync.redact) start from none, and the watchdog that cuts requests past
    their time (okrsync.net) is the test's, its thread ended with the test."""
    with isolated(), own_watchdog():
        yield


@pytest.fixture
def fake_time() -> Iterator[FakeTime]:
    """Every retry in the test that is not handed its own clock (Google's, the alert
    webhook's) waits on a fake one: nothing sleeps, and `fake_time.slept` lists the
    waits asked for. Requests keep their real time limits."""
    fake = FakeTime(start=time.monotonic())
    with waiting(fake.sleep, fake.clock):
        yield fake


@pytest.fixture
def example(tmp_path: Path) -> Path:
    """A private copy of the bundled example; returns its config path."""
    for name in ("okr-dashboard.xlsx", "jira-export.json", "okrsync.toml"):
        shutil.copy(EXAMPLES / name, tmp_path / name)
    return tmp_path / "okrsync.toml"


@pytest.fixture
def env(private_home: Path) -> Environment:
    """The environment of a run, with the test's own home folders."""
    return Environment.from_system()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--soak", action="store_true",
                     help="run the long soaks (200 pulls) and fuzz (400 random examples)")


def pytest_configure(config: pytest.Config) -> None:
    settings.load_profile("okrsync-soak" if config.getoption("--soak") else "okrsync")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The package check (tests/test_package.py, with OKRSYNC_CHECK_PACKAGE=1) runs last."""
    package = [item for item in items if item.get_closest_marker("package")]
    items[:] = [item for item in items if item not in package] + package


@pytest.fixture
def soak(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--soak"))
