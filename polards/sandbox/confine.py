"""Confinement primitives that run *inside* the sandbox child, before any untrusted code.

This module is loaded by the child interpreter straight from its file (not through the ``polards`` package),
so it imports only light stdlib modules. Every function either does its job or returns/raises a reason the
caller can report; nothing here prints.

The order the harness applies them in (as root, when the parent runs as root):

1. :func:`unshare_namespaces` - a new mount, network and IPC namespace
   (``unshare(CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWIPC)``);
2. :func:`private_mounts` - a read-only ``/``, fresh size-capped tmpfs on ``/tmp``, ``/var/tmp`` and
   ``/dev/shm`` (the work directory is carried over), and non-traversable directories such as ``/root``
   replaced by an empty tmpfs that holds only what the interpreter needs;
3. :func:`apply_rlimits` - CPU, address space, file size, processes, open files, core dumps;
4. :func:`drop_privileges` - switch to the unprivileged per-slot uid/gid, no supplementary groups;
5. :func:`lock_down` - ``PR_SET_NO_NEW_PRIVS`` and a parent-death ``SIGKILL``;
6. :func:`install_socket_guard` - only when no network namespace could be made: an audit hook that refuses
   to create internet sockets.

Examples
--------
>>> rlimit_names()[:3]
['RLIMIT_CPU', 'RLIMIT_AS', 'RLIMIT_FSIZE']
"""

from __future__ import annotations

import os
import resource
import sys

CLONE_NEWNS = 0x00020000
CLONE_NEWNET = 0x40000000
CLONE_NEWUSER = 0x10000000
CLONE_NEWIPC = 0x08000000
MS_RDONLY = 1
MS_NOSUID = 2
MS_NODEV = 4
MS_REMOUNT = 32
MS_BIND = 4096
MS_MOVE = 8192
MS_REC = 16384
MS_PRIVATE = 1 << 18
PR_SET_PDEATHSIG = 1
PR_SET_NO_NEW_PRIVS = 38

#: Directories replaced by a fresh private tmpfs in the child's mount namespace.
SCRATCH_DIRS = ("/tmp", "/var/tmp", "/dev/shm")

_LIBC = None


def _libc():
    global _LIBC
    if _LIBC is None:
        import ctypes

        _LIBC = ctypes.CDLL(None, use_errno=True)
    return _LIBC


def _check(ret: int, what: str) -> None:
    if ret != 0:
        import ctypes

        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def rlimit_names() -> list[str]:
    """Names of the resource limits the sandbox sets, in the order it sets them."""
    return ["RLIMIT_CPU", "RLIMIT_AS", "RLIMIT_FSIZE", "RLIMIT_NPROC", "RLIMIT_NOFILE", "RLIMIT_CORE"]


def _map_ids(uid: int, gid: int) -> None:
    """Inside a fresh user namespace, map our own uid/gid to themselves (so ``getuid()`` stays truthful)."""
    for path, text in (
        ("/proc/self/setgroups", "deny"),
        ("/proc/self/uid_map", f"{uid} {uid} 1"),
        ("/proc/self/gid_map", f"{gid} {gid} 1"),
    ):
        try:
            with open(path, "w") as fh:
                fh.write(text)
        except OSError:
            pass


def unshare_namespaces(mount: bool, network: bool, ipc: bool = True) -> dict[str, str | None]:
    """Enter new namespaces; return ``{"mount": .., "network": .., "ipc": ..}``, each an error or ``None``.

    The IPC namespace (on by default) gives the program its own SysV shared memory, semaphores and message
    queues: they are destroyed with the namespace when its last process is gone, and no other program (nor
    the host) can see them.

    As root each namespace is tried on its own, so one refusal does not cost the other. Without root, both
    are made inside a new *user* namespace (where the kernel allows unprivileged user namespaces).
    """
    out: dict[str, str | None] = {
        "mount": None if mount else "not requested",
        "network": None if network else "not requested",
        "ipc": None if ipc else "not requested",
    }
    if not (mount or network or ipc):
        return out
    if os.geteuid() != 0:
        uid, gid = os.getuid(), os.getgid()
        flags = CLONE_NEWUSER | (CLONE_NEWNS if mount else 0) | (CLONE_NEWNET if network else 0)
        flags |= CLONE_NEWIPC if ipc else 0
        try:
            _check(_libc().unshare(flags), "unshare(user namespace)")
        except OSError as exc:
            return {k: (str(exc) if v is None else v) for k, v in out.items()}
        _map_ids(uid, gid)
        return out
    for name, flag, wanted in (
        ("network", CLONE_NEWNET, network),
        ("mount", CLONE_NEWNS, mount),
        ("ipc", CLONE_NEWIPC, ipc),
    ):
        if wanted:
            try:
                _check(_libc().unshare(flag), f"unshare({name})")
            except OSError as exc:
                out[name] = str(exc)
    return out


