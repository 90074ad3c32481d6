"""A thread of its own for an agent whose decisions are synchronous.

A poke-env bot may think in plain Python (a search, a sleep); on the event loop that
would freeze every battle and the websocket keep-alives with it. Its decisions run here
instead, one at a time, so the bot's own state is never touched by two threads at once.
The thread is a daemon: a bot stuck in a decision cannot keep arena from exiting.
"""

import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future


class DecisionThread:
    def __init__(self, name: str):
        self._jobs: queue.SimpleQueue = queue.SimpleQueue()
        threading.Thread(target=self._serve, name=name, daemon=True).start()

    def submit(self, function: Callable, *args) -> Future:
        """A future for `function(*args)`; cancelling it before it starts drops the job,
        so decisions that timed out while waiting never pile up behind a slow one."""
        future: Future = Future()
        self._jobs.put((future, function, args))
        return future

    def close(self) -> None:
        """Ends the thread once the decision it is on (if any) returns."""
        self._jobs.put(None)

    def _serve(self) -> None:
        while (job := self._jobs.get()) is not None:
            future, function, args = job
            if not future.set_running_or_notify_cancel():
                continue
            try:
                future.set_result(function(*args))
            except BaseException as error:  # handed to the waiting battle, never lost
                future.set_exception(error)
