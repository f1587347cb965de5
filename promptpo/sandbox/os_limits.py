"""Operating-system limits for a worker about to run generated code: rlimits, Landlock and a seccomp filter.

These are the real security boundary (the Python-level guard in `guard.py` only gives clear errors and keeps
generated code away from shared modules). After `confine()`:
- memory: the address space may grow by `memory_mb` at most (RLIMIT_AS); CPU time is capped (RLIMIT_CPU);
- files (Landlock): read-only access to the Python installation, site-packages and the promptpo package, read-write
  access to one private temporary folder, nothing else (no /proc of other processes, no home, no repository data);
- network (Landlock ABI >= 4 and seccomp): no TCP bind/connect, no new sockets at all;
- processes (seccomp): no fork, vfork, clone of a new process, execve, ptrace, or signals to other processes;
- privileges: every capability dropped (effective, permitted, inheritable, ambient and bounding sets),
  no_new_privs, no namespace, mount, module, keyring, device-node, hostname or capability syscalls;
- memory outside the address-space limit: no memfd, SysV shared memory or POSIX message queues;
- disk: each file at most `disk_mb` (RLIMIT_FSIZE) and, where a private mount namespace can be made (root), the
  private folder is a `disk_mb` tmpfs seen only by the worker, which vanishes with it, whatever it left there.
Linux only. `confine()` returns which layers are active, so a run records what protected it.
"""

from __future__ import annotations

import ctypes
import errno
import os
import platform
import resource
import struct
import sys
import sysconfig
from pathlib import Path

_libc = ctypes.CDLL(None, use_errno=True)
_libc.syscall.restype = ctypes.c_long
_libc.prctl.restype = ctypes.c_int

PR_SET_NO_NEW_PRIVS = 38
PR_SET_PDEATHSIG = 1


def _check(result: int, what: str) -> int:
    if result < 0:
        code = ctypes.get_errno()
        raise OSError(code, f"{what}: {os.strerror(code)}")
    return result


# ---- rlimits --------------------------------------------------------------------------------------------------


def current_address_space_bytes() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("VmSize not found in /proc/self/status")


def set_rlimits(memory_mb: int, cpu_s: int, disk_mb: int) -> None:
    """Cap the address space at its current size plus `memory_mb`, CPU time at `cpu_s`, core dumps at 0, the
    size of any file written at `disk_mb`."""
    address_space = current_address_space_bytes() + memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (address_space, address_space))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_s, cpu_s + 5))  # SIGXCPU, then SIGKILL 5 s later
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_FSIZE, (disk_mb * 1024 * 1024, disk_mb * 1024 * 1024))


# ---- a private, size-capped folder ------------------------------------------------------------------------------

_CLONE_NEWNS = 0x00020000
_MS_NOSUID, _MS_NODEV, _MS_NOEXEC, _MS_REC, _MS_PRIVATE = 2, 4, 8, 1 << 14, 1 << 18


def private_disk(write_root: Path, disk_mb: int) -> bool:
    """Mount a `disk_mb` tmpfs over `write_root` in a mount namespace of this process alone: the total bytes the
    worker can write are capped, and everything it wrote disappears when it exits. Needs the right to make a
    mount namespace (root); False, with nothing changed, without it. (A user namespace would give that right to
    others, but a half-made one leaves the process without a uid mapping: not worth the risk.)"""
    uid, gid = os.getuid(), os.getgid()
    if _libc.unshare(_CLONE_NEWNS) != 0:
        return False
    if _libc.mount(None, b"/", None, _MS_REC | _MS_PRIVATE, None) != 0:
        return False
    options = f"size={disk_mb}m,mode=0700,uid={uid},gid={gid}".encode()
    flags = _MS_NOSUID | _MS_NODEV | _MS_NOEXEC
    return _libc.mount(b"tmpfs", str(write_root).encode(), b"tmpfs", flags, options) == 0


# ---- capabilities -----------------------------------------------------------------------------------------------

_PR_CAPBSET_DROP, _PR_CAP_AMBIENT, _PR_CAP_AMBIENT_CLEAR_ALL = 24, 47, 4
_SYS_CAPSET, _CAPABILITY_VERSION_3 = 126, 0x20080522


def drop_capabilities() -> bool:
    """Empty every capability set of this process (a root worker keeps none: no device nodes, immutable files,
    raw I/O or hostname changes); True when the effective set is empty afterwards."""
    for capability in range(64):
        if _libc.prctl(_PR_CAPBSET_DROP, capability, 0, 0, 0) != 0 and ctypes.get_errno() == errno.EINVAL:
            break  # past the kernel's last capability
    _libc.prctl(_PR_CAP_AMBIENT, _PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0)
    header = struct.pack("Ii", _CAPABILITY_VERSION_3, 0)
    data = bytes(24)  # two (effective, permitted, inheritable) triples of 32-bit masks, all zero
    _libc.syscall(_SYS_CAPSET, ctypes.c_char_p(header), ctypes.c_char_p(data))
    with open("/proc/self/status") as status:
        effective = next(line for line in status if line.startswith("CapEff:"))
    return int(effective.split()[1], 16) == 0


