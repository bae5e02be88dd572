# biostest.py
#
# Copyright 2026 The Guesthouse developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
# What the firmware-boot tests (test-install, test-disk-boot) share: starting a PC with
# SeaBIOS on an engine (QEMU -M pc, or guesthouse-vmm without --kernel), its serial line,
# its control socket (QMP, or ours, which speaks the same), screendumps (PNG) and reading
# lines of text off a VGA text screen.
# Python 3 standard library only. Results are TAP lines; exit 77 (with the reason on
# stderr) when something the test needs is missing.

import json
import os
import re
import select
import shutil
import socket
import struct
import subprocess
import sys
import time
import zlib

# The verdicts (tests/guests/runtime/guest-exit.h): (V << 1) | 1.
STATUS_PASS = 33
STATUS_POWER_OFF = 0

TIMEOUT_S = float(os.environ.get("BIOS_TEST_TIMEOUT", "90"))

SEABIOS_FILES = ("bios-256k.bin", "vgabios-stdvga.bin")
VGA_ROM = "vgabios-stdvga.bin"
VMM_SEABIOS_DIR = "/usr/share/seabios"
# The font our VMM draws text with, from the source tree this script is in.
VMM_FONT_C = os.path.join(os.path.dirname(os.path.realpath(__file__)), os.pardir, os.pardir,
                          os.pardir, "src", "vmm", "display", "vga-font.c")

TEXT_COLS, TEXT_ROWS = 80, 25
CELL_W, CELL_H = 9, 16


class Failure(Exception):
    pass


def check(cond, what):
    if not cond:
        raise Failure(what)


def skip(reason):
    print("1..0 # SKIP " + reason)
    print("SKIP: " + reason, file=sys.stderr)
    sys.exit(77)


def usage(text):
    print("usage: " + text, file=sys.stderr)
    sys.exit(99)


class Tap:
    def __init__(self):
        self.results = []

    def run(self, name, fn, *args):
        """Runs fn (which returns a detail string) as one test point; True if it passed."""
        start = time.monotonic()
        try:
            detail = fn(*args)
            ok = True
        except Failure as e:
            detail, ok = str(e), False
        ms = (time.monotonic() - start) * 1000
        print("%s %d - %s (%.0f ms)%s" % ("ok" if ok else "not ok", len(self.results) + 1,
                                         name, ms, (": " + detail) if detail else ""))
        sys.stdout.flush()
        self.results.append(ok)
        return ok

    def not_run(self, name, why):
        print("not ok %d - %s: not run, %s" % (len(self.results) + 1, name, why))
        self.results.append(False)

    def finish(self):
        print("1..%d" % len(self.results))
        sys.exit(0 if all(self.results) else 1)


# ---- engines ----------------------------------------------------------------------------


def kvm_usable():
    return os.access("/dev/kvm", os.R_OK | os.W_OK)


