"""The charting library the dashboard serves: uPlot from npm, pinned by the lockfile
shipped beside this module and installed by `arena setup` in arena's data directory.

The pages must work on machines without internet, so nothing is fetched from a CDN: the
browser gets uPlot from arena's own `/vendor/` route, and a page whose charts cannot
load still shows every number in its tables.
"""

from pathlib import Path

from arena import paths
from arena.showdown.install import lockfile_installed, npm_ci

PACKAGE = "arena.web"
FILES = ("uPlot.iife.min.js", "uPlot.min.css")  # what the pages load, from uplot/dist


def assets_dir() -> Path:
    return paths.home() / "web"


def vendor_dir() -> Path:
    """Where the files the pages load from `/vendor/` are."""
    return assets_dir() / "node_modules" / "uplot" / "dist"


def installed() -> bool:
    return lockfile_installed(PACKAGE, assets_dir()) and all(
        (vendor_dir() / name).is_file() for name in FILES
    )


def install() -> Path:
    """Installs the pinned uPlot with `npm ci`; does nothing when it already is."""
    if not installed():
        npm_ci(PACKAGE, assets_dir())
    return vendor_dir()
