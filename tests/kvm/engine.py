# engine.py
#
# Copyright 2026 The Guesthouse developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
# What the end-to-end tests of a test guest share: a guest on guesthouse-vmm or, as the
# reference, on QEMU's PIIX machine (-M pc), its serial line on a pipe and its control socket
# (QMP on QEMU), every wait with a deadline, and the TAP harness that runs the tests and
# prints the diagnostics of a failed one.
import json
import os
import select
import shutil
import socket
import subprocess
import sys
import tempfile
import time

DEADLINE_S = 60  # generous: /dev/kvm may be a slow software implementation
def qemu_accel():
    return os.environ.get("QEMU_ACCEL") or (
        "kvm" if os.access("/dev/kvm", os.R_OK | os.W_OK) else "tcg")


class Failure(Exception):
    pass


def check(condition, what):
    if not condition:
        raise Failure(what)


class Lines:
    """Reads a file descriptor until a text appears, with a deadline."""

    def __init__(self, fd):
        self.fd = fd
        self.buf = b""
        self.seen = b""

    def wait_for(self, text, deadline_s=DEADLINE_S):
        end = time.monotonic() + deadline_s
        while text.encode() not in self.buf:
            left = end - time.monotonic()
            check(left > 0, "%r never came; the output ends with %r" % (text, self.seen[-800:]))
            ready, _, _ = select.select([self.fd], [], [], left)
            if ready:
                chunk = os.read(self.fd, 65536)
                check(chunk, "%r never came before the output ended; it ends with %r"
                      % (text, self.seen[-800:]))
                self.buf += chunk
                self.seen += chunk
        before, _, self.buf = self.buf.partition(text.encode())
        return before.decode(errors="replace")


class Client:
    """One QMP-style control connection."""

    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(path)
        self.lines = Lines(self.sock.fileno())
        self.events = []
        greeting = json.loads(self.lines.wait_for("\n"))
        check("QMP" in greeting, "greeting %r" % greeting)
        check(self.execute("qmp_capabilities") == {"return": {}}, "qmp_capabilities")

    def read(self, deadline_s=DEADLINE_S):
        return json.loads(self.lines.wait_for("\n", deadline_s))

    def execute(self, command, **arguments):
        request = {"execute": command}
        if arguments:
            request["arguments"] = arguments
        self.sock.sendall(json.dumps(request).encode() + b"\n")
        while True:
            message = self.read()
            if "event" in message:
                self.events.append(message)
            else:
                return message

    def wait_event(self, name, deadline_s=DEADLINE_S):
        end = time.monotonic() + deadline_s
        while True:
            for i, event in enumerate(self.events):
                if event["event"] == name:
                    return self.events.pop(i)
            left = end - time.monotonic()
            check(left > 0, "no %s event within %d s; got %r" % (name, deadline_s, self.events))
            self.events.append(self.read(left))


class Engine:
    """guesthouse-vmm or QEMU running a guest, serial on a pipe, control on a socket."""

    last = None  # for the diagnostics of a failed test

    def __init__(self, engine, program, image, tmp, cmdline, vcpus=1, max_vcpus=1, extra=(),
                 qemu_machine="pc", qemu_memory=64):
        self.control = os.path.join(tmp, "control")
        if engine == "vmm":
            argv = [program, "--kernel", image, "--cmdline", cmdline, "--memory", "64",
                    "--vcpus", str(vcpus), "--max-vcpus", str(max_vcpus),
                    "--serial", "stdio", "--display", "none",
                    "--control", "unix:" + self.control] + list(extra)
        else:
            accel = qemu_accel()
            argv = [program, "-accel", accel, "-M", qemu_machine, "-kernel", image,
                    "-append", cmdline, "-m", str(qemu_memory),
                    "-smp", "%d,maxcpus=%d" % (vcpus, max_vcpus), "-nographic",
                    "-vga", "none", "-net", "none", "-no-reboot",
                    "-serial", "stdio", "-monitor", "none",
                    "-qmp", "unix:%s,server=on,wait=off" % self.control,
                    "-device", "isa-debug-exit,iobase=0xf4,iosize=4"] + list(extra)
        self.argv = argv
        Engine.last = self
        self.started = time.monotonic()
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE)
        self.serial = Lines(self.proc.stdout.fileno())
        end = time.monotonic() + DEADLINE_S
        while not self.accepting():
            check(self.proc.poll() is None, "%s ended at once: %s" % (engine, self.stderr()))
            check(time.monotonic() < end, "no control socket within %d s" % DEADLINE_S)
            time.sleep(0.01)
        self.client = Client(self.control)

    def accepting(self):
        probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            probe.connect(self.control)
            return True
        except OSError:
            return False
        finally:
            probe.close()

    def stderr(self):
        if self.proc.poll() is None:
            return ""
        if not hasattr(self, "err"):
            self.err = self.proc.stderr.read().decode(errors="replace")
        return self.err

    def diagnose(self):
        """The command, serial output and stderr, as TAP comments."""
        self.kill()
        # What the guest wrote that no wait had read yet: the engine is gone, so this ends.
        self.serial.seen += self.proc.stdout.read()
        text = "command: %s\n--- serial ---\n%s\n--- stderr ---\n%s" % (
            " ".join(self.argv), self.serial.seen.decode(errors="replace").replace("\r", ""),
            self.stderr())
        for line in text.splitlines():
            print("# " + line)

    def wait(self):
        try:
            return self.proc.wait(DEADLINE_S)
        except subprocess.TimeoutExpired:
            self.kill()
            raise Failure("the engine did not exit within %d s" % DEADLINE_S)

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def run(name, tests):
    """main() of a test script: NAME vmm VMM IMAGE | NAME qemu IMAGE. Each test is called
    as test(engine, program, image, tmp) and returns a note for its TAP line."""
    if len(sys.argv) != {"vmm": 4, "qemu": 3}.get(sys.argv[1] if len(sys.argv) > 1 else "", 0):
        print("usage: %s vmm VMM IMAGE | qemu IMAGE" % name, file=sys.stderr)
        sys.exit(99)
    engine = sys.argv[1]
    image = sys.argv[-1]
    if not os.access(image, os.R_OK):
        print("%s: no image %s" % (name, image), file=sys.stderr)
        sys.exit(99)
    if engine == "vmm":
        program = sys.argv[2]
        if not os.access("/dev/kvm", os.R_OK | os.W_OK):
            print("1..0 # SKIP /dev/kvm is missing or not accessible to this user")
            sys.exit(77)
        if not os.access(program, os.X_OK):
            print("1..0 # SKIP %s is not built" % program)
            sys.exit(77)
    else:
        program = shutil.which(os.environ.get("QEMU", "qemu-system-x86_64"))
        if program is None:
            print("1..0 # SKIP %s is not installed" % os.environ.get("QEMU", "qemu-system-x86_64"))
            sys.exit(77)
    print("1..%d" % len(tests))
    failed = False
    for n, test in enumerate(tests, 1):
        with tempfile.TemporaryDirectory(prefix="gh-%s-" % name) as tmp:
            Engine.last = None
            try:
                note = test(engine, program, image, tmp)
                print("ok %d - %s %s%s" % (n, engine, test.__name__, ": " + note if note else ""))
                if os.environ.get("TEST_VERBOSE"):
                    Engine.last.diagnose()
            except (Failure, EOFError, OSError, KeyError, ValueError, TypeError) as e:
                print("not ok %d - %s %s: %s: %s" % (n, engine, test.__name__,
                                                      type(e).__name__, e))
                failed = True
                if Engine.last is not None:
                    Engine.last.diagnose()
    sys.exit(1 if failed else 0)