class Engine:
    """qemu [--accel kvm|tcg] or vmm PATH: how to start a PC with SeaBIOS on it."""

    def __init__(self, argv, usage_text):
        if not argv:
            usage(usage_text)
        self.kind = argv.pop(0)
        self.accel = None
        if self.kind == "qemu":
            self.program = os.environ.get("QEMU", "qemu-system-x86_64")
            if argv and argv[0] == "--accel":
                if len(argv) < 2 or argv[1] not in ("kvm", "tcg"):
                    usage(usage_text)
                self.accel = argv[1]
                del argv[:2]
        elif self.kind == "vmm":
            if not argv:
                usage(usage_text)
            self.program = argv.pop(0)
        else:
            usage(usage_text)

    def check_available(self):
        if self.kind == "qemu":
            path = shutil.which(self.program)
            if path is None:
                skip("%s is not installed" % self.program)
            if self.accel is None:
                self.accel = "kvm" if kvm_usable() else "tcg"
            elif self.accel == "kvm" and not kvm_usable():
                skip("-accel kvm asked for, but /dev/kvm is not accessible")
            # Where this QEMU looks for firmware: one directory a line.
            out = subprocess.run([path, "-L", "help"], stdout=subprocess.PIPE,
                                 stderr=subprocess.DEVNULL, text=True).stdout
            dirs = [d.strip() for d in out.splitlines() if d.strip()]
            for name in SEABIOS_FILES:
                if not any(os.path.exists(os.path.join(d, name)) for d in dirs):
                    skip("%s finds no %s (in %s): install seabios"
                         % (self.program, name, ", ".join(dirs) or "no directory"))
            self.vga_rom = next(os.path.normpath(os.path.join(d, VGA_ROM)) for d in dirs
                                if os.path.exists(os.path.join(d, VGA_ROM)))
        else:
            if not os.path.exists("/dev/kvm"):
                skip("no /dev/kvm")
            if not kvm_usable():
                skip("/dev/kvm is not accessible")
            if not os.access(self.program, os.X_OK):
                skip("%s is not built" % self.program)
            for name in SEABIOS_FILES:
                if not os.path.exists(os.path.join(VMM_SEABIOS_DIR, name)):
                    skip("no %s/%s: install seabios" % (VMM_SEABIOS_DIR, name))
            self.vga_rom = os.path.join(VMM_SEABIOS_DIR, VGA_ROM)

    def fonts(self):
        """{name: font} for the fonts the engine's text screen may be drawn with: QEMU draws
        the font the VGA BIOS loaded into plane 2; our VMM has one of its own, and may come
        to use plane 2 as well."""
        fonts = {}
        if self.kind == "vmm" and os.path.exists(VMM_FONT_C):
            fonts["src/vmm/display/vga-font.c"] = c_font(VMM_FONT_C)
        rom = rom_font(self.vga_rom)
        if rom is not None:
            fonts["the 8x16 font in " + self.vga_rom] = rom
        return fonts

    def describe(self):
        if self.kind == "qemu":
            return "QEMU -M pc -accel %s" % self.accel
        return "guesthouse-vmm"

    def command(self, drives, boot, tmp, name, control):
        """The command line for a PC with drives [(path, "cdrom"|"ide"|"virtio")] booting
        from boot ("cdrom" or "disk") with COM1 on stdio. Returns (argv, control socket
        path or None)."""
        control_path = os.path.join(tmp, name + "-control") if control else None
        if self.kind == "qemu":
            argv = [self.program, "-M", "pc", "-accel", self.accel, "-m", "64",
                    "-display", "none", "-vga", "std", "-nic", "none", "-no-reboot",
                    "-serial", "stdio", "-monitor", "none",
                    "-device", "isa-debug-exit,iobase=0xf4,iosize=4",
                    "-boot", "order=" + {"cdrom": "d", "disk": "c"}[boot]]
            # The hard disk as primary master, the CD as secondary master (where -cdrom
            # puts it); a virtio disk on the PCI bus.
            for n, (path, kind) in enumerate(drives):
                file = "file=%s,format=raw" % path.replace(",", ",,")
                if kind == "cdrom":
                    argv += ["-drive", file + ",if=ide,index=2,media=cdrom"]
                elif kind == "ide":
                    argv += ["-drive", file + ",if=ide,index=0,media=disk"]
                else:
                    argv += ["-drive", file + ",if=none,id=d%d" % n,
                             "-device", "virtio-blk-pci,drive=d%d,disable-legacy=on" % n]
            if control:
                argv += ["-qmp", "unix:%s,server=on,wait=off" % control_path]
        else:
            # Firmware boots the machine when there is no --kernel.
            argv = [self.program, "--memory", "64"]
            for path, kind in drives:
                if kind == "cdrom":
                    argv += ["--disk", "path=%s,media=cdrom,bus=ide" % path]
                else:
                    argv += ["--disk", "path=%s,bus=%s" % (path, kind)]
            argv += ["--boot", {"cdrom": "cdrom,disk", "disk": "disk"}[boot],
                     "--serial", "stdio"]
            if control:
                argv += ["--display", "vnc=unix:" + os.path.join(tmp, name + "-vnc"),
                         "--control", "unix:" + control_path]
        return argv, control_path


