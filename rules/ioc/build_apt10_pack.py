#!/usr/bin/env python3
"""Builds trawl's built-in APT10 / menuPass / Cloud Hopper indicator pack (rules/ioc/apt10.tsv) from the public
lists staged under shared/data/ioc/apt10, and embeds it together with rules/ioc/fields.yml into
src/ioc/ioc_embedded.inc (so the trawl binary works from any directory).

The pack keeps only facts: indicator values (normalised, de-duplicated), each with the public list(s) and
line(s) it came from. Attribution and licences: NOTICE-IOC.md.

Usage:
  rules/ioc/build_apt10_pack.py [--data ../shared/data/ioc/apt10]   # regenerate apt10.tsv and the .inc
  rules/ioc/build_apt10_pack.py --embed-only                         # re-embed after editing fields.yml
"""
import argparse
import ipaddress
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
LEVELS = ["informational", "low", "medium", "high", "critical"]

HEX = re.compile(r"^[0-9a-fA-F]+$")
DOMAIN = re.compile(r"^(?=.{1,253}$)([A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?\.)+[A-Za-z0-9_-]*[A-Za-z][A-Za-z0-9_-]*$")


class Pack:
    def __init__(self):
        self.entries = {}  # (type, value) -> dict
        self.order = []

    def add(self, typ, value, level, label, source):
        key = (typ, value)
        e = self.entries.get(key)
        if e is None:
            e = {"type": typ, "value": value, "level": level, "label": label, "sources": [source]}
            self.entries[key] = e
            self.order.append(key)
            return
        if source not in e["sources"]:
            e["sources"].append(source)
        if LEVELS.index(level) > LEVELS.index(e["level"]):
            e["level"] = level

    def write(self, path):
        with open(path, "w", encoding="utf-8", newline="\n") as f:
            f.write("type\tvalue\tlevel\tlabel\tsource\texclude\n")
            for key in self.order:
                e = self.entries[key]
                value, exclude = e["value"], ""
                if e["type"] == "file_regex" and "\t" in value:
                    value, exclude = value.split("\t", 1)
                cells = [e["type"], value, e["level"], e["label"], "; ".join(e["sources"]), exclude]
                for c in cells:
                    assert "\t" not in c and "\n" not in c and not c.startswith('"'), c
                f.write("\t".join(cells) + "\n")


def classify(v):
    """Type and normalised value of one list entry, as trawl's loader infers them (see ioc_value.cpp)."""
    v = v.strip()
    if HEX.match(v) and len(v) in (32, 40, 64):
        return {32: "md5", 40: "sha1", 64: "sha256"}[len(v)], v.lower()
    if "://" in v:
        scheme, rest = v.split("://", 1)
        host_end = len(rest)
        for ch in "/?#":
            p = rest.find(ch)
            if p >= 0:
                host_end = min(host_end, p)
        return "url", scheme.lower() + "://" + rest[:host_end].lower() + rest[host_end:]
    m = re.match(r"^(\d+\.\d+\.\d+\.\d+)(?::\d+)?$", v)
    if m:
        return "ip", str(ipaddress.ip_address(m.group(1)))
    d = v[:-1] if v.endswith(".") else v
    if DOMAIN.match(d):
        return "domain_tree", d.lower()
    raise ValueError("unrecognised entry: %r" % v)


