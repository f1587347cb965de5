"""What the kernel must offer for the sandbox's OS layers (Landlock, seccomp), checked before any code runs."""

from __future__ import annotations

import platform
import sys
from pathlib import Path

from promptpo.sandbox.os_limits import landlock_abi

SECCOMP_ACTIONS = Path("/proc/sys/kernel/seccomp/actions_avail")  # present where seccomp filters are built in


def missing_layers() -> list[str]:
    """One sentence per OS layer this machine cannot apply; empty where every layer is available.

    Without these layers generated (or student) code still runs, but only behind the Python-level guard: it could
    read files outside its folder (Landlock) or start processes and open sockets (seccomp). The seccomp filter is
    written for x86_64 Linux only.
    """
    if sys.platform != "linux":
        return [f"the sandbox's OS layers need Linux; this is {sys.platform}"]
    gaps = []
    if landlock_abi() < 1:
        gaps.append(
            "Landlock is not available (kernel 5.13 or newer with Landlock enabled, e.g. lsm=landlock on the "
            "kernel command line): evaluated code could read any file the user can"
        )
    if platform.machine() != "x86_64":
        gaps.append(f"the seccomp filter is written for x86_64, this machine is {platform.machine()}")
    elif not SECCOMP_ACTIONS.exists() or "errno" not in SECCOMP_ACTIONS.read_text().split():
        gaps.append("seccomp filters are not available (kernel built without CONFIG_SECCOMP_FILTER)")
    return gaps


def describe_missing(gaps: list[str]) -> str:
    """The message shown at start where layers are missing (empty string when none are)."""
    if not gaps:
        return ""
    lines = "\n".join(f"  - {gap}" for gap in gaps)
    return (
        "warning: this kernel lacks sandbox layers; evaluated code is confined only by rlimits and the Python "
        f"guard:\n{lines}\nCode that gets past the guard could then read files, start processes or open sockets: "
        "grade untrusted submissions on a Linux x86_64 machine with Landlock and seccomp."
    )
