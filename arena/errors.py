"""The one exception type a user is meant to see: a clear line, never a traceback."""


class ArenaError(Exception):
    """A problem with the user's input or environment, reported as one line.

    `exit_code` is 2 for bad input (the CLI convention for usage errors) and may be
    set otherwise for failures of the environment the user has to fix.
    """

    def __init__(self, message: str, exit_code: int = 2):
        super().__init__(message)
        self.exit_code = exit_code


def interrupted(what: str) -> ArenaError:
    """A long command stopped by the user: whatever finished is stored, and the same
    command resumes it (exit 130, as for Ctrl-C)."""
    return ArenaError(f"{what} interrupted; rerun the same command to resume", 130)
