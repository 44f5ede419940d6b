"""Stand in for a kernel process: ask the zygote for a kernel and live exactly as long as it does.

jupyter_client starts this as the kernel's command (``python -I -S``: standard
library only, a few milliseconds). It sends one request to the zygote's control
socket, exits with the kernel's exit code when the zygote reports it, and when
it is killed (a shutdown, a timeout) its socket closes and the zygote kills the
kernel: to jupyter_client it behaves like the kernel process itself.
"""

import socket
import sys


def main(control: str, request: str) -> int:
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    conn.connect(control)
    conn.sendall(request.encode() + b"\n")
    lines = conn.makefile("r")
    for line in lines:
        if line.startswith("exit "):
            return int(line.split()[1]) & 0xFF
    return 70       # the zygote went away without saying how the kernel ended


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
