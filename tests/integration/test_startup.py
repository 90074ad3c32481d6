"""Start-up: the command line loads the heavy packages only for the commands that use them.

Typer imports every command module to build the help, so a module-level import of torch, Ray
or the web stack would cost every invocation, `--help` included.
"""

import json
import subprocess
import sys

import pytest

from tests.conftest import REPO

HEAVY = ("torch", "ray", "aiohttp", "jinja2", "alembic")
# `arena --help` lists the commands without importing them, and the help of a command that
# only reads the store loads neither the game nor the store: each loads when it runs.
LISTING = (*HEAVY, "poke_env", "sqlalchemy", "numpy")

PROBE = """
import json, runpy, sys
sys.argv = ["arena", *sys.argv[1:]]
try:
    runpy.run_module("arena", run_name="__main__")
except SystemExit:
    pass
print(json.dumps(sorted(m for m in {heavy!r} if m in sys.modules)), file=sys.stderr)
"""


@pytest.mark.parametrize(
    "argv, absent",
    [
        (["--help"], LISTING),
        (["web", "--help"], LISTING),
        (["lineage", "--help"], LISTING),
        (["db", "--help"], LISTING),
        (["tournament", "--help"], HEAVY),
        (["train", "--help"], HEAVY),
    ],
)
def test_help_imports_no_heavy_package(argv, absent):
    probe = PROBE.format(heavy=absent)
    done = subprocess.run(
        [sys.executable, "-c", probe, *argv], cwd=REPO, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert "Usage" in done.stdout
    assert json.loads(done.stderr.strip().splitlines()[-1]) == []