# ---- Landlock ---------------------------------------------------------------------------------------------------

_SYS_LANDLOCK_CREATE_RULESET, _SYS_LANDLOCK_ADD_RULE, _SYS_LANDLOCK_RESTRICT_SELF = 444, 445, 446
_FS_EXECUTE, _FS_WRITE_FILE, _FS_READ_FILE, _FS_READ_DIR = 1 << 0, 1 << 1, 1 << 2, 1 << 3
_FS_MAKE_ALL = sum(1 << bit for bit in range(4, 13))  # remove dir/file, make char/dir/reg/sock/fifo/block/sym
_FS_REFER, _FS_TRUNCATE, _FS_IOCTL_DEV = 1 << 13, 1 << 14, 1 << 15
_NET_BIND_TCP, _NET_CONNECT_TCP = 1 << 0, 1 << 1
_SCOPE_ABSTRACT_UNIX_SOCKET, _SCOPE_SIGNAL = 1 << 0, 1 << 1
_RULE_PATH_BENEATH = 1
_O_PATH = 0o10000000


def landlock_abi() -> int:
    """The kernel's Landlock ABI version, 0 when Landlock is unavailable."""
    result = _libc.syscall(_SYS_LANDLOCK_CREATE_RULESET, None, 0, 1)  # LANDLOCK_CREATE_RULESET_VERSION
    return max(0, int(result))


def _fs_rights(abi: int) -> int:
    rights = _FS_EXECUTE | _FS_WRITE_FILE | _FS_READ_FILE | _FS_READ_DIR | _FS_MAKE_ALL
    rights |= _FS_REFER if abi >= 2 else 0
    rights |= _FS_TRUNCATE if abi >= 3 else 0
    rights |= _FS_IOCTL_DEV if abi >= 5 else 0
    return rights


def readable_roots() -> list[Path]:
    """Folders generated code may read: the Python installation, site-packages, and the promptpo package."""
    import promptpo

    roots = {Path(sysconfig.get_paths()[key]) for key in ("stdlib", "platstdlib", "purelib", "platlib")}
    roots |= {Path(sys.base_prefix) / "lib", Path(sys.prefix) / "lib", Path(promptpo.__file__).parent}
    roots |= {Path(p) for p in ("/usr/lib", "/usr/lib64", "/lib", "/lib64", "/usr/share/zoneinfo")}
    return sorted(root.resolve() for root in roots if root.exists())


def apply_landlock(read_roots: list[Path], write_root: Path) -> int:
    """Restrict this process (and any thread it starts) to reading `read_roots` and writing `write_root`;
    returns the ABI used (0 = unavailable, nothing applied)."""
    abi = landlock_abi()
    if abi < 1:
        return 0
    fs_rights = _fs_rights(abi)
    net = (_NET_BIND_TCP | _NET_CONNECT_TCP) if abi >= 4 else 0
    scoped = (_SCOPE_ABSTRACT_UNIX_SOCKET | _SCOPE_SIGNAL) if abi >= 6 else 0
    attr = struct.pack("QQQ", fs_rights, net, scoped)[: 8 if abi < 4 else 16 if abi < 6 else 24]
    buffer = ctypes.create_string_buffer(attr, len(attr))
    ruleset = _check(_libc.syscall(_SYS_LANDLOCK_CREATE_RULESET, buffer, len(attr), 0), "landlock_create_ruleset")
    try:
        read = _FS_READ_FILE | _FS_READ_DIR
        for root in read_roots:
            _allow_path(ruleset, root, read)
        _allow_path(ruleset, Path("/dev/null"), _FS_READ_FILE | _FS_WRITE_FILE)
        _allow_path(ruleset, Path("/dev/urandom"), _FS_READ_FILE)
        _allow_path(ruleset, write_root, fs_rights & ~_FS_EXECUTE & ~_FS_IOCTL_DEV)
        _check(_libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "prctl(NO_NEW_PRIVS)")
        _check(_libc.syscall(_SYS_LANDLOCK_RESTRICT_SELF, ruleset, 0), "landlock_restrict_self")
    finally:
        os.close(ruleset)
    return abi


