"""The revisions, oldest first by number; see `arena.migrations` for how to add one."""
