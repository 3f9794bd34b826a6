"""okrsync: keep an OKR dashboard true to the work tracked in JIRA."""

from __future__ import annotations


def version() -> str:
    """The installed version, from the package's metadata (pyproject's `version`); read
    only when asked, as the metadata costs tens of milliseconds to find."""
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as installed

    try:
        return installed("okrsync")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "unknown (not installed)"


def __getattr__(name: str) -> str:
    if name == "__version__":
        return version()
    raise AttributeError(f"module 'okrsync' has no attribute {name!r}")