def lines(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        for n, line in enumerate(f, 1):
            yield n, line.rstrip("\r\n")


def plain_list(pack, data, rel, label, level, skip_header=None):
    for n, line in lines(os.path.join(data, rel)):
        s = line.strip()
        if not s or s.startswith("#") or s == skip_header:
            continue
        typ, value = classify(s.split(";")[0])
        pack.add(typ, value, level, label, "%s:%d" % (rel, n))


def loki_score_level(score):
    return "high" if score >= 75 else "medium" if score >= 50 else "low"


def build(data):
    pack = Pack()
    # Palo Alto Networks Unit 42: menuPass SHA256s and domains (header line "SHA256" skipped).
    plain_list(pack, data, "pan-unit42/menuPass", "menuPass (Unit 42)", "high", skip_header="SHA256")
    # Maltrail trails: menuPass (APT10), Hogfish, ANEL/UPPERCUT; sinkhole addresses are low: a hit means a
    # menuPass domain resolved to a sinkhole, not live C2.
    plain_list(pack, data, "maltrail/apt_menupass.txt", "menuPass / APT10 (Maltrail)", "high")
    plain_list(pack, data, "maltrail/apt_hogfish.txt", "Hogfish / APT10 (Maltrail)", "high")
    plain_list(pack, data, "maltrail/anel.txt", "ANEL / UPPERCUT, APT10 tooling (Maltrail)", "high")
    plain_list(pack, data, "maltrail/sinkhole_menupass.txt",
               "sinkhole for menuPass domains (Maltrail): resolved to a sinkhole, not live C2", "low")
    # Florian Roth's signature-base (LOKI lists), APT10 parts only.
    rel = "signature-base/hash-iocs.txt"
    for n, line in lines(os.path.join(data, rel)):
        s = line.strip()
        if not s or s.startswith("#") or ";" not in s:
            continue
        value, comment = s.split(";", 1)
        if "apt10" not in comment.lower():
            continue
        typ, value = classify(value)
        pack.add(typ, value, "high", "APT10: " + comment.strip()[:180] + " (signature-base)", "%s:%d" % (rel, n))
    rel = "signature-base/c2-iocs.txt"
    section = ""
    for n, line in lines(os.path.join(data, rel)):
        s = line.strip()
        if s.startswith("#"):
            if s.strip("# -"):
                section = s.lstrip("# ").strip()
            continue
        if not s or not section.startswith("APT10 C2 IOCs"):
            continue
        typ, value = classify(s.split(";")[0])
        pack.add(typ, value, "high", "APT10 C2 (signature-base, AlienVault OTX)", "%s:%d" % (rel, n))
    rel = "signature-base/filename-iocs.txt"
    wanted = ("Cloud Hopper", "RedLeaves Hogfish", "US CERT Alert (TA17-117A)")
    section = ""
    for n, line in lines(os.path.join(data, rel)):
        s = line.strip()
        if s.startswith("#"):
            if s.strip("# -"):
                section = s.lstrip("# ").strip()
            continue
        if not s or not section.startswith(wanted):
            continue
        parts = s.split(";")
        regex, score = parts[0].strip(), int(parts[1])
        value = regex + ("\t" + parts[2].strip() if len(parts) > 2 and parts[2].strip() else "")
        label = re.sub(r"\s*https?://\S+", "", section).strip(" -") + " (signature-base, LOKI score %d)" % score
        pack.add("file_regex", value, loki_score_level(score), label, "%s:%d" % (rel, n))
    # RedDrip7 APT_Digital_Weapon: MD5s of samples attributed to APT10 (family column noisy: medium).
    rel = "reddrip7/APT10_hash.md"
    for n, line in lines(os.path.join(data, rel)):
        m = re.match(r"^\|\[([0-9a-fA-F]{32})\]", line)
        if not m:
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        family = cells[2] if len(cells) > 2 else ""
        label = "APT10 sample (RedDrip7)" + (", family " + family if family else "")
        pack.add("md5", m.group(1).lower(), "medium", label, "%s:%d" % (rel, n))
    return pack


def embed():
    def chunks(text):
        out, cur = [], ""
        for line in text.splitlines(keepends=True):
            if len(cur) + len(line) > 16000 and cur:
                out.append(cur)
                cur = ""
            cur += line
        if cur:
            out.append(cur)
        for c in out:
            assert ")TRAWL_IOC\"" not in c
        return out or [""]

    pack = open(os.path.join(HERE, "apt10.tsv"), encoding="utf-8").read()
    fields = open(os.path.join(HERE, "fields.yml"), encoding="utf-8").read()
    dst = os.path.join(ROOT, "src", "ioc", "ioc_embedded.inc")
    with open(dst, "w", encoding="utf-8", newline="\n") as f:
        f.write("// Generated by rules/ioc/build_apt10_pack.py from rules/ioc/apt10.tsv and rules/ioc/fields.yml.\n")
        f.write("// Do not edit: edit those files and re-run the script (IocPack.EmbeddedMatchesFiles checks this).\n")
        for name, text in (("kApt10Chunks", pack), ("kFieldsChunks", fields)):
            f.write("constexpr const char* %s[] = {\n" % name)
            for c in chunks(text):
                f.write('R"TRAWL_IOC(' + c + ')TRAWL_IOC",\n')
            f.write("};\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=os.path.join(ROOT, "..", "shared", "data", "ioc", "apt10"))
    ap.add_argument("--embed-only", action="store_true")
    a = ap.parse_args()
    if not a.embed_only:
        pack = build(a.data)
        pack.write(os.path.join(HERE, "apt10.tsv"))
        counts = {}
        for e in pack.entries.values():
            counts[e["type"]] = counts.get(e["type"], 0) + 1
        print("apt10.tsv: %d indicators %s" % (len(pack.entries), dict(sorted(counts.items()))))
    embed()
    return 0


if __name__ == "__main__":
    sys.exit(main())