def hide_paths(hidden: list[Path]) -> int:
    """Restrict this process and every process it starts so that the files in `hidden` cannot be read, written or
    replaced, while everything else stays reachable (a notebook being graded, with its Jupyter kernel); returns the
    ABI used (0 = Landlock unavailable, nothing applied).

    Landlock grants rights beneath a folder and cannot subtract one, so this grants full rights on every entry of
    every folder on the way to a hidden file except the next one on that way. Pitfalls: those folders themselves
    cannot be listed, nor can new entries be made in them (keep a secret in its own folder, e.g.
    ~/.promptpo-grader/seed, not directly in $HOME); a hard link to a hidden file elsewhere stays readable. Any
    Landlock domain also keeps its processes from reading the memory, environment or open files of processes
    outside it (ptrace rules), and from ABI 6 from signalling them; the network is untouched.
    """
    abi = landlock_abi()
    if abi < 1:
        return 0
    fs_rights = _fs_rights(abi)
    scoped = _SCOPE_SIGNAL if abi >= 6 else 0
    attr = struct.pack("QQQ", fs_rights, 0, scoped)[: 8 if abi < 4 else 16 if abi < 6 else 24]
    buffer = ctypes.create_string_buffer(attr, len(attr))
    ruleset = _check(_libc.syscall(_SYS_LANDLOCK_CREATE_RULESET, buffer, len(attr), 0), "landlock_create_ruleset")
    try:
        targets = [path.resolve() for path in hidden]
        for folder in sorted({parent for path in targets for parent in path.parents}):
            for entry in os.scandir(folder):
                real = Path(entry.path).resolve()  # a symbolic link grants its target: never one above a secret
                if not any(real == target or real in target.parents for target in targets):
                    _allow_path(ruleset, Path(entry.path), fs_rights)
        _check(_libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "prctl(NO_NEW_PRIVS)")
        _check(_libc.syscall(_SYS_LANDLOCK_RESTRICT_SELF, ruleset, 0), "landlock_restrict_self")
    finally:
        os.close(ruleset)
    return abi


def _allow_path(ruleset: int, path: Path, rights: int) -> None:
    if not path.exists():
        return
    if not path.is_dir():  # only file rights may be granted on a file
        rights &= _FS_EXECUTE | _FS_WRITE_FILE | _FS_READ_FILE | _FS_TRUNCATE | _FS_IOCTL_DEV
    fd = os.open(path, _O_PATH | os.O_CLOEXEC)
    try:
        rule = struct.pack("=Qi", rights, fd)  # struct landlock_path_beneath_attr is packed: 8 + 4 bytes
        buffer = ctypes.create_string_buffer(rule, len(rule))
        _check(_libc.syscall(_SYS_LANDLOCK_ADD_RULE, ruleset, _RULE_PATH_BENEATH, buffer, 0), f"landlock rule {path}")
    finally:
        os.close(fd)


# ---- seccomp ----------------------------------------------------------------------------------------------------

_AUDIT_ARCH_X86_64 = 0xC000003E
_X32_SYSCALL_BIT = 0x40000000
_CLONE_THREAD = 0x00010000
_RET_ALLOW, _RET_KILL_PROCESS = 0x7FFF0000, 0x80000000
_LD_W_ABS, _JEQ_K, _JGE_K, _JSET_K, _RET_K = 0x20, 0x15, 0x35, 0x45, 0x06
_SECCOMP_SET_MODE_FILTER, _SECCOMP_FILTER_FLAG_TSYNC, _SYS_SECCOMP = 1, 1, 317

# x86_64 syscall numbers refused with EPERM.
_DENIED_X86_64 = {
    "fork": 57,
    "vfork": 58,
    "execve": 59,
    "execveat": 322,
    "socket": 41,
    "socketpair": 53,
    "connect": 42,
    "bind": 49,
    "listen": 50,
    "accept": 43,
    "accept4": 288,
    "ptrace": 101,
    "kill": 62,
    "tkill": 200,
    "process_vm_readv": 310,
    "process_vm_writev": 311,
    "mount": 165,
    "umount2": 166,
    "pivot_root": 155,
    "chroot": 161,
    "unshare": 272,
    "setns": 308,
    "bpf": 321,
    "perf_event_open": 298,
    "keyctl": 250,
    "add_key": 248,
    "request_key": 249,
    "init_module": 175,
    "finit_module": 313,
    "delete_module": 176,
    "reboot": 169,
    "kexec_load": 246,
    "kexec_file_load": 320,
    "swapon": 167,
    "swapoff": 168,
    "userfaultfd": 323,
    "io_uring_setup": 425,
    "io_uring_enter": 426,
    "io_uring_register": 427,
    "personality": 135,
    "open_by_handle_at": 304,
    "name_to_handle_at": 303,
    "pidfd_getfd": 438,
    "pidfd_send_signal": 424,
    "rt_sigqueueinfo": 129,
    "rt_tgsigqueueinfo": 297,
    "setuid": 105,
    "setgid": 106,
    "setreuid": 113,
    "setregid": 114,
    "setresuid": 117,
    "setresgid": 119,
    "setgroups": 116,
    "setfsuid": 122,
    "setfsgid": 123,
    "capset": 126,
    "mknod": 133,
    "mknodat": 259,
    "sethostname": 170,
    "setdomainname": 171,
    "memfd_create": 319,
    "memfd_secret": 447,
    "shmget": 29,
    "shmat": 30,
    "msgget": 68,
    "mq_open": 240,
    "open_tree": 428,
    "move_mount": 429,
    "fsopen": 430,
    "fsconfig": 431,
    "fsmount": 432,
    "fspick": 433,
    "mount_setattr": 442,
}
_CLONE, _CLONE3, _TGKILL = 56, 435, 234


