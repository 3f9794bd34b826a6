"""The package as people install it: `python -m build` makes an sdist and, from it, a
wheel; each installs into a clean virtual environment (not the development one) and runs.

Slow (two environments with pandas: over a minute with pip's cache) and
needs PyPI, so it runs only with OKRSYNC_CHECK_PACKAGE=1, after every other test (see
tests/conftest.py); `.ci/run` sets it. By hand:

    OKRSYNC_CHECK_PACKAGE=1 .venv/bin/python -m pytest tests/test_package.py

It is a test rather than a script run after pytest so that CI's closing line stays
pytest's summary, and the README's test command stays the last line of `.ci/run`
(tests/test_docs.py checks that).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
import tomllib
import zipfile
from pathlib import Path

import pytest

pytestmark = [
    pytest.mark.package,
    pytest.mark.skipif(os.environ.get("OKRSYNC_CHECK_PACKAGE") != "1",
                       reason="builds and installs the package: set OKRSYNC_CHECK_PACKAGE=1"),
]

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "okrsync.toml"
VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))[
    "project"]["version"]
CATALOG = "okrsync/locale/ko/LC_MESSAGES/okrsync.mo"
NOT_SOURCE = shutil.ignore_patterns(".git", ".venv", "*.egg-info", "__pycache__", "build",
                                    "dist", ".*_cache", ".hypothesis", "docs")


def _run(*args: str | Path, env: dict[str, str] | None = None, cwd: Path | None = None,
         timeout: float = 600) -> str:
    done = subprocess.run([str(a) for a in args], capture_output=True, text=True, env=env,
                          cwd=cwd, timeout=timeout)
    assert done.returncode == 0, f"{args}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done.stdout


def _clean_env(venv: Path) -> dict[str, str]:
    """The environment of a person who just installed okrsync into `venv`: nothing of the
    development environment's (its venv, PYTHONPATH) leaks in."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME")}
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    return env


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The sdist and the wheel, built from a copy of the checkout's sources (so nothing the
    build writes lands in the checkout), the wheel from the sdist."""
    work = tmp_path_factory.mktemp("build")
    source = work / "source"
    shutil.copytree(ROOT, source, ignore=NOT_SOURCE)
    _run(sys.executable, "-m", "build", "--outdir", work / "dist", source)
    wheels = list((work / "dist").glob("okrsync-*.whl"))
    sdists = list((work / "dist").glob("okrsync-*.tar.gz"))
    assert len(wheels) == len(sdists) == 1, list((work / "dist").iterdir())
    return {"wheel": wheels[0], "sdist": sdists[0]}


def test_the_wheel_holds_the_catalog_the_entry_point_and_the_metadata(built):
    wheel = built["wheel"]
    assert wheel.name == f"okrsync-{VERSION}-py3-none-any.whl"
    info = f"okrsync-{VERSION}.dist-info"
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        entry_points = archive.read(f"{info}/entry_points.txt").decode()
        metadata = archive.read(f"{info}/METADATA").decode()
    assert CATALOG in names and "okrsync/render/charts.py" in names
    assert not [n for n in names if n.startswith(("tests/", "examples/", "docs/"))]
    assert "okrsync = okrsync.cli:main" in entry_points
    assert f"Version: {VERSION}" in metadata
    assert "Requires-Dist: pandas" in metadata
    assert "matplotlib" not in metadata  # the HTML's charts are written by hand


def test_the_sdist_holds_what_a_build_needs(built):
    with tarfile.open(built["sdist"]) as sdist:
        names = {n.split("/", 1)[1] for n in sdist.getnames() if "/" in n}
    for needed in ("pyproject.toml", "README.md", "PKG-INFO", "okrsync/cli.py",
                   "okrsync/render/charts.py", CATALOG,
                   "okrsync/locale/ko/LC_MESSAGES/okrsync.po"):
        assert needed in names, needed


@pytest.mark.parametrize("kind", ["wheel", "sdist"])
def test_each_installs_into_a_clean_venv_and_runs(built, kind, tmp_path):
    venv = tmp_path / "venv"
    _run(sys.executable, "-m", "venv", venv)
    env = _clean_env(venv)
    _run(venv / "bin" / "python", "-m", "pip", "install", "-q", built[kind], env=env)
    okrsync = venv / "bin" / "okrsync"
    assert _run(okrsync, "--version", env=env, cwd=tmp_path) == f"okrsync {VERSION}\n"
    demo = tmp_path / "demo.xlsx"
    _run(okrsync, "pull", "-c", EXAMPLE, "--as-of", "2024-08-20", "--output", demo,
         env=env, cwd=tmp_path)
    assert demo.stat().st_size > 5_000
    page = _run(okrsync, "report", "-c", EXAMPLE, "--as-of", "2024-08-20", "-f", "html",
                env=env, cwd=tmp_path)
    assert "KR별 달성률" in page and "<svg " in page  # the catalog and the charts work
    completion = _run(okrsync, env={**env, "_OKRSYNC_COMPLETE": "complete_bash",
                                    "COMP_WORDS": "okrsync re", "COMP_CWORD": "1"},
                      cwd=tmp_path)
    assert completion.split() == ["report"]
