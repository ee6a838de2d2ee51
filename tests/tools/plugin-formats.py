#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Check every format string the plugin hands to libsasl2's formatter.

libsasl2's log formatter (utils->log, and utils->seterror, which uses it)
implements only the conversions %s %c %d %i %u %o %x %X %% %m %z, with no
flags, widths, precisions, '*' or length modifiers: "%.*s" takes the int
for a string pointer and crashes, "%.40s" prints the whole string, "%ld"
reads an int. So in every C file given:

  - every use of a member named log or seterror through -> or . is a
    direct call (a function pointer copied elsewhere could be called with
    anything);
  - the call's format (third argument) is a string literal, or literals
    and macros defined as literals in the same file, concatenated (a
    wrapper that forwards its own format would pass a variable: formats
    made at run time go through snprintf and are passed as "%s");
  - the format holds only the conversions above;
  - the number of arguments after it is what its conversions consume
    (%m and %% consume none; %z consumes an int, the SASL code).

Comments are removed and calls may span lines. Usage:
  plugin-formats.py FILE...     check the files; exit 1 on any finding
  plugin-formats.py --self-test check the checker on known good and bad code
"""
import re
import sys

ALLOWED = set("scdiuoxX%mz")
NO_ARGUMENT = set("%m")
FORMAT_INDEX = {"log": 2, "seterror": 2}


def strip_comments(text):
    """Blank out comments, keep strings, character literals and newlines."""
    out = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("/*", i):
            end = text.find("*/", i + 2)
            end = n if end < 0 else end + 2
            out.append(re.sub(r"[^\n]", " ", text[i:end]))
            i = end
        elif text.startswith("//", i):
            end = text.find("\n", i)
            end = n if end < 0 else end
            out.append(" " * (end - i))
            i = end
        elif c in "\"'":
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if text[j] == "\\" else 1
            out.append(text[i:j + 1])
            i = j + 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


def mask_strings(text):
    """The same text with the contents of literals blanked: where to look."""
    return re.sub(r'"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'',
                  lambda m: m.group(0)[0] + "_" * (len(m.group(0)) - 2) + m.group(0)[-1],
                  text)


def string_macros(text):
    """#define NAME "literal" ... (literals only) in this file."""
    macros = {}
    for m in re.finditer(r'^[ \t]*#[ \t]*define[ \t]+([A-Za-z_]\w*)[ \t]+((?:"(?:[^"\\\n]|\\.)*"[ \t]*)+)$',
                         text, re.M):
        macros[m.group(1)] = "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', m.group(2)))
    return macros


def split_arguments(text, start):
    """Arguments of the call whose '(' is at start; (args, end) or None."""
    args, depth, i, cur = [], 0, start + 1, []
    n = len(text)
    while i < n:
        c = text[i]
        if c in "\"'":
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if text[j] == "\\" else 1
            cur.append(text[i:j + 1])
            i = j + 1
            continue
        if c in "([{":
            depth += 1
        elif c in ")]}":
            if depth == 0:
                args.append("".join(cur).strip())
                return args, i
            depth -= 1
        elif c == "," and depth == 0:
            args.append("".join(cur).strip())
            cur = []
            i += 1
            continue
        cur.append(c)
        i += 1
    return None


def literal_format(arg, macros):
    """The format a literal argument spells, or None when it is not one."""
    pieces = []
    pos = 0
    token = re.compile(r'\s*(?:"((?:[^"\\]|\\.)*)"|([A-Za-z_]\w*))')
    while pos < len(arg):
        m = token.match(arg, pos)
        if not m:
            return None if arg[pos:].strip() else "".join(pieces)
        if m.group(1) is not None:
            pieces.append(m.group(1))
        elif m.group(2) in macros:
            pieces.append(macros[m.group(2)])
        else:
            return None
        pos = m.end()
    return "".join(pieces) if pieces else None


def conversions(fmt):
    """([conversion characters], [bad conversion texts])."""
    convs, bad = [], []
    i = 0
    while i < len(fmt):
        if fmt[i] != "%":
            i += 1
            continue
        # "%zu" is libsasl2's %z (a SASL code) and a "u": never meant.
        if fmt.startswith("%z", i) and i + 2 < len(fmt) and fmt[i + 2] in "diouxX":
            bad.append(fmt[i:i + 3])
            i += 3
            continue
        if i + 1 < len(fmt) and fmt[i + 1] in ALLOWED:
            convs.append(fmt[i + 1])
            i += 2
            continue
        m = re.match(r"%[-+ #0-9.*hlLqjzt]*[A-Za-z%]?", fmt[i:])
        bad.append(m.group(0))
        i += len(m.group(0))
    return convs, bad


