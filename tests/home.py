"""The tests never reach the real home.

`isolate()` runs first thing in tests/conftest.py, before okrsync (or anything else
that looks for a home) is imported: HOME and the XDG folders point at a
temporary home for the whole run. Each test then gets its own home on top of it (the
`private_home` fixture); a test that undoes its patches falls back to the run's
temporary home, never to the real one.

`RealHome` is what the real home looked like when the run started, found from what
cannot be patched later: the password database and the environment as the run found
it. At the end of the run it is compared with the home as it is then, and the run fails
when anything appeared, changed or went away in okrsync's folders there, or when a new
folder or file appeared in the home or its config, cache, state or data folders.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

XDG = ("XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME", "XDG_DATA_HOME",
       "XDG_RUNTIME_DIR")
"""The XDG folders, each set to a folder of the temporary home."""

_PLACES = {"XDG_CONFIG_HOME": ".config", "XDG_CACHE_HOME": ".cache",
           "XDG_STATE_HOME": ".local/state", "XDG_DATA_HOME": ".local/share",
           "XDG_RUNTIME_DIR": "run"}
_WINDOWS = ("APPDATA", "LOCALAPPDATA")
_OKRSYNC_FOLDERS = (".config/okrsync", ".cache/okrsync", ".local/state/okrsync",
                    ".local/share/okrsync", "Library/Application Support/okrsync",
                    "Library/Caches/okrsync", "AppData/Roaming/okrsync",
                    "AppData/Local/okrsync")
_LISTED_FOLDERS = ("", ".config", ".cache", ".local/state", ".local/share",
                   "Library/Application Support", "Library/Caches")


def home_environment(home: Path) -> dict[str, str]:
    """HOME and the XDG folders (and Windows' app data folders) inside `home`."""
    environ = {"HOME": str(home)}
    if sys.platform == "win32":
        environ["USERPROFILE"] = str(home)
    environ |= {name: str(home / _PLACES[name]) for name in XDG}
    environ |= {"APPDATA": str(home / "AppData" / "Roaming"),
                "LOCALAPPDATA": str(home / "AppData" / "Local")}
    return environ


def make_home(home: Path) -> Path:
    """`home` with its XDG folders made (the runtime folder private, as XDG asks)."""
    for name in XDG:
        Path(home_environment(home)[name]).mkdir(parents=True, exist_ok=True)
    Path(home_environment(home)["XDG_RUNTIME_DIR"]).chmod(0o700)
    return home


def _account_home() -> Path | None:
    """The home the password database gives this user: no environment variable moves it."""
    try:
        import pwd
    except ImportError:  # Windows
        return None
    try:
        return Path(pwd.getpwuid(os.getuid()).pw_dir)
    except KeyError:
        return None


Entry = tuple[str, int, int, int]
"""What a file or folder was: its kind, size, modification and change time (ns)."""


def _entry(path: Path) -> Entry | None:
    try:
        info = path.lstat()
    except OSError:
        return None
    kind = "dir" if path.is_dir() and not path.is_symlink() else (
        "link" if path.is_symlink() else "file")
    return kind, info.st_size if kind == "file" else 0, info.st_mtime_ns, info.st_ctime_ns


def _tree(root: Path) -> dict[Path, Entry]:
    """Every file and folder under `root` (and `root` itself), as they are now."""
    found: dict[Path, Entry] = {}
    top = _entry(root)
    if top is None:
        return found
    found[root] = top
    if top[0] != "dir":
        return found
    for folder, folders, files in os.walk(root, followlinks=False):
        for name in folders + files:
            path = Path(folder) / name
            entry = _entry(path)
            if entry is not None:
                found[path] = entry
    return found


def _names(folder: Path) -> set[Path]:
    try:
        return {folder / name for name in os.listdir(folder)}
    except OSError:
        return set()


@dataclass
class RealHome:
    """What the real home held when the run started (see the module's docstring)."""

    homes: list[Path]
    watched: list[Path]
    """okrsync's folders: every file below them is compared."""
    listed: list[Path]
    """The home and its base folders: new names in them are reported."""
    trees: dict[Path, Entry]
    names: set[Path]
    ours: list[Path]
    """Temporary folders of this run: never reported, wherever they lie."""

    @classmethod
    def at_start(cls, environ: Mapping[str, str], account_home: Path | None = None,
                 ours: list[Path] | None = None) -> RealHome:
        """The real home as `environ` (the environment the run started in) and the
        password database give it."""
        homes = [home for home in (account_home, environ.get("HOME"),
                                   environ.get("USERPROFILE")) if home]
        unique = list(dict.fromkeys(Path(home) for home in homes))
        watched = [home / folder for home in unique for folder in _OKRSYNC_FOLDERS]
        listed = [home / folder if folder else home for home in unique
                  for folder in _LISTED_FOLDERS]
        for name in (*XDG, *_WINDOWS):
            if environ.get(name):
                watched.append(Path(environ[name]) / "okrsync")
                listed.append(Path(environ[name]))
        watched, listed = list(dict.fromkeys(watched)), list(dict.fromkeys(listed))
        real = cls(unique, watched, listed, {}, set(), list(ours or []))
        real.trees, real.names = real._now()
        return real

    def _now(self) -> tuple[dict[Path, Entry], set[Path]]:
        trees: dict[Path, Entry] = {}
        for root in self.watched:
            trees |= _tree(root)
        names = {name for folder in self.listed for name in _names(folder)}
        return trees, names

    def _ours(self, path: Path) -> bool:
        """Whether `path` holds, or is, or lies in one of this run's temporary folders."""
        return any(path == mine or path in mine.parents or mine in path.parents
                   for mine in self.ours)

    def changes(self) -> list[str]:
        """What is new, changed or gone since the run started, one line each."""
        trees, names = self._now()
        lines = []
        for path in sorted(trees.keys() - self.trees.keys()):
            lines.append(f"new      {path}")
        for path in sorted(self.trees.keys() & trees.keys()):
            if self.trees[path] != trees[path] and self.trees[path][0] != "dir":
                lines.append(f"changed  {path}")
        for path in sorted(self.trees.keys() - trees.keys()):
            lines.append(f"gone     {path}")
        seen = {line.split(maxsplit=1)[1] for line in lines}
        for path in sorted(names - self.names):
            if str(path) not in seen and not self._ours(path):
                lines.append(f"new      {path}")
        return lines

    def report(self) -> str | None:
        """The failure message, or None when the real home is as it was."""
        lines = self.changes()
        if not lines:
            return None
        return ("The tests reached the real home (" + ", ".join(map(str, self.homes))
                + "): these appeared, changed or went away during the run. Every test "
                "must work in its own home (the private_home fixture). Find the test that "
                "made them, fix it, then remove them by hand (or, if another program made "
                "them meanwhile, run the tests again).\n  " + "\n  ".join(lines))


@dataclass
class Isolation:
    real: RealHome
    home: Path
    """The run's temporary home."""
    environ: dict[str, str]
    """HOME and the XDG folders, as set for the run."""

    def close(self) -> None:
        shutil.rmtree(self.home, ignore_errors=True)


_isolation: Isolation | None = None


def isolate() -> Isolation:
    """Point HOME and the XDG folders at a new temporary home for the rest of the
    process, after taking note of the real one. Once: later calls return the same."""
    global _isolation
    if _isolation is None:
        home = make_home(Path(tempfile.mkdtemp(prefix="okrsync-tests-home-")))
        real = RealHome.at_start(dict(os.environ), _account_home(), ours=[home])
        environ = home_environment(home)
        os.environ.update(environ)
        _isolation = Isolation(real, home, environ)
    return _isolation
