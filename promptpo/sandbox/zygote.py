"""The zygote: a clean-environment process that preloads simulators and forks one worker per evaluation job.

Started by `pool.Sandbox` as `python -s -P -m promptpo.sandbox.zygote CONTROL_FD TASK...` with an environment that
holds no secrets (so even a worker reading its own initial environment finds no API key). Forking from a warm
process costs milliseconds, where starting Python and importing MuJoCo would cost a second per candidate.

Protocol on the control socket (SOCK_SEQPACKET, one JSON message per packet): the zygote sends {"type": "ready"}
once; then for each job message it forks a job process (`host.run_job`, trusted: it steps the environment) and
answers {"pid": PID} with the parent's end of a fresh socket pair attached (SCM_RIGHTS). The job process forks the
confined worker that runs the generated code and talks to the parent over that socket; the worker talks only to it.
"""

from __future__ import annotations

import gc
import json
import os
import signal
import socket
import sys
import time

import gymnasium as gym

from promptpo.sandbox import host
from promptpo.sandbox.os_limits import die_with_parent
from promptpo.tasks import Task, get_task


def main() -> None:
    control = socket.socket(fileno=int(sys.argv[1]))
    die_with_parent()
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # the kernel reaps finished workers
    envs = {name: preload(get_task(name)) for name in sys.argv[2:]}  # built once, copied into every job
    for name in sys.argv[2:]:
        _ = get_task(name).action_space  # cached before forking: workers check actions without building an env
    # Workers share the zygote's memory copy-on-write; the cyclic GC walking the preloaded objects would write to,
    # and so copy, every page of them in every worker. Frozen objects are never scanned.
    gc.freeze()
    control.send(json.dumps({"type": "ready"}).encode())
    while True:
        packet = control.recv(1 << 20)
        if not packet:  # the parent closed the socket or died
            return
        message = json.loads(packet)
        parent_end, child_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        pid = os.fork()
        if pid == 0:
            try:
                control.close()
                parent_end.close()
                signal.signal(signal.SIGCHLD, signal.SIG_DFL)
                die_with_parent()
                host.run_job(message, child_end, envs)
            finally:
                os._exit(70)
        child_end.close()
        socket.send_fds(control, [json.dumps({"pid": pid}).encode()], [parent_end.fileno()])
        parent_end.close()


# Environments that build faster than this are preloaded `host.LOCKSTEP_WIDTH` times (a job steps that many
# episodes at a time); slower ones (Meta-World, the point mazes: 0.2-1 s each) once, and their episodes run one
# at a time. Results do not depend on how many there are.
CHEAP_ENV_S = 0.05


def preload(task: Task) -> list[gym.Env]:
    """The task's preloaded environments: one, or LOCKSTEP_WIDTH if one builds in under CHEAP_ENV_S."""
    started = time.monotonic()
    envs = [task.make_env()]
    if time.monotonic() - started < CHEAP_ENV_S:
        envs += [task.make_env() for _ in range(host.LOCKSTEP_WIDTH - 1)]
    return envs


if __name__ == "__main__":
    main()
