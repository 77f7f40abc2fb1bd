#!/usr/bin/env python3
"""hostile_tar.py - tars a hostile sender could send, for tests/cli/bag.bats.

    hostile_tar.py CASE OUT.tar [OUTSIDE]

OUTSIDE is a directory beside the receiver's work directory (the canary): the
cases that try to write there aim at it.  Built with Python's tarfile module,
independently of custody's own writer.  `hostile_tar.py list` prints the cases.
"""
import gzip
import hashlib
import io
import sys
import tarfile

TOP = "transfer-9"


def member(name, data=b"", kind=tarfile.REGTYPE, link="", size=None):
    ti = tarfile.TarInfo(name)
    ti.type = kind
    ti.mode = 0o644
    ti.linkname = link
    ti.size = len(data) if size is None else size
    if kind != tarfile.REGTYPE:
        ti.size = 0
    return ti, (io.BytesIO(data) if kind == tarfile.REGTYPE else None)


def bag_files(payload):
    """A valid bag's tag files for payload {path: bytes}."""
    man = "".join("%s  %s\n" % (hashlib.sha256(d).hexdigest(), p) for p, d in payload.items())
    files = dict(payload)
    files["bagit.txt"] = b"BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n"
    files["manifest-sha256.txt"] = man.encode()
    files["bag-info.txt"] = ("Payload-Oxum: %d.%d\n" % (
        sum(len(d) for d in payload.values()), len(payload))).encode()
    return files


def write(out, members, fmt=tarfile.PAX_FORMAT):
    kw = {"name": out} if isinstance(out, str) else {"fileobj": out}
    with tarfile.open(mode="w", format=fmt, **kw) as t:
        for ti, f in members:
            t.addfile(ti, f)


def good(extra=()):
    ms = [member(TOP + "/", kind=tarfile.DIRTYPE)]
    for p, d in bag_files({"data/a.txt": b"alpha\n"}).items():
        ms.append(member(TOP + "/" + p, d))
    return ms + list(extra)


def case(name, out, outside):
    if name == "good":
        write(out, good())
    elif name == "dotdot":
        write(out, good([member(TOP + "/data/../../../" + outside.lstrip("/") + "/x", b"x"),
                         member(TOP + "/../escaped", b"x")]))
    elif name == "absolute":
        write(out, good([member(outside + "/abs", b"x")]))
    elif name == "symlink":
        # a link into the canary, then a file written through it
        write(out, good([member(TOP + "/data/l", kind=tarfile.SYMTYPE, link=outside),
                         member(TOP + "/data/l/through", b"x")]))
    elif name == "hardlink":
        write(out, good([member(TOP + "/data/h", kind=tarfile.LNKTYPE, link=TOP + "/data/a.txt")]))
    elif name == "hardlink-outside":
        write(out, good([member(TOP + "/data/h", kind=tarfile.LNKTYPE, link=outside + "/canary")]))
    elif name == "device":
        write(out, good([member(TOP + "/data/null", kind=tarfile.CHRTYPE)]))
    elif name == "fifo":
        write(out, good([member(TOP + "/data/p", kind=tarfile.FIFOTYPE)]))
    elif name == "case-collision":
        write(out, good([member(TOP + "/data/A.txt", b"upper")]))
    elif name == "nfc-collision":
        write(out, good([member(TOP + "/data/Nu\u0301n\u0303ez", b"nfd"),
                         member(TOP + "/data/N\u00fa\u00f1ez", b"nfc")]))
    elif name == "two-tops":
        write(out, good([member("other/data/x", b"x")]))
    elif name == "beside-top":
        write(out, good([member("README", b"x")]))
    elif name == "missing-file":
        # the manifest names data/b.txt, which the tar lacks
        ms = [member(TOP + "/", kind=tarfile.DIRTYPE)]
        files = bag_files({"data/a.txt": b"alpha\n", "data/b.txt": b"beta\n"})
        del files["data/b.txt"]
        ms += [member(TOP + "/" + p, d) for p, d in files.items()]
        write(out, ms)
    elif name == "extra-file":
        write(out, good([member(TOP + "/data/unlisted.txt", b"surprise\n")]))
    elif name == "oxum-lies":
        ms = [member(TOP + "/", kind=tarfile.DIRTYPE)]
        files = bag_files({"data/a.txt": b"alpha\n"})
        files["bag-info.txt"] = b"Payload-Oxum: 1.1\n"
        ms += [member(TOP + "/" + p, d) for p, d in files.items()]
        write(out, ms)
    elif name == "size-lies":
        # the header declares 100000 bytes; 6 follow and the tar ends
        buf = io.BytesIO()
        write(buf, good())
        ti = tarfile.TarInfo(TOP + "/data/big")
        ti.size = 100000
        raw = buf.getvalue()
        raw = raw[:raw.rfind(b"\0" * 1024)] if raw.endswith(b"\0" * 1024) else raw
        raw = raw.rstrip(b"\0")
        raw += b"\0" * (-len(raw) % 512)
        raw += ti.tobuf(tarfile.USTAR_FORMAT) + b"alpha\n"
        open(out, "wb").write(raw)
    elif name == "bomb":
        # 64 MiB of zeros: small once compressed, refused by --max-total here
        write(out, good([member(TOP + "/data/zeros", b"\0" * (64 << 20))]))
    elif name == "many-files":
        write(out, good([member(TOP + "/data/f%05d" % i, b"") for i in range(2000)]))
    elif name == "truncated":
        buf = io.BytesIO()
        write(buf, good([member(TOP + "/data/more", b"m" * 5000)]))
        raw = buf.getvalue()
        open(out, "wb").write(raw[:raw.find(b"m" * 100) + 100])  # inside data/more
    elif name == "gzip":
        buf = io.BytesIO()
        write(buf, good())
        open(out, "wb").write(gzip.compress(buf.getvalue()))
    elif name == "not-a-tar":
        open(out, "wb").write(b"this is not a tar\n" * 100)
    else:
        sys.exit("hostile_tar.py: no case " + name)


CASES = ["good", "dotdot", "absolute", "symlink", "hardlink", "hardlink-outside", "device",
         "fifo", "case-collision", "nfc-collision", "two-tops", "beside-top", "missing-file",
         "extra-file", "oxum-lies", "size-lies", "bomb", "many-files", "truncated", "gzip",
         "not-a-tar"]

if __name__ == "__main__":
    if len(sys.argv) == 2 and sys.argv[1] == "list":
        print("\n".join(CASES))
    elif len(sys.argv) in (3, 4):
        case(sys.argv[1], sys.argv[2], sys.argv[3] if len(sys.argv) == 4 else "/nonexistent")
    else:
        sys.exit(__doc__)
