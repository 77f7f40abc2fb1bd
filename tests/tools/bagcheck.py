#!/usr/bin/env python3
"""bagcheck.py - a small BagIt validator written apart from custody's (it
shares no code and reads the bag with Python's own libraries), so that a bag
custody writes is checked by a second implementation of RFC 8493:

    bagcheck.py BAGDIR        exit 0 and "ok" when valid, 1 and the reasons when not

It checks bagit.txt, every manifest-ALG.txt and tagmanifest-ALG.txt (md5, sha1,
sha256, sha512) against the files, that every payload file is in every
manifest and every listed file exists, and Payload-Oxum.  UTF-8 tag files only.
"""
import hashlib
import os
import sys
import urllib.parse


def lines(path):
    with open(path, "rb") as f:
        text = f.read().decode("utf-8")
    return [l for l in text.replace("\r\n", "\n").replace("\r", "\n").split("\n") if l.strip()]


def unescape(p):
    return p.replace("%0A", "\n").replace("%0D", "\r").replace("%25", "%")


def main(bag):
    bad = []
    decl = lines(os.path.join(bag, "bagit.txt"))
    if decl[:2] != ["BagIt-Version: 1.0", "Tag-File-Character-Encoding: UTF-8"]:
        bad.append("bagit.txt: %r" % decl)
    payload = set()
    for root, dirs, files in os.walk(os.path.join(bag, "data")):
        for f in files:
            payload.add(os.path.relpath(os.path.join(root, f), bag).replace(os.sep, "/"))
    manifests = [f for f in os.listdir(bag) if f.startswith(("manifest-", "tagmanifest-"))]
    if not any(m.startswith("manifest-") for m in manifests):
        bad.append("no payload manifest")
    for m in sorted(manifests):
        alg = m.split("-", 1)[1][:-4]
        listed = set()
        for l in lines(os.path.join(bag, m)):
            digest, path = l.split(None, 1)
            path = unescape(path)
            listed.add(path)
            full = os.path.join(bag, path)
            if not os.path.isfile(full):
                bad.append("%s: %s missing" % (m, path))
                continue
            h = hashlib.new(alg)
            with open(full, "rb") as f:
                for block in iter(lambda: f.read(1 << 20), b""):
                    h.update(block)
            if h.hexdigest() != digest.lower():
                bad.append("%s: %s has another %s" % (m, path, alg))
        if m.startswith("manifest-") and payload - listed:
            bad.append("%s: not listed: %s" % (m, sorted(payload - listed)))
    info = {}
    if os.path.exists(os.path.join(bag, "bag-info.txt")):
        for l in lines(os.path.join(bag, "bag-info.txt")):
            if not l[0].isspace():
                k, v = l.split(":", 1)
                info.setdefault(k.strip(), v.strip())
    if "Payload-Oxum" in info:
        size = sum(os.path.getsize(os.path.join(bag, p)) for p in payload)
        if info["Payload-Oxum"] != "%d.%d" % (size, len(payload)):
            bad.append("Payload-Oxum %s, found %d.%d" % (info["Payload-Oxum"], size, len(payload)))
    for b in bad:
        print(b)
    if not bad:
        print("ok")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
