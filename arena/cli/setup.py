"""`arena setup`: install the pinned Showdown server and the dashboard's charting library."""

from arena.cli.common import app, clean_errors, console
from arena.showdown.install import install, installed
from arena.web import assets


@app.command()
@clean_errors
def setup():
    """Install the pinned Showdown and uPlot (npm ci, shipped lockfiles) in arena's data folder."""
    if not installed():
        console.print("installing Showdown with npm ci…", highlight=False)
    console.print(f"Showdown is installed in {install()}", highlight=False)
    console.print(f"the dashboard's charts are installed in {assets.install()}", highlight=False)
