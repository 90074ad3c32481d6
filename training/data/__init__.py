"""Training data from recorded battles: decisions re-encoded from each side's log, the
actions taken, reward components and datasets on disk."""