def _insn(code: int, k: int, jt: int = 0, jf: int = 0) -> bytes:
    return struct.pack("HBBI", code, jt, jf, k)


def _errno(code: int) -> int:
    return 0x00050000 | code  # SECCOMP_RET_ERRNO


def seccomp_program(pid: int) -> list[bytes]:
    """The BPF filter for x86_64: deny the syscalls above; allow clone only for threads; clone3 reports ENOSYS
    (so libc falls back to clone, which we can inspect); tgkill only to this process."""
    program = [
        _insn(_LD_W_ABS, 4),  # seccomp_data.arch
        _insn(_JEQ_K, _AUDIT_ARCH_X86_64, jt=1),
        _insn(_RET_K, _RET_KILL_PROCESS),
        _insn(_LD_W_ABS, 0),  # seccomp_data.nr
        _insn(_JGE_K, _X32_SYSCALL_BIT, jf=1),
        _insn(_RET_K, _errno(errno.EPERM)),
    ]
    for number in sorted(_DENIED_X86_64.values()):
        program += [_insn(_JEQ_K, number, jf=1), _insn(_RET_K, _errno(errno.EPERM))]
    program += [_insn(_JEQ_K, _CLONE3, jf=1), _insn(_RET_K, _errno(errno.ENOSYS))]
    program += [  # clone(flags, ...): allowed only with CLONE_THREAD
        _insn(_JEQ_K, _CLONE, jf=4),
        _insn(_LD_W_ABS, 16),  # args[0], low 32 bits
        _insn(_JSET_K, _CLONE_THREAD, jt=1),
        _insn(_RET_K, _errno(errno.EPERM)),
        _insn(_RET_K, _RET_ALLOW),
    ]
    program += [  # tgkill(tgid, tid, sig): only to our own thread group
        _insn(_JEQ_K, _TGKILL, jf=4),
        _insn(_LD_W_ABS, 16),
        _insn(_JEQ_K, pid, jt=1),
        _insn(_RET_K, _errno(errno.EPERM)),
        _insn(_RET_K, _RET_ALLOW),
    ]
    return program + [_insn(_RET_K, _RET_ALLOW)]


def apply_seccomp() -> bool:
    """Install the filter (x86_64 only); returns False where it is unavailable."""
    if sys.platform != "linux" or platform.machine() != "x86_64":
        return False
    program = b"".join(seccomp_program(os.getpid()))
    filters = ctypes.create_string_buffer(program, len(program))

    class SockFprog(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]

    fprog = SockFprog(len(program) // 8, ctypes.cast(filters, ctypes.c_void_p))
    _check(_libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "prctl(NO_NEW_PRIVS)")
    _check(
        _libc.syscall(_SYS_SECCOMP, _SECCOMP_SET_MODE_FILTER, _SECCOMP_FILTER_FLAG_TSYNC, ctypes.byref(fprog)),
        "seccomp",
    )
    return True


# ---- all together -------------------------------------------------------------------------------------------------


DISK_MB = 64  # what generated code may write to its private folder: each file, and in all where a tmpfs is made


def confine(memory_mb: int, cpu_s: int, write_root: Path, disk_mb: int = DISK_MB) -> dict[str, bool | int]:
    """Apply every layer to the calling process (irreversible); returns which layers are active. The order
    matters: the tmpfs needs mount rights, Landlock must see the mounted folder, seccomp comes last."""
    disk = private_disk(write_root, disk_mb)
    set_rlimits(memory_mb, cpu_s, disk_mb)
    capabilities = drop_capabilities()
    landlock = apply_landlock(readable_roots(), write_root)
    seccomp = apply_seccomp()
    return {
        "rlimits": True,
        "private_disk": disk,
        "capabilities_dropped": capabilities,
        "landlock_abi": landlock,
        "seccomp": seccomp,
    }


def die_with_parent() -> None:
    """Ask the kernel to SIGKILL this process when its parent exits (no orphaned workers)."""
    _libc.prctl(PR_SET_PDEATHSIG, 9, 0, 0, 0)
