#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Check that every module's SYNOPSIS matches its code.

Each module starts with a manual-page comment (/*++ ... SYNOPSIS ...
/*--*/). Every function the SYNOPSIS lists, as "type name(arg, ...)",
must be defined in the tree with the same argument names in the same
order. Usage: synopsis-check.py SRCDIR (the top of the source tree).
Prints one line per mismatch and exits 1 when there is any.
"""
import os
import re
import sys

DIRS = ("src", "plugins", "cli")
IDENT = r"[A-Za-z_][A-Za-z0-9_]*"


def sources(top):
    for d in DIRS:
        for root, _, files in os.walk(os.path.join(top, d)):
            for f in sorted(files):
                if f.endswith((".c", ".h")):
                    yield os.path.join(root, f)


def split_args(text):
    """Split at top-level commas."""
    args, depth, cur = [], 0, ""
    for ch in text:
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
        if ch == "," and depth == 0:
            args.append(cur)
            cur = ""
        else:
            cur += ch
    if cur.strip():
        args.append(cur)
    return [a.strip() for a in args]


def arg_name(decl):
    """The name a parameter declaration gives: "const char *s" -> s."""
    decl = decl.strip()
    if decl == "...":
        return "..."
    m = re.search(r"\(\s*\*\s*(" + IDENT + r")\s*\)", decl)  # function pointer
    if m:
        return m.group(1)
    decl = re.sub(r"\[[^]]*\]", "", decl)
    names = re.findall(IDENT, decl)
    return names[-1] if names else ""


def synopsis_entries(path, text):
    """(line, name, [args]) for each function a SYNOPSIS lists."""
    out = []
    for block in re.finditer(r"/\*\+\+(.*?)/\*--\*/", text, re.S):
        start = text.count("\n", 0, block.start()) + 1
        body = block.group(1).split("\n")
        in_syn = False
        pending, pending_line = "", 0
        for i, raw in enumerate(body):
            line = re.sub(r"^/\*\s?", "", raw).rstrip()
            if re.match(r"^[A-Z][A-Z ]+$", line):
                in_syn = line == "SYNOPSIS"
                continue
            if not in_syn:
                continue
            if pending:
                pending += " " + line.strip()
            elif re.search(IDENT + r"\(", line) and not line.lstrip().startswith("#"):
                pending, pending_line = line.strip(), start + i
            else:
                continue
            if pending.count("(") > pending.count(")"):
                continue
            m = re.search(r"(" + IDENT + r")\s*\((.*)\)\s*;?\s*$", pending)
            if m:
                args = [a.strip() for a in split_args(m.group(2))]
                out.append((pending_line, m.group(1), [arg_name(a) for a in args if a]))
            pending = ""
    return out


def definitions(paths):
    """name -> [(path, line, [args])] of every function definition."""
    defs = {}
    pat = re.compile(r"^(?!static\b)[A-Za-z_][^;{}()=]*?\b(" + IDENT + r")\s*\(([^;{}]*?)\)\s*\n\{",
                     re.M)
    for path in paths:
        if not path.endswith(".c"):
            continue
        with open(path, encoding="utf-8", errors="replace") as fp:
            text = fp.read()
        for m in pat.finditer(text):
            args = [] if m.group(2).strip() in ("", "void") else \
                [arg_name(a) for a in split_args(m.group(2))]
            defs.setdefault(m.group(1), []).append(
                (path, text.count("\n", 0, m.start()) + 1, args))
    return defs


def main():
    top = sys.argv[1] if len(sys.argv) > 1 else "."
    paths = list(sources(top))
    defs = definitions(paths)
    bad = 0
    for path in paths:
        with open(path, encoding="utf-8", errors="replace") as fp:
            text = fp.read()
        rel = os.path.relpath(path, top)
        for line, name, args in synopsis_entries(path, text):
            if name not in defs:
                print("%s:%d: SYNOPSIS lists %s(), which is not defined" % (rel, line, name))
                bad += 1
                continue
            if not any(d[2] == args for d in defs[name]):
                dpath, dline, dargs = defs[name][0]
                print("%s:%d: SYNOPSIS has %s(%s); %s:%d defines it with (%s)" %
                      (rel, line, name, ", ".join(args), os.path.relpath(dpath, top),
                       dline, ", ".join(dargs)))
                bad += 1
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
