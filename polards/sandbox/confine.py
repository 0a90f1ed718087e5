"""Confinement primitives that run *inside* the sandbox child, before any untrusted code.

This module is loaded by the child interpreter straight from its code object (not through the ``polards``
package), so it imports only light stdlib modules. Every function either does its job or returns/raises a
reason the caller can report; nothing here prints.

The order the harness applies them in (as root, when the parent runs as root; see :mod:`harness`):

1. relay: :func:`set_parent_death_signal`, then :func:`unshare_pid_namespace` and a fork: the forked process
   is the init (pid 1) of a new PID namespace, so every process of the program dies with it;
2. init: :func:`unshare_namespaces` - a new mount, network and IPC namespace; :func:`join_cgroups` - the
   program's own memory and pids cgroup (made by the parent);
3. init: :func:`allowlist_root` - an empty tmpfs root holding read-only binds of the interpreter, its standard
   library and site-packages, the system libraries, a few devices, a fresh ``/proc`` of the new PID namespace
   and one size- and inode-capped tmpfs for ``/tmp`` (the work directory); nothing else of the host file
   system (the checkout, ``HOME``, the host ``/tmp``, other programs' directories) exists in it.
   :func:`private_mounts` (read-only host root, private scratch dirs) is the fallback when that fails;
4. program (forked by the init): :func:`apply_rlimits` - CPU, address space, file size, processes, open files,
   core dumps; :func:`drop_privileges` - the unprivileged per-slot uid/gid, no supplementary groups;
   :func:`lock_down` - ``PR_SET_NO_NEW_PRIVS`` and a parent-death ``SIGKILL``;
   :func:`install_socket_guard` - only when no network namespace could be made: an audit hook that refuses
   to create internet sockets.

Examples
--------
>>> rlimit_names()[:3]
['RLIMIT_CPU', 'RLIMIT_AS', 'RLIMIT_FSIZE']
>>> allowlist_sources(["/usr/lib", "/", "relative", "/no/such/dir"], system=("/usr",))
['/usr']
"""

from __future__ import annotations

import os
import resource
import sys

CLONE_NEWNS = 0x00020000
CLONE_NEWNET = 0x40000000
CLONE_NEWUSER = 0x10000000
CLONE_NEWIPC = 0x08000000
CLONE_NEWPID = 0x20000000
MS_RDONLY = 1
MS_NOSUID = 2
MS_NODEV = 4
MS_NOEXEC = 8
MS_REMOUNT = 32
MS_BIND = 4096
MS_MOVE = 8192
MS_REC = 16384
MS_PRIVATE = 1 << 18
MNT_DETACH = 2
PR_SET_PDEATHSIG = 1
PR_SET_NO_NEW_PRIVS = 38

#: ``pivot_root`` syscall numbers (glibc has no wrapper).
_SYS_PIVOT_ROOT = {"x86_64": 155, "aarch64": 41, "riscv64": 41, "ppc64le": 203, "ppc64": 203, "s390x": 217}

#: Host paths carried read-only into the allowlist root when they exist (a symlink is copied as a symlink):
#: the system libraries and tools the interpreter and its extension modules link against, and the dynamic
#: linker's cache. Everything else comes from the interpreter's own paths.
SYSTEM_PATHS = (
    "/usr",
    "/bin",
    "/sbin",
    "/lib",
    "/lib32",
    "/lib64",
    "/libx32",
    "/etc/ld.so.cache",
    "/etc/localtime",
)

#: Device nodes bound into the allowlist root's ``/dev``.
DEVICES = ("null", "zero", "full", "random", "urandom")

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


def unshare_pid_namespace() -> tuple[str | None, bool]:
    """Make the *next* forked child the init of a new PID namespace; return ``(error or None, in_userns)``.

    As root this is ``unshare(CLONE_NEWPID)``. Without root it is done inside a new user namespace (mapping
    our own uid/gid to themselves), which the later :func:`unshare_namespaces` call then reuses; where the
    kernel refuses a PID namespace the user namespace alone is still tried, so the other namespaces can be
    made. ``in_userns`` says whether this process is now in a user namespace of its own.
    """
    if os.geteuid() == 0:
        try:
            _check(_libc().unshare(CLONE_NEWPID), "unshare(pid)")
        except OSError as exc:
            return str(exc), False
        return None, False
    uid, gid = os.getuid(), os.getgid()
    try:
        _check(_libc().unshare(CLONE_NEWUSER | CLONE_NEWPID), "unshare(user + pid namespace)")
    except OSError as exc:
        try:
            _check(_libc().unshare(CLONE_NEWUSER), "unshare(user namespace)")
        except OSError:
            return str(exc), False
        _map_ids(uid, gid)
        return str(exc), True
    _map_ids(uid, gid)
    return None, True