class Lines:
    """Reads a file descriptor with a deadline, keeping everything it read."""

    def __init__(self, fd):
        self.fd = fd
        self.data = b""
        self.eof = False

    def read_some(self, end):
        left = end - time.monotonic()
        if left <= 0:
            return False
        ready, _, _ = select.select([self.fd], [], [], left)
        if ready:
            chunk = os.read(self.fd, 65536)
            if chunk:
                self.data += chunk
            else:
                self.eof = True
        return True

    def wait_for(self, text, end):
        """True once text has been read; False at the deadline or the end of input."""
        while text.encode() not in self.data:
            if self.eof or not self.read_some(end):
                return False
        return True

    def drain(self, end):
        while not self.eof and self.read_some(end):
            pass

    def text(self):
        return self.data.decode(errors="replace").replace("\r", "")


class Control:
    """A QMP client; our control socket speaks the same."""

    def __init__(self, path, proc, end):
        while not os.path.exists(path):
            check(proc.poll() is None, "the engine exited (status %s) before its control "
                  "socket %s appeared" % (proc.returncode, path))
            check(time.monotonic() < end, "no control socket %s" % path)
            time.sleep(0.01)
        self.sock = socket.socket(socket.AF_UNIX)
        self.sock.connect(path)
        self.reader = Lines(self.sock.fileno())
        self.pos = 0
        self.events = []
        greeting = self.message(end)
        check("QMP" in greeting, "not a QMP greeting: %r" % greeting)
        self.ok("qmp_capabilities", end)

    def message(self, end):
        """The next JSON object, None at the end of the connection."""
        while b"\n" not in self.reader.data[self.pos:]:
            if self.reader.eof:
                return None
            check(self.reader.read_some(end), "no reply on the control socket in time")
        line_end = self.reader.data.index(b"\n", self.pos)
        line = self.reader.data[self.pos:line_end]
        self.pos = line_end + 1
        return json.loads(line)

    def command(self, name, end, **arguments):
        request = {"execute": name}
        if arguments:
            request["arguments"] = arguments
        self.sock.sendall(json.dumps(request).encode() + b"\n")
        while True:
            message = self.message(end)
            check(message is not None, "the control socket closed before answering %s" % name)
            if "event" in message:
                self.events.append(message)
            else:
                return message

    def ok(self, name, end, **arguments):
        reply = self.command(name, end, **arguments)
        check("return" in reply, "%s %r: %r" % (name, arguments, reply))
        return reply["return"]

    def remaining_events(self, end):
        """Every event until the engine closes the connection."""
        while True:
            try:
                message = self.message(end)
            except Failure:
                break
            if message is None:
                break
            if "event" in message:
                self.events.append(message)
        return self.events

    def close(self):
        self.sock.close()


class Machine:
    """One run of an engine: COM1 on a pipe both ways, stderr kept, a deadline."""

    def __init__(self, engine, drives, boot, tmp, name, control=False):
        self.argv, control_path = engine.command(drives, boot, tmp, name, control)
        self.end = time.monotonic() + TIMEOUT_S
        self.stderr_path = os.path.join(tmp, name + "-stderr")
        self.stderr = open(self.stderr_path, "wb")
        self.start = time.monotonic()
        self.proc = subprocess.Popen(self.argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=self.stderr)
        self.serial = Lines(self.proc.stdout.fileno())
        self.control = None
        try:
            if control_path:
                self.control = Control(control_path, self.proc, self.end)
        except BaseException:
            self.kill()
            raise

    def command_line(self):
        return " ".join(self.argv)

    def send_serial(self, data):
        self.proc.stdin.write(data)
        self.proc.stdin.flush()

    def wait_for_line(self, text):
        if not self.serial.wait_for(text, self.end):
            self.kill()
            raise Failure("%r never came on the serial line (%s); %s"
                          % (text, "the engine exited" if self.serial.eof else
                             "timed out after %.0f s" % TIMEOUT_S, self.report()))

    def wait(self):
        """The exit status; the serial output is complete afterwards."""
        self.serial.drain(self.end)
        left = self.end - time.monotonic()
        try:
            status = self.proc.wait(max(left, 0.1))
        except subprocess.TimeoutExpired:
            self.kill()
            raise Failure("the engine did not stop within %.0f s; %s"
                          % (TIMEOUT_S, self.report()))
        self.elapsed = time.monotonic() - self.start
        return status

    def report(self):
        with open(self.stderr_path, "rb") as f:
            err = f.read().decode(errors="replace").strip()
        return ("serial output %r, stderr %r; command: %s"
                % (self.serial.text()[-600:], err[-600:], self.command_line()))

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        if self.control:
            self.control.close()
        self.stderr.close()


