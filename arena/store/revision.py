"""The store's schema revision, read without Alembic, for the common case of a store
already at the newest one.

Every command that opens the store checks its revision; importing Alembic for that costs
more than a short command's whole run. So the revision files are read as text (their
`revision` and `down_revision` lines) and the store's `alembic_version` row as plain SQL;
anything else (an older store, an empty one, a history with several heads) goes through
`arena.store.migrations`, which decides with Alembic itself.
"""

import re
from functools import cache
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

VERSIONS = Path(__file__).with_name("migrations") / "versions"
_LINE = re.compile(r"^(revision|down_revision)\s*(?::[^=]*)?=\s*(.+?)\s*$", re.MULTILINE)


@cache
def newest() -> str | None:
    """The one revision no other revision follows; None when the files do not say plainly."""
    revisions, parents = set(), set()
    for path in VERSIONS.glob("*.py"):
        fields = dict(_LINE.findall(path.read_text(encoding="utf-8")))
        if "revision" not in fields:
            continue
        revisions.add(fields["revision"].strip("\"'"))
        parents.add(fields.get("down_revision", "None").strip("\"'"))
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None


def stored(engine: Engine) -> str | None:
    """The revision the store records; None when it records none (or several)."""
    try:
        with engine.connect() as connection:
            rows = connection.execute(text("SELECT version_num FROM alembic_version")).all()
    except DBAPIError:  # no such table: a new store, or one made before migrations
        return None
    return rows[0][0] if len(rows) == 1 else None


def at_newest(engine: Engine) -> bool:
    head = newest()
    return head is not None and stored(engine) == head
