"""The store's schema history revision by revision: revision one is the schema stores had
before migrations, later ones fill identities, ladder accounts and kinds, and the
migrated schema is the one the code declares."""

import shutil

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import MetaData, create_engine, text
from sqlmodel import SQLModel

from arena.store import migrations, revision
from arena.store.database import Store
from tests.conftest import REPO

FIXTURE = REPO / "tests" / "data" / "main-6c24063"


@pytest.fixture
def old_store(tmp_path):
    path = tmp_path / "arena.db"
    shutil.copyfile(FIXTURE / "arena.db", path)
    return path


def test_upgrade_fills_identities_and_ladder_accounts(old_store):
    store = Store.open(f"sqlite:///{old_store}")
    agents = store.agents()
    assert len({agent.identity for agent in agents}) == len(agents) == 6
    opponents = [agent for agent in agents if agent.kind == "ladder-opponent"]
    assert all(agent.spec == agent.name for agent in opponents)
    ladder = store.ladder_battles()
    assert len(ladder) == 4 and all(b.username for b in ladder)
    # the two accounts played each other: each met the other as a ladder opponent
    assert {b.username for b in ladder} == {agent.name.split(":")[1] for agent in opponents}
    # revision 0006: the server's standings are new columns, empty for older games
    assert all(
        (b.server_elo, b.server_glicko, b.server_glicko_deviation, b.server_gxe, b.server_skill)
        == (None,) * 5
        for b in ladder
    )


def test_migrated_schema_is_the_one_the_code_declares(old_store, tmp_path):
    """A column added to arena/store/database.py without its revision (or the reverse) fails
    here."""
    for url in (f"sqlite:///{tmp_path / 'fresh.db'}", f"sqlite:///{old_store}"):
        with Store.open(url).engine.connect() as connection:
            assert compare_metadata(MigrationContext.configure(connection), SQLModel.metadata) == []


def test_revision_one_is_the_schema_stores_had_before_migrations(tmp_path):
    before = MetaData()
    before.reflect(create_engine(f"sqlite:///{FIXTURE / 'arena.db'}"))
    engine = create_engine(f"sqlite:///{tmp_path / 'one.db'}")
    with engine.connect() as connection:
        command.upgrade(migrations.config(connection), migrations.BEFORE_MIGRATIONS)
        connection.commit()
        assert compare_metadata(MigrationContext.configure(connection), before) == []


def test_revision_nine_fills_the_kinds_names_told(tmp_path):
    """Evaluations, promotions' round robins and epoch gauntlets were stored as plain
    tournaments; revision 0009 gives them their kinds and leaves every other row be."""
    engine = create_engine(f"sqlite:///{tmp_path / 'kinds.db'}")
    with engine.connect() as connection:
        command.upgrade(migrations.config(connection), "0008")
        connection.commit()
    rows = [
        (1, "plain", "tournament"),
        (2, "evaluation:gate", "tournament"),
        (3, "promotion:p:epochs", "tournament"),
        (4, "train:run:epoch-2", "tournament"),
        (5, "loop:l:g1:selfplay", "selfplay"),
        (6, "train:named-by-hand", "tournament"),
    ]
    stamp = "2026-01-01 00:00:00"
    with engine.begin() as connection:
        for row in rows:
            connection.execute(
                text(
                    "INSERT INTO tournament (id, name, kind, config, status, created_at, "
                    "updated_at) VALUES (:id, :name, :kind, '{}', 'finished', :at, :at)"
                ),
                dict(zip(("id", "name", "kind"), row, strict=True), at=stamp),
            )
        connection.execute(
            text(
                "INSERT INTO evaluation (name, tournament_id, config, status, pairs, llr, "
                "pentanomial, trajectory, created_at, updated_at) "
                "VALUES ('gate', 2, '{}', 'finished', 0, 0, '[]', '[]', :at, :at)"
            ),
            {"at": stamp},
        )
        connection.execute(
            text(
                "INSERT INTO promotion (name, run, config, incumbent, tournament_id, status, "
                "created_at, updated_at) VALUES ('p', 'r', '{}', 'base', 3, 'running', :at, :at)"
            ),
            {"at": stamp},
        )
    engine.dispose()
    store = Store.open(f"sqlite:///{tmp_path / 'kinds.db'}")
    assert [(t.id, t.kind) for t in store.tournaments()] == [
        (1, "tournament"),
        (2, "evaluation"),
        (3, "promotion"),
        (4, "epoch-gauntlet"),
        (5, "selfplay"),
        (6, "tournament"),
    ]


def test_the_revision_read_without_alembic_is_alembics_own(old_store):
    """`Store.open` skips Alembic for a store at the newest revision: its reading of the
    files and of the store must agree with Alembic's, and an older store is still upgraded."""
    assert revision.newest() == migrations.head()
    engine = create_engine(f"sqlite:///{old_store}")
    assert not revision.at_newest(engine)  # made before migrations: no alembic_version
    Store.open(f"sqlite:///{old_store}")
    assert revision.stored(engine) == migrations.head() and revision.at_newest(engine)
    engine.dispose()
