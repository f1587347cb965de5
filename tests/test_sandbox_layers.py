"""Each sandbox layer on its own: the OS confinement without the Python guard, and the static checks."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

from promptpo.sandbox import Failure, check_source, extract_code

# Runs in a fresh interpreter: confine, then try what the Python guard would normally have stopped first.
PROBE = textwrap.dedent(
    """
    import fcntl, json, os, signal, socket, stat, struct, sys, tempfile
    from pathlib import Path
    from promptpo.sandbox.os_limits import confine
    workdir = Path(tempfile.mkdtemp())
    layers = confine(memory_mb=256, cpu_s=30, write_root=workdir, disk_mb=32)
    outcome = {"layers": layers}
    def attempt(name, action):
        try:
            action()
            outcome[name] = "allowed"
        except MemoryError:
            outcome[name] = "MemoryError"
        except OSError as error:
            outcome[name] = type(error).__name__
    attempt("fork", lambda: os._exit(0) if os.fork() == 0 else None)
    attempt("exec", lambda: os.execv("/bin/true", ["/bin/true"]))
    attempt("socket", lambda: socket.socket())
    attempt("kill_parent", lambda: os.kill(os.getppid(), signal.SIGTERM))
    attempt("read_parent_environ", lambda: open(f"/proc/{os.getppid()}/environ").read())
    attempt("read_home", lambda: os.listdir(os.path.expanduser("~")))
    attempt("write_tmp", lambda: open("/tmp/promptpo-layer-test", "w").write("x"))
    attempt("write_workdir", lambda: (workdir / "ok.txt").write_text("fine"))
    attempt("allocate_1gb", lambda: bytearray(1024**3))
    attempt("read_stdlib", lambda: open(os.__file__).read(10))
    attempt("device_node", lambda: os.mknod(workdir / "mem", 0o600 | stat.S_IFCHR, os.makedev(1, 1)))
    attempt("hostname", lambda: socket.sethostname("escaped"))
    attempt("memfd", lambda: os.memfd_create("hidden"))
    def make_immutable():
        with open(workdir / "stuck", "w") as handle:
            fcntl.ioctl(handle.fileno(), 0x40086602, struct.pack("i", 0x10))  # FS_IOC_SETFLAGS, FS_IMMUTABLE_FL
    attempt("immutable_file", make_immutable)
    def fill(files, megabytes):
        for index in range(files):
            with open(workdir / f"fill{index}", "wb") as handle:
                for _ in range(megabytes):
                    handle.write(bytes(1 << 20))
    attempt("one_big_file", lambda: fill(1, 40))
    for leftover in workdir.glob("fill*"):
        leftover.unlink()
    attempt("many_files", lambda: fill(8, 8))
    print(json.dumps(outcome))
    """
)


def test_os_layer_alone_refuses_processes_sockets_signals_files_and_memory():
    completed = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=60)
    assert completed.returncode == 0, completed.stderr
    outcome = json.loads(completed.stdout.strip().splitlines()[-1])
    layers = outcome["layers"]
    assert layers["seccomp"] and layers["landlock_abi"] >= 6 and layers["capabilities_dropped"]
    refused = ["fork", "exec", "socket", "kill_parent", "read_parent_environ", "read_home", "write_tmp", "memfd"]
    refused += ["device_node", "hostname", "immutable_file"]
    for name in refused:
        assert outcome[name] == "PermissionError", (name, outcome)
    assert outcome["one_big_file"] == "OSError"  # EFBIG at 32 MB (RLIMIT_FSIZE)
    if os.getuid() == 0:  # root can make the private tmpfs
        assert layers["private_disk"] and outcome["many_files"] == "OSError"  # ENOSPC at 32 MB in all
    assert outcome["allocate_1gb"] == "MemoryError"
    assert outcome["write_workdir"] == "allowed" and outcome["read_stdlib"] == "allowed"


def test_threads_still_work_after_confinement():
    probe = (
        "import threading, tempfile; from pathlib import Path; from promptpo.sandbox.os_limits import confine;"
        "confine(256, 30, Path(tempfile.mkdtemp())); box = [];"
        "t = threading.Thread(target=lambda: box.append(1)); t.start(); t.join(); print(box)"
    )
    completed = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert completed.stdout.strip() == "[1]", completed.stderr


# ---- static checks ------------------------------------------------------------------------------------------------


def test_extract_code_takes_the_block_that_defines_the_class():
    reply = "Plan:\n```python\nhelper = 1\n```\nPolicy:\n```python\nclass Policy:\n    pass\n```\nDone."
    assert extract_code(reply, "Policy") == "class Policy:\n    pass\n"
    assert extract_code("```\nclass Policy: pass\n```", "Policy") == "class Policy: pass\n"
    truncated = "```python\nclass Policy:\n    def act(self, obs):\n        return"
    assert extract_code(truncated, "Policy").startswith("class Policy:")
    assert isinstance(extract_code("no code here", "Policy"), Failure)
    assert isinstance(extract_code("```json\n{}\n```", "Policy"), Failure)
    aliased = "```python\nclass Controller:\n    pass\n\nPolicy = Controller\n```\n```python\nprint(1)\n```"
    assert extract_code(aliased, "Policy").endswith("Policy = Controller\n")


def test_a_reply_cut_at_the_token_limit_is_truncated_unless_its_code_was_complete():
    cut = "Here:\n```python\nclass Policy:\n    def act(self, obs):\n        return"
    failure = extract_code(cut, "Policy", cut_at_tokens=2048)
    assert isinstance(failure, Failure) and failure.kind == "truncated"
    assert "2048 tokens" in failure.message and "max_tokens" in failure.message
    assert extract_code("Let me think about the board and", "Policy", cut_at_tokens=64).kind == "truncated"
    complete = "```python\nclass Policy:\n    pass\n```\nThis policy works because the agent"
    assert extract_code(complete, "Policy", cut_at_tokens=2048) == "class Policy:\n    pass\n"


def test_any_ordinary_binding_of_the_policy_name_is_accepted():
    base = "class Base:\n    def act(self, o):\n        return 1\n"
    for code in (base + "class Policy(Base):\n    pass\n", base + "Policy = Base\n", base + "Policy: type = Base\n"):
        assert check_source(code, "Policy", "act") is None, code


@pytest.mark.parametrize(
    "code,kind",
    [
        ("import os\nclass Policy:\n    def act(self, o): return 1\n", "forbidden_import"),
        ("from numpy import ctypeslib\nclass Policy:\n    def act(self, o): return 1\n", "forbidden_import"),
        ("from . import x\nclass Policy:\n    def act(self, o): return 1\n", "forbidden_import"),
        ("class Policy:\n    def act(self, o): return open('x')\n", "forbidden_code"),
        ("class Policy:\n    def act(self, o): return o.__class__\n", "forbidden_code"),
        ("class Policy:\n    def act(self, o) return 1\n", "syntax_error"),
        ("class Other:\n    def act(self, o): return 1\n", "missing_class"),
        ("class Policy:\n    def step(self, o): return 1\n", "missing_class"),
    ],
)
def test_check_source_refuses_before_running(code, kind):
    failure = check_source(code, "Policy", "act")
    assert failure is not None and failure.kind == kind


def test_check_source_accepts_ordinary_policies():
    code = textwrap.dedent(
        """
        import numpy as np
        from collections import deque
        import scipy.linalg as la
        from dataclasses import dataclass

        class Policy:
            def __init__(self):
                super().__init__()
                self._queue = deque()
            def act(self, obs):
                return int(np.argmax([obs.agent_row, 0.5]))
        """
    )
    assert check_source(code, "Policy", "act") is None
