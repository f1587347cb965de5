"""Helper processes (pool workers, the local LLM server) that stop when the process that started them dies."""

from __future__ import annotations

import os
import threading
import time


def exit_when_orphaned(poll_s: float = 1.0) -> None:
    """Exit this process as soon as its parent is gone (even after a SIGKILL), instead of running on unobserved.

    A polling thread rather than PR_SET_PDEATHSIG: the latter fires when the parent *thread* exits, and the parent
    may start us from a short-lived worker thread.
    """
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(poll_s)
        os._exit(1)

    threading.Thread(target=watch, name="exit-when-orphaned", daemon=True).start()
