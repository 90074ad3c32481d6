"""The trainer (behaviour cloning and offline actor-critic), its runs, diagnosis and
per-epoch gauntlets."""