def unshare_namespaces(
    mount: bool, network: bool, ipc: bool = True, in_userns: bool = False
) -> dict[str, str | None]:
    """Enter new namespaces; return ``{"mount": .., "network": .., "ipc": ..}``, each an error or ``None``.

    The IPC namespace (on by default) gives the program its own SysV shared memory, semaphores and message
    queues: they are destroyed with the namespace when its last process is gone, and no other program (nor
    the host) can see them.

    As root (or inside a user namespace this process made, ``in_userns``) each namespace is tried on its own,
    so one refusal does not cost the other. Otherwise, without root, they are made inside a new *user*
    namespace (where the kernel allows unprivileged user namespaces).
    """
    out: dict[str, str | None] = {
        "mount": None if mount else "not requested",
        "network": None if network else "not requested",
        "ipc": None if ipc else "not requested",
    }
    if not (mount or network or ipc):
        return out
    if os.geteuid() != 0 and not in_userns:
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


def set_parent_death_signal(expected_parent: int | None = None) -> None:
    """``SIGKILL`` this process when its parent (thread) dies; raise if the parent is already gone.

    ``expected_parent`` is the pid the parent had (the parent may have died between fork and this call, and
    the process been re-parented); ``None`` skips that check (a PID namespace init sees its parent as 0).
    """
    _check(_libc().prctl(PR_SET_PDEATHSIG, 9, 0, 0, 0), "prctl(PR_SET_PDEATHSIG)")
    if expected_parent is not None and os.getppid() != expected_parent:
        raise OSError(f"the parent process {expected_parent} is gone")


def join_cgroups(procs_files: list[str]) -> list[str]:
    """Move this process into each cgroup whose ``cgroup.procs`` file is listed; return the failures.

    Writing ``0`` moves the writer itself (cgroup v1 and v2). Children forked afterwards start inside, and an
    unprivileged process cannot move itself out again (the files belong to root).
    """
    problems = []
    for path in procs_files:
        try:
            fd = os.open(path, os.O_WRONLY)
            try:
                os.write(fd, b"0")
            finally:
                os.close(fd)
        except OSError as exc:
            problems.append(f"{path}: {exc.strerror or exc}")
    return problems


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


def allowlist_sources(needed: list[str], system: tuple[str, ...] = SYSTEM_PATHS) -> list[str]:
    """The host paths to bind into the allowlist root: ``needed`` (and their real paths) plus ``system``,
    existing ones only, without any path that a listed directory already contains, and never ``/``.
    """
    paths: set[str] = set()
    for p in [*needed, *system]:
        if not p or not os.path.isabs(p):
            continue
        for q in (os.path.normpath(p), os.path.realpath(p)):
            if q != os.sep and (os.path.lexists(q) if q in system else os.path.exists(q)):
                paths.add(q)
    out: list[str] = []
    for path in sorted(paths):  # a parent sorts before its children
        if not any(path.startswith(k + os.sep) for k in out):
            out.append(path)
    return out


def _pivot_root(new_root: str) -> None:
    """Make ``new_root`` (a mount point) the root of this mount namespace and detach the old root."""
    number = _SYS_PIVOT_ROOT.get(os.uname().machine)
    if number is None:
        raise OSError(f"pivot_root: unknown syscall number on {os.uname().machine}")
    os.chdir(new_root)
    lib = _libc()
    _check(lib.syscall(number, b".", b"."), "pivot_root")
    _check(lib.umount2(b".", MNT_DETACH), "umount old root")
    os.chdir("/")


def _bind(source: str, target: str, flags: int) -> None:
    """Bind ``source`` on ``target`` (no submounts when the kernel allows), then remount it with ``flags``."""
    try:
        _mount(source, target, None, MS_BIND, None)
    except OSError:  # a mount with locked submounts (user namespace) can only be bound whole
        _mount(source, target, None, MS_BIND | MS_REC, None)
    _mount(None, target, None, MS_REMOUNT | MS_BIND | flags | _kept_flags(target), None)