# ---- screendumps ------------------------------------------------------------------------


def png_decode(data):
    """(width, height, rgb bytes) of an 8-bit RGB or RGBA PNG without interlacing."""
    check(data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG signature: %r" % data[:8])
    pos, ihdr, idat = 8, None, []
    while pos + 8 <= len(data):
        length, kind = struct.unpack_from(">I4s", data, pos)
        body = data[pos + 8:pos + 8 + length]
        check(len(body) == length, "PNG chunk %r truncated" % kind)
        pos += 12 + length
        if kind == b"IHDR":
            ihdr = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat.append(body)
        elif kind == b"IEND":
            break
    check(ihdr is not None, "PNG without IHDR")
    width, height, depth, colour, _, _, interlace = ihdr
    check(depth == 8 and colour in (2, 6) and interlace == 0, "unsupported PNG %r" % (ihdr,))
    bpp = 3 if colour == 2 else 4
    raw = zlib.decompress(b"".join(idat))
    stride = width * bpp
    check(len(raw) == height * (stride + 1), "PNG image data of the wrong size")
    out = bytearray()
    prev = bytearray(stride)
    for y in range(height):
        ftype = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if ftype == 1:
                line[i] = (line[i] + a) & 0xff
            elif ftype == 2:
                line[i] = (line[i] + b) & 0xff
            elif ftype == 3:
                line[i] = (line[i] + (a + b) // 2) & 0xff
            elif ftype == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line[i] = (line[i] + pred) & 0xff
            else:
                check(ftype == 0, "PNG filter type %d" % ftype)
        prev = line
        if bpp == 4:
            del line[3::4]
        out += line
    return width, height, bytes(out)


def screendump(control, path, end):
    """(width, height, rgb bytes) of the screen, through a PNG file."""
    control.ok("screendump", end, filename=path, format="png")
    with open(path, "rb") as f:
        return png_decode(f.read())


def text_cells(width, height, rgb):
    """The 80x25 cells of a 720x400 text screen, each as 16 rows of 8 bits (foreground
    pixels of the glyph's 8 columns). A cell's background is the colour of its ninth
    column's top pixel: the ninth column is background for all but the line-drawing
    characters, and no glyph of the text we look for reaches the top row."""
    cells = []
    for row in range(TEXT_ROWS):
        cells_row = []
        for col in range(TEXT_COLS):
            x0, y0 = col * CELL_W, row * CELL_H
            bg_at = 3 * (y0 * width + x0 + 8)
            bg = rgb[bg_at:bg_at + 3]
            bits = []
            for y in range(y0, y0 + CELL_H):
                v = 0
                for x in range(x0, x0 + 8):
                    p = 3 * (y * width + x)
                    v = v << 1 | (rgb[p:p + 3] != bg)
                bits.append(v)
            cells_row.append(tuple(bits))
        cells.append(cells_row)
    return cells


EMPTY = (0,) * CELL_H


def find_text(cells, lines):
    """Where lines (each shorter than a screen row) are on the screen, one a row, each from
    column 0 and nothing after it on its row. Without knowing the font (the VGA BIOS loads
    its own, and an engine may draw with another), the glyphs are checked for consistency
    with the text: a blank cell for each space, the same glyph wherever the same character
    is, and a different one for each different character. Returns the first row; raises
    Failure naming the first inconsistency at the most plausible row."""
    best = None
    for top in range(TEXT_ROWS - len(lines) + 1):
        glyph_of, char_of, matched, problem = {}, {}, 0, None
        for n, line in enumerate(lines):
            row = cells[top + n]
            for col in range(TEXT_COLS):
                cell = row[col]
                where = "row %d column %d" % (top + n, col)
                if col >= len(line):
                    if cell != EMPTY:
                        problem = "%s, after the end of %r, is not blank" % (where, line)
                elif line[col] == " ":
                    if cell != EMPTY:
                        problem = "%s is not blank where %r has a space" % (where, line)
                elif cell == EMPTY:
                    problem = "%s is blank where %r has %r" % (where, line, line[col])
                elif glyph_of.setdefault(line[col], cell) != cell:
                    problem = "%s shows another glyph for %r than before" % (where, line[col])
                elif char_of.setdefault(cell, line[col]) != line[col]:
                    problem = "%s shows the glyph of %r for %r" % (where, char_of[cell],
                                                                   line[col])
                if problem:
                    break
                matched += 1
            if problem:
                break
        if problem is None:
            return top, len(glyph_of)
        if best is None or matched > best[0]:
            best = (matched, problem)
    raise Failure("the lines are not on the screen; the closest match fails at: %s; the "
                  "screen's non-blank cells:\n%s" % (best[1], screen_map(cells)))


def screen_map(cells):
    return "\n".join("# |" + "".join(" " if c == EMPTY else "#" for c in row).rstrip()
                     for row in cells)


# ---- fonts ------------------------------------------------------------------------------


def c_font(path):
    """{code: 16 rows} from a C table of [0xNN] = { 16 bytes } entries (vga-font.c)."""
    with open(path) as f:
        text = f.read()
    font = {}
    for m in re.finditer(r"\[0x([0-9a-fA-F]{2})\]\s*=\s*\{(.*?)\}", text, re.S):
        body = re.sub(r"/\*.*?\*/", "", m.group(2), flags=re.S)
        rows = tuple(int(v, 16) for v in re.findall(r"0x([0-9a-fA-F]{2})\b", body))
        if len(rows) == CELL_H:
            font[int(m.group(1), 16)] = rows
    return font if len(font) == 256 else None


def rom_font(path):
    """The 8x16 code page 437 font in a VGA BIOS image, the one it loads for text modes:
    the one 4096-byte table in which NUL and space are blank and 0xDB (full block) is all
    ones. None when there is not exactly one."""
    with open(path, "rb") as f:
        data = f.read()
    full, blank = b"\xff" * CELL_H, bytes(CELL_H)
    found = [o for o in range(len(data) - 256 * CELL_H + 1)
             if data[o + 0xdb * CELL_H:o + 0xdc * CELL_H] == full
             and data[o:o + CELL_H] == blank
             and data[o + 0x20 * CELL_H:o + 0x21 * CELL_H] == blank
             and data[o + 0x41 * CELL_H:o + 0x42 * CELL_H] != blank]
    if len(found) != 1:
        return None
    o = found[0]
    return {c: tuple(data[o + c * CELL_H:o + (c + 1) * CELL_H]) for c in range(256)}


def screen_text(cells, font):
    """The screen's rows as text, read with font ('?' for a glyph not in it), without
    trailing blanks."""
    code_of = {}
    for code in sorted(font, reverse=True):
        code_of[font[code]] = code
    return ["".join(chr(code_of[c]) if code_of.get(c, 0) >= 0x20 and code_of[c] < 0x7f
                    else ("?" if c != EMPTY else " ") for c in row).rstrip()
            for row in cells]


def read_with_font(cells, top, lines, font):
    """None if rows top... show exactly lines (and blanks after them) in font, else where
    they do not."""
    for n, line in enumerate(lines):
        for col in range(TEXT_COLS):
            code = ord(line[col]) if col < len(line) else 0x20
            if cells[top + n][col] != font[code]:
                return "row %d column %d is not %r" % (top + n, col, chr(code))
    return None
