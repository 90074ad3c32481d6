"""The store's writes, one at a time on a thread of their own, in the order asked.

A write to a remote database can take many milliseconds, and the event loop serves every
battle in flight: it hands writes over and waits without blocking. One thread keeps the
order, so a battle is stored before the snapshot that counts it, and a caller cancelled
while waiting (a second Ctrl-C) does not cancel its write: `close` waits for them all.
"""

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")


class StoreWriter:
    def __init__(self):
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="store-writer")

    async def call(self, write: Callable[..., T], *args, **kwargs) -> T:
        """`write(*args, **kwargs)` on the writer thread, after every write asked before it."""
        future = self._executor.submit(write, *args, **kwargs)
        return await asyncio.shield(asyncio.wrap_future(future))

    def close(self) -> None:
        """Returns once every write asked for is done."""
        self._executor.shutdown(wait=True)