def _mount(source: str | None, target: str, fstype: str | None, flags: int, data: str | None) -> None:
    enc = lambda s: None if s is None else os.fsencode(s)  # noqa: E731
    _check(_libc().mount(enc(source), enc(target), enc(fstype), flags, enc(data)), f"mount {target}")


def _blocked_ancestor(path: str) -> str | None:
    """The top-most ancestor of ``path`` that others cannot traverse (no ``o+x``), if any."""
    parts = os.path.abspath(path).split(os.sep)
    cur = os.sep
    for part in parts[1:]:
        cur = os.path.join(cur, part)
        try:
            st = os.stat(cur)
        except OSError:
            return None
        if os.path.isdir(cur) and not st.st_mode & 0o001:
            return cur
    return None


def private_mounts(workdir: str, needed: list[str], scratch_mb: int) -> list[str]:
    """Set up the child's private file system view (requires a fresh mount namespace).

    Parameters
    ----------
    workdir
        The program's working directory; it stays writable and keeps its path.
    needed
        Paths the interpreter must still reach (``sys.prefix``, ``sys.path`` entries, ...). Any ancestor of
        them that others cannot traverse (e.g. ``/root``, mode 0700) is covered with an empty tmpfs into
        which only these paths are bind-mounted back, so the unprivileged child can import the standard
        library but cannot see anything else there (tokens, caches, keys).
    scratch_mb
        Size cap of each fresh scratch tmpfs.

    Returns
    -------
    list of str
        Steps that could not be done (empty when everything worked).
    """
    problems: list[str] = []
    _mount(None, "/", None, MS_REC | MS_PRIVATE, None)
    # 1. hide non-traversable ancestors of the interpreter's paths, keeping only the paths themselves.
    #    Paths under a scratch dir (a venv or checkout in /tmp) are carried back into the fresh scratch tmpfs;
    #    a blocked ancestor under a scratch dir needs no cover (the fresh tmpfs is empty anyway).
    groups: dict[str, list[str]] = {}
    in_scratch: list[str] = []
    for path in sorted({os.path.realpath(p) for p in needed if p and os.path.exists(p)}):
        if _under_scratch(path):
            if not any(path == k or path.startswith(k + os.sep) for k in in_scratch):
                in_scratch.append(path)
            continue
        top = _blocked_ancestor(path)
        if top is None:
            continue
        kept = groups.setdefault(top, [])
        if not any(path == k or path.startswith(k + os.sep) for k in kept):
            kept.append(path)
    # 2. hold what must stay visible by an O_PATH descriptor, cover, then bind it back from /proc/self/fd.
    #    Order matters: scratch tmpfs first, then covers, then binds - a cover or bind made before the scratch
    #    tmpfs would be hidden under it (and stay listed as a writable mount).
    carry: list[tuple[str, int]] = []
    for paths in [*groups.values(), in_scratch]:
        carry.extend((p, os.open(p, os.O_PATH)) for p in paths)
    carry.append((workdir, os.open(workdir, os.O_PATH | os.O_DIRECTORY)))
    try:
        for scratch in SCRATCH_DIRS:
            if os.path.isdir(scratch):
                try:
                    _mount("tmpfs", scratch, "tmpfs", MS_NOSUID | MS_NODEV, f"mode=1777,size={scratch_mb}m")
                except OSError as exc:
                    problems.append(str(exc))
        for top in groups:
            _mount("tmpfs", top, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755,size=1m")
        for final, fd in carry:
            if os.path.isdir(f"/proc/self/fd/{fd}"):
                os.makedirs(final, 0o755, exist_ok=True)
            else:
                os.makedirs(os.path.dirname(final), 0o755, exist_ok=True)
                if not os.path.exists(final):
                    open(final, "w").close()
            _mount(f"/proc/self/fd/{fd}", final, None, MS_BIND | MS_REC, None)
    finally:
        for _, fd in carry:
            os.close(fd)
    # 3. every other mount read-only (keeping its nosuid/nodev/noexec/atime flags); "/" must succeed.
    writable = {os.path.realpath(workdir), *SCRATCH_DIRS}
    for point in _mount_points():
        if point in writable or point == "/proc" or point.startswith("/proc/") or _is_read_only(point):
            continue
        try:
            _mount(None, point, None, MS_REMOUNT | MS_BIND | MS_RDONLY | _kept_flags(point), None)
        except OSError as exc:
            if point == "/":
                problems.append(str(exc))
    try:
        os.chdir(workdir)
    except OSError as exc:  # pragma: no cover - the workdir was just mounted
        problems.append(str(exc))
    return problems


def _under_scratch(path: str) -> bool:
    """Whether ``path`` lies inside one of :data:`SCRATCH_DIRS` (hidden once they are covered by a tmpfs).

    >>> _under_scratch("/tmp/x/.venv"), _under_scratch("/tmp"), _under_scratch("/usr/lib")
    (True, False, False)
    """
    return any(path.startswith(d + os.sep) for d in SCRATCH_DIRS)


def _mount_points() -> list[str]:
    """Mount points of this mount namespace, parents before children."""
    points = []
    with open("/proc/self/mountinfo", "rb") as fh:
        for line in fh:
            point = line.split()[4].decode().replace("\\040", " ")
            if point not in points:
                points.append(point)
    return sorted(points, key=lambda p: p.count("/") if p != "/" else 0)


def _is_read_only(point: str) -> bool:
    try:
        return bool(os.statvfs(point).f_flag & os.ST_RDONLY)
    except OSError:
        return False


def _kept_flags(point: str) -> int:
    """The per-mount flags a bind remount must repeat (dropping them would loosen the mount, or fail)."""
    try:
        f = os.statvfs(point).f_flag
    except OSError:
        return 0
    ms_nosuid, ms_nodev, ms_noexec, ms_noatime, ms_nodiratime, ms_relatime = 2, 4, 8, 1024, 2048, 1 << 21
    flags = f & (ms_nosuid | ms_nodev | ms_noexec | ms_noatime | ms_nodiratime)
    if f & os.ST_RELATIME:
        flags |= ms_relatime
    return flags


def apply_rlimits(limits: dict[str, int]) -> None:
    """``setrlimit`` each ``{"RLIMIT_X": value}`` (soft = hard = value; CPU gets hard = soft + 1)."""
    for name in rlimit_names():
        if name not in limits:
            continue
        value = int(limits[name])
        hard = value + 1 if name == "RLIMIT_CPU" else value
        resource.setrlimit(getattr(resource, name), (value, hard))


def drop_privileges(uid: int, gid: int) -> None:
    """Become ``uid``/``gid`` for good (real, effective and saved ids; no supplementary groups)."""
    os.setgroups([])
    os.setresgid(gid, gid, gid)
    os.setresuid(uid, uid, uid)
    try:
        os.setuid(0)
    except PermissionError:
        return
    raise OSError("privileges could not be dropped: setuid(0) still succeeds")  # pragma: no cover


def lock_down() -> None:
    """No privilege gain through exec (setuid binaries), and die with SIGKILL when the parent dies."""
    lib = _libc()
    _check(lib.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "prctl(PR_SET_NO_NEW_PRIVS)")
    _check(lib.prctl(PR_SET_PDEATHSIG, 9, 0, 0, 0), "prctl(PR_SET_PDEATHSIG)")


def install_socket_guard() -> None:
    """Refuse creation of internet (and raw/packet) sockets with an audit hook; AF_UNIX stays allowed."""
    import socket

    allowed = {int(socket.AF_UNIX)}

    def hook(event: str, args: tuple) -> None:
        if event == "socket.__new__":
            family = args[1]
            if family is None or int(family) not in allowed:  # -1 means the AF_INET default
                raise PermissionError("network access is disabled in the polards sandbox")
        elif event in {"socket.getaddrinfo", "socket.gethostbyname", "socket.gethostbyaddr"}:
            raise PermissionError("network access is disabled in the polards sandbox")

    sys.addaudithook(hook)
