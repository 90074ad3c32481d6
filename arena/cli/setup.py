"""`arena setup`: install the pinned Showdown server for this user."""

from arena.cli.common import app, clean_errors, console
from arena.showdown.install import install, installed


@app.command()
@clean_errors
def setup():
    """Install the pinned Showdown (npm ci from the shipped lockfile) in arena's data folder."""
    if not installed():
        console.print("installing Showdown with npm ci…", highlight=False)
    console.print(f"Showdown is installed in {install()}", highlight=False)
