"""Children that end with arena: a killed arena (SIGKILL included) leaves nothing running.

Linux's parent-death signal ends a child the moment its parent goes, but it has two gaps:
it is sent when the *thread* that started the child ends, and a child that asks for it
after its parent already died never gets it. A Showdown server or simulator host asks
for it before it runs (`die_with_parent`, as a `preexec_fn`); a Python worker process
(a tournament worker, a dataset builder's worker) asks for it too, and also waits on the
pipe its parent holds open, which closes both gaps: a worker killed while it was still
importing would otherwise play or encode on for minutes, for nobody.
"""

import asyncio
import contextlib
import ctypes
import multiprocessing
import os
import signal
import threading
from multiprocessing.connection import wait

PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


async def close_children(processes: list[asyncio.subprocess.Process], grace: float = 5) -> None:
    """Ends line-protocol children (simulator hosts, search workers) as they are meant to
    end: their stdin closes, and one still running `grace` seconds later is killed."""
    for process in processes:
        with contextlib.suppress(ProcessLookupError, OSError):
            process.stdin.close()
    for process in processes:
        try:
            await asyncio.wait_for(process.wait(), grace)
        except TimeoutError:
            process.kill()
            await process.wait()


def die_with_parent() -> None:
    """Ties a child to arena's life, so a killed arena leaves no server behind (Linux).

    Linux sends the signal when the *thread* that forked the child ends, so only a
    child of the main thread is tied this way (`ties_to_parent`).
    """
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def ties_to_parent() -> bool:
    """Whether a child started now may die with arena: only from the main thread, as a
    server started from a pool or helper thread would be killed when that thread ends."""
    return threading.current_thread() is threading.main_thread()


def worker_dies_with_parent() -> None:
    """Ends this multiprocessing worker when the process that started it ends, however it
    ends: by the parent-death signal at once, or by a thread that waits on the worker's
    end of its pipe from the parent, which closes when the parent goes. Called first thing
    in a worker whose parent waits for it on the thread that started it (the signal's
    condition)."""
    parent = multiprocessing.parent_process()
    if parent is None:
        return  # not a worker: nothing to tie
    die_with_parent()
    watch = threading.Thread(target=_end_after, args=(parent.sentinel,), daemon=True)
    watch.start()


def _end_after(sentinel: int) -> None:
    """Returns at once for a parent that died before the signal was asked for."""
    wait([sentinel])
    os.kill(os.getpid(), signal.SIGTERM)
