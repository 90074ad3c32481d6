"""The revisions, oldest first by number; see `arena.store.migrations` for how to add one."""