def check_text(name, raw):
    findings = []
    text = strip_comments(raw)
    macros = string_macros(text)
    masked = mask_strings(text)
    for m in re.finditer(r"(->|\.)\s*(log|seterror)\b", masked):
        line = text.count("\n", 0, m.start()) + 1
        where = f"{name}:{line}"
        rest = re.match(r"\s*\(", masked[m.end():])
        if not rest:
            findings.append(f"{where}: {m.group(2)} used other than in a direct call")
            continue
        parsed = split_arguments(text, m.end() + rest.end() - 1)
        if parsed is None:
            findings.append(f"{where}: cannot find the end of the {m.group(2)} call")
            continue
        args, _ = parsed
        index = FORMAT_INDEX[m.group(2)]
        if len(args) <= index:
            findings.append(f"{where}: {m.group(2)} call without a format")
            continue
        fmt = literal_format(args[index], macros)
        if fmt is None:
            findings.append(f"{where}: the format of a {m.group(2)} call is not a string "
                            f"literal ({args[index][:50]}); format with snprintf and pass \"%s\"")
            continue
        convs, bad = conversions(fmt)
        for b in bad:
            findings.append(f"{where}: \"{b}\" in a {m.group(2)} format: libsasl2 implements "
                            f"only %s %c %d %i %u %o %x %X %% %m %z")
        wanted = len([c for c in convs if c not in NO_ARGUMENT])
        given = len(args) - index - 1
        if not bad and wanted != given:
            findings.append(f"{where}: {m.group(2)} format has {wanted} conversions "
                            f"for {given} arguments")
    return findings


SELF_TEST = [
    # (code, number of findings)
    ('utils->log(utils->conn, SASL_LOG_ERR, "a %s b %d c %u %m %% %z", s, 1, 2u, r);', 0),
    ('utils->seterror(utils->conn, 0, MECH ": %s", msg);', 0),
    ('utils->log(utils->conn, SASL_LOG_ERR, "x \\"%.*s\\"", (int) n, s);', 1),
    ('utils->log(utils->conn,\n   SASL_LOG_ERR,\n  "option %s: \\"%.40s\\" is"\n  " not", name, v);', 1),
    ('sparams->utils->log(0, 1, "%ld %zu", 1L, (size_t) 2);', 2),
    ('utils->log(0, 1, "%5d", 3);', 1),
    ('utils->log(0, 1, fmt, ap);', 1),
    ('utils->seterror(conn, 0, reason);', 1),
    ('fn = utils->log;', 1),
    ('utils->log(0, 1, "%s %s", a);', 1),
    ('utils->log(0, 1, "no conversion", a);', 1),
    ('/* utils->log(0, 1, "%.*s", n, s); */ x = 1;', 0),
    ('s = "utils->log(0, 1, \\"%.*s\\")";', 0),
    ('utils->log(0, 1, "%s", f(a, b), g((c), d)) ;', 1),
    ('utils->log(0, 1, "%s", f(a, b, "%.*s")) ;', 0),
    ('utils->log(0, 1, UNKNOWN_MACRO, a);', 1),
    ('utils->log(0, 1, "%zu", n);', 1),
    ('utils->log(0, 1, "c=\'%c\' %s", c, s); x = \'"\';', 0),
]


def self_test():
    failures = 0
    macros = '#define MECH "DIGEST-MD5"\n'
    for code, expected in SELF_TEST:
        found = check_text("self-test", macros + code + "\n")
        if len(found) != expected:
            failures += 1
            print(f"self-test: {code!r}: {len(found)} findings, expected {expected}: {found}")
    return failures


def main(argv):
    if argv[1:] == ["--self-test"]:
        failures = self_test()
        print(f"self-test: {len(SELF_TEST) - failures} of {len(SELF_TEST)} cases right")
        return 1 if failures else 0
    findings = []
    calls = 0
    for path in argv[1:]:
        with open(path, encoding="utf-8") as f:
            raw = f.read()
        calls += len(re.findall(r"(->|\.)\s*(log|seterror)\b",
                                mask_strings(strip_comments(raw))))
        findings += check_text(path, raw)
    if calls == 0:
        findings.append("no log or seterror call found: not the plugin's sources?")
    for f in findings:
        print(f)
    print(f"{calls} log and seterror uses in {len(argv) - 1} files, {len(findings)} findings")
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
