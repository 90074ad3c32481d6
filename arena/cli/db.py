"""`arena db`: the store's schema revision, and upgrading it on demand."""

from arena.cli.common import DbOption, clean_errors, command_group, console

db_app = command_group("db", "The store's schema: show or upgrade it.")


@db_app.command("upgrade")
@clean_errors
def db_upgrade(db: DbOption = None):
    """Upgrade the store to this arena's schema, keeping every row."""
    from arena.store import migrations  # alembic: imported by the commands that use it
    from arena.store.connection import connect

    engine, label = connect(db)
    before, now = migrations.upgrade(engine, label, announce=False)
    if before == now:
        console.print(f"the store at {label} is at schema {now}: nothing to do", highlight=False)
    else:
        console.print(
            f"upgraded the store at {label} from schema {before or 'none'} to {now}",
            highlight=False,
        )


@db_app.command("current")
@clean_errors
def db_current(db: DbOption = None):
    """Print the store's schema revision and the newest this arena knows."""
    from arena.store import migrations  # alembic: imported by the commands that use it
    from arena.store.connection import connect

    engine, label = connect(db, readonly=True)
    console.print(
        f"{label}: schema {migrations.current(engine) or 'none'} (this arena: {migrations.head()})",
        highlight=False,
    )
