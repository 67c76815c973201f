"""The toolkit's folder in the user's cache: work that is the same on every run is kept there (the Chinese font
the chart uses, compiled circular templates). Deleting it only makes the next run a little slower."""
from __future__ import annotations

import os
from pathlib import Path

CACHE_ENV = "TOOLKIT_CACHE_DIR"     # tests and portable installs point the cache elsewhere


def cache_dir() -> Path | None:
    """$TOOLKIT_CACHE_DIR, else ducha-toolkit in $XDG_CACHE_HOME, %LOCALAPPDATA% or ~/.cache; None without a home."""
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV])
    if os.environ.get("XDG_CACHE_HOME"):
        return Path(os.environ["XDG_CACHE_HOME"]) / "ducha-toolkit"
    if os.name == "nt" and os.environ.get("LOCALAPPDATA"):
        return Path(os.environ["LOCALAPPDATA"]) / "ducha-toolkit"
    home = home_folder()
    return home / ".cache" / "ducha-toolkit" if home is not None else None


def home_folder() -> Path | None:
    try:
        return Path.home()
    except (RuntimeError, KeyError):      # a service account without a home folder
        return None