def allowlist_root(
    needed: list[str], *, disk_mb: int, max_files: int, uid: int | None = None, gid: int | None = None
) -> str:
    """Replace this mount namespace's root by an allowlist; return the work directory (``/tmp``).

    Needs a fresh mount namespace (and, for ``/proc`` to list only the program's processes, to run as the
    init of a fresh PID namespace). The new root is an empty read-only tmpfs holding

    * read-only, ``nosuid`` binds of :func:`allowlist_sources` (the interpreter's prefixes, site-packages,
      the system libraries; a venv anywhere, even under the host ``/tmp`` or a 0700 directory, is carried),
    * ``/dev`` with :data:`DEVICES` and the usual ``fd``/``stdin``/``stdout``/``stderr`` links,
    * a fresh ``/proc`` (``nosuid,nodev,noexec``),
    * ``/etc`` with a small ``passwd``, ``group`` and ``hosts``,
    * ``/tmp``: one tmpfs of ``disk_mb`` MB and ``max_files`` inodes - the work directory, ``HOME`` and
      ``TMPDIR``; ``/var/tmp`` and ``/dev/shm`` are links to it, so every byte the program can write is under
      one cap (and charged to its memory cgroup).

    Raises
    ------
    OSError
        When a step fails (the caller reports it and falls back to :func:`private_mounts`).
    """
    _mount(None, "/", None, MS_REC | MS_PRIVATE, None)
    sources = allowlist_sources(needed)
    stage = next((d for d in ("/tmp", "/mnt", "/var/tmp", "/run", "/media") if os.path.isdir(d)), None)
    if stage is None:
        raise OSError("no directory to stage the new root in")
    held: list[tuple[str, int]] = []
    try:
        # hold every source before the stage tmpfs covers it (a venv under /tmp, say)
        for path in sources:
            if not os.path.islink(path):
                held.append((path, os.open(path, os.O_PATH | os.O_CLOEXEC)))
        for name in DEVICES:
            if os.path.exists(f"/dev/{name}"):
                held.append((f"/dev/{name}", os.open(f"/dev/{name}", os.O_PATH | os.O_CLOEXEC)))
        links = [(path, os.readlink(path)) for path in sources if os.path.islink(path)]
        _mount("tmpfs", stage, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755,size=1m,nr_inodes=4096")
        try:
            _fill_root(stage, held, links, disk_mb, max_files, uid, gid)
            _pivot_root(stage)
        except BaseException:
            _libc().umount2(os.fsencode(stage), MNT_DETACH)  # back to the host view, for the fallback
            raise
    finally:
        for _, fd in held:
            os.close(fd)
    os.chdir("/tmp")
    return "/tmp"


def _fill_root(
    root: str,
    held: list[tuple[str, int]],
    links: list[tuple[str, str]],
    disk_mb: int,
    max_files: int,
    uid: int | None,
    gid: int | None,
) -> None:
    """Populate the staged allowlist root (see :func:`allowlist_root`) and make it read-only.

    The fresh mounts (``/proc``, ``/tmp``) come first: a bind below one of them (a venv under ``/tmp``) must
    be made on top of it, not hidden under it.
    """
    os.makedirs(root + "/proc", 0o555, exist_ok=True)
    _mount("proc", root + "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, None)
    os.makedirs(root + "/tmp", 0o755, exist_ok=True)
    _mount(
        "tmpfs",
        root + "/tmp",
        "tmpfs",
        MS_NOSUID | MS_NODEV,
        f"mode=1777,size={max(int(disk_mb), 1)}m,nr_inodes={max(int(max_files), 16)}",
    )
    os.makedirs(root + "/var", 0o755, exist_ok=True)
    os.symlink("/tmp", root + "/var/tmp")
    os.makedirs(root + "/dev", 0o755, exist_ok=True)
    for name, target in (
        ("fd", "/proc/self/fd"),
        ("stdin", "/proc/self/fd/0"),
        ("stdout", "/proc/self/fd/1"),
        ("stderr", "/proc/self/fd/2"),
        ("shm", "/tmp"),
    ):
        os.symlink(target, f"{root}/dev/{name}")
    os.makedirs(root + "/etc", 0o755, exist_ok=True)
    user = [] if uid is None else [f"sandbox:x:{uid}:{gid if gid is not None else uid}:sandbox:/tmp:/bin/sh"]
    group = [] if gid is None else [f"sandbox:x:{gid}:"]
    for name, lines in (
        ("passwd", ["root:x:0:0:root:/root:/bin/sh", *user, "nobody:x:65534:65534:nobody:/:/bin/false"]),
        ("group", ["root:x:0:", *group, "nogroup:x:65534:"]),
        ("hosts", ["127.0.0.1 localhost", "::1 localhost"]),
    ):
        with open(f"{root}/etc/{name}", "w") as fh:
            fh.write("\n".join(lines) + "\n")
    for path, target in links:
        os.makedirs(root + os.path.dirname(path), 0o755, exist_ok=True)
        os.symlink(target, root + path)
    for path, fd in held:
        dest = root + path
        if os.path.isdir(f"/proc/self/fd/{fd}"):
            os.makedirs(dest, 0o755, exist_ok=True)
        else:
            os.makedirs(os.path.dirname(dest), 0o755, exist_ok=True)
            os.close(os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_CLOEXEC, 0o644))
        device = path.startswith("/dev/")
        _bind(f"/proc/self/fd/{fd}", dest, MS_NOSUID | MS_RDONLY | (0 if device else MS_NODEV))
    _mount(None, root, None, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV, None)


def private_mounts(workdir: str | None, needed: list[str], scratch_mb: int) -> list[str]:
    """Set up the child's private file system view (requires a fresh mount namespace).

    Parameters
    ----------
    workdir
        The program's working directory; it stays writable and keeps its path. ``None``: the program works in
        the fresh private ``/tmp``.
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
    if workdir is not None:
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
    writable = {*([os.path.realpath(workdir)] if workdir else []), *SCRATCH_DIRS}
    for point in _mount_points():
        if point in writable or point == "/proc" or point.startswith("/proc/") or _is_read_only(point):
            continue
        try:
            _mount(None, point, None, MS_REMOUNT | MS_BIND | MS_RDONLY | _kept_flags(point), None)
        except OSError as exc:
            if point == "/":
                problems.append(str(exc))
    try:
        os.chdir(workdir or "/tmp")
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
