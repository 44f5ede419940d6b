"""The zygote: a process that has imported a grading kernel's modules once and forks a kernel per notebook.

Run by ``zygote.Zygote`` inside a bubblewrap box shaped like a grading kernel's
(the same read-only view, the same hidden packages) but as root with the few
capabilities it needs to build each child's own box. It is a standalone script
(standard library only at module level): the box masks ``grader.grading``.

It holds no secret, no test and no student data: it forks *before* reading a
request, so a request (a run folder, a uid, limits) lives only in the child
that serves it. Each child (``_serve``) takes new mount, pid, network, IPC and
UTS namespaces, hides every other run behind a fresh, empty ``jobs`` folder that
holds only its own run folder, and forks the kernel, which mounts its own ``/proc``, sets
the limits, drops every capability and becomes the request's uid before any
student code can run. The child then relays the kernel's end to the launcher
(``zygote_launch``) and kills the kernel when the launcher goes away.
"""

import ctypes
import json
import os
import resource
import select
import signal
import socket
import sys

CLONE_NEWNS, CLONE_NEWCGROUP, CLONE_NEWUTS = 0x00020000, 0x02000000, 0x04000000
CLONE_NEWIPC, CLONE_NEWPID, CLONE_NEWNET = 0x08000000, 0x20000000, 0x40000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_BIND, MS_MOVE, MS_REC, MS_PRIVATE = 32, 4096, 8192, 16384, 1 << 18
PR_SET_PDEATHSIG, PR_SET_DUMPABLE, PR_CAPBSET_DROP, PR_SET_NO_NEW_PRIVS = 1, 4, 24, 38
STAGE = "/opt/grader-zygote/stage"       # where a child holds its run folder while jobs/ is replaced
# What a kernel imports while it starts (ipykernel resolves its debugger class, which imports debugpy:
# half a second per kernel otherwise), measured by diffing sys.modules around IPKernelApp.initialize.
KERNEL_MODULES = ["ipykernel.kernelapp", "ipykernel.ipkernel", "ipykernel.zmqshell", "ipykernel.debugger",
                  "IPython.core.completerlib", "IPython.extensions.storemagic", "tornado.platform.asyncio",
                  "tornado.queues", "pdb", "pydoc", "faulthandler", "IPython.core.debugger",
                  "IPython.core.oinspect", "IPython.utils.wildcard"]

libc = ctypes.CDLL(None, use_errno=True)
libc.mount.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulong, ctypes.c_char_p]


def _check(result: int, what: str) -> None:
    if result != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"{what}: {os.strerror(errno)}")


def _mount(source, target, fstype, flags, data=None) -> None:
    enc = (lambda s: s.encode() if isinstance(s, str) else s)
    _check(libc.mount(enc(source), enc(target), enc(fstype), flags, enc(data)), f"mount {target}")


def preload(modules: list) -> None:
    """Import what every grading kernel imports, once (the kernel's own start-up and the setup cells)."""
    import importlib
    for name in modules:
        importlib.import_module(name)
    import matplotlib.pyplot  # noqa: F401 - builds the font cache here, once
    for name in KERNEL_MODULES:
        importlib.import_module(name)
    threads = len(os.listdir("/proc/self/task"))
    if threads != 1:      # forking a process with threads copies locks some thread may hold
        raise RuntimeError(f"the zygote has {threads} threads after its imports; it must have one")


def serve(control: str) -> None:
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(control)
    os.chmod(control, 0o600)
    server.listen(64)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)      # children are reaped by the kernel
    print("ready", flush=True)
    while True:
        conn, _ = server.accept()
        if os.fork() == 0:
            try:
                server.close()
                signal.signal(signal.SIGCHLD, signal.SIG_DFL)
                _serve(conn)
            finally:
                os._exit(0)
        conn.close()


def _serve(conn: socket.socket) -> None:
    """One kernel: read its request, build its box, start it, relay its end."""
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    request = json.loads(conn.makefile("r").readline())
    flags = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS
    _check(libc.unshare(flags), "unshare")
    libc.unshare(CLONE_NEWCGROUP)       # where cgroups allow it, like bwrap's --unshare-cgroup-try
    _own_filesystem(request["run"], request["jobs"])
    kernel = os.fork()
    if kernel == 0:
        try:
            conn.close()
            _become_kernel(request)
        finally:
            os._exit(70)
    conn.sendall(b"started\n")
    while True:
        done, status = os.waitpid(kernel, os.WNOHANG)
        if done:
            conn.sendall(f"exit {os.waitstatus_to_exitcode(status)}\n".encode())
            return
        readable, _, _ = select.select([conn], [], [], 0.2)
        if readable and not conn.recv(64):      # the launcher is gone: so is the kernel
            os.kill(kernel, signal.SIGKILL)


def _own_filesystem(run: str, jobs: str) -> None:
    """An empty, read-only ``jobs`` folder holding only this run folder (writable): no other run is
    reachable. The rest of the view (a read-only ``/tmp`` included) is the zygote's, as in every kernel."""
    _mount(None, "/", None, MS_REC | MS_PRIVATE)       # nothing mounted later reaches this box
    _mount(run, STAGE, None, MS_BIND | MS_REC)
    _mount("tmpfs", jobs, "tmpfs", MS_NOSUID | MS_NODEV, "size=64k,mode=0755")
    os.makedirs(run, mode=0o755)
    _mount(STAGE, run, None, MS_MOVE)
    _mount(None, jobs, None, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV)


def _become_kernel(request: dict) -> None:
    """Pid 1 of the new pid namespace: own /proc, limits, no capability, the request's uid, then the kernel."""
    _mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
    os.setsid()
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    limits = request["limits"]
    for name, value in (("RLIMIT_AS", limits["memory_bytes"]), ("RLIMIT_NPROC", limits["processes"]),
                        ("RLIMIT_FSIZE", limits["file_bytes"]), ("RLIMIT_NOFILE", limits["open_files"]),
                        ("RLIMIT_CORE", 0)):
        resource.setrlimit(getattr(resource, name), (value, value))
    for cap in range(64):
        libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0)
    uid = int(request["uid"])
    os.setgroups([])
    os.setresgid(uid, uid, uid)
    os.setresuid(uid, uid, uid)            # from root to a uid: every capability is gone
    _check(libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "no_new_privs")
    libc.prctl(PR_SET_DUMPABLE, 1, 0, 0, 0)   # as after an exec: its /proc/self is its own
    if os.getuid() != uid or os.geteuid() != uid:
        raise RuntimeError("the kernel kept the zygote's uid")
    null = os.open("/dev/null", os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    os.closerange(3, 65536)
    os.chdir(request["run"])
    os.environ.clear()
    os.environ.update(request["env"])
    _fresh_randomness()
    sys.argv = ["ipykernel_launcher", *request["kernel_args"]]
    from ipykernel import kernelapp
    kernelapp.launch_new_instance(argv=request["kernel_args"])


def _fresh_randomness() -> None:
    """A forked child starts with the zygote's random state: give it fresh entropy, as a new process has."""
    import random
    random.seed()
    numpy = sys.modules.get("numpy")
    if numpy is not None:
        numpy.random.seed()


if __name__ == "__main__":
    preload(sys.argv[2:])
    serve(sys.argv[1])
