#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Check md5gate's audit records of a harness scenario (test-harness/lib/chain.sh).

Usage: audit-verify.py RELAY_JSONL RELAY_MAILLOG UPSTREAM_JSONL UPSTREAM_MAILLOG EXPECTED

EXPECTED holds one line per authentication attempt the scenario made,
written by hx_audit_expect: tab-separated K=V fields, where K is a record field, the
value "-" means null, "K~=REGEX" matches a field by regular expression,
and "at=upstream" puts the record in UPSTREAM_JSONL. side=server records
are looked for in RELAY_JSONL, side=client ones in the md5gate lines of
RELAY_MAILLOG (Postfix's smtp client cannot be given md5gate's
configuration file, so the mail log is its only sink).

Exactly one record per attempt: every expectation needs a record of its
own, and a record no expectation claims is an error too. Besides, each
server's audit file and the server-side md5gate lines of its mail log
must be the same records in the same order (the deciding policy rule
included); a policy-denied or locked-out record names its rule and says
whether it was enforced (and, when not, why: "audit-only: ..."), any
other record has no "enforced"; every smtpd record carries the
remote and local address and port (the local port one of the instance's
listeners, from $HX_AUDIT_RELAY_PORTS / $HX_AUDIT_UP_PORTS); every
DIGEST-MD5 server success names the kind of final reply; every server
record of an attempt that reached verification (success, bad-credentials)
names the canonical account. Records of
attempts that end after the client went away (an aborted exchange, a
deferred delivery) may come late, and a mail log line after the audit
file's record: the check waits up to 60 seconds for the expected number
and for each mail log to hold as many server records as its audit file. Exit 0 when all holds; else the problems and every
record read go to stdout, exit 1.
"""
import json
import os
import re
import sys
import time

KV = re.compile(r'([a-z_]+)=("(?:[^"\\]|\\.)*"|\S+)')
LOGREC = re.compile(r'postfix/([a-z0-9/-]+)\[\d+\]: .*?md5gate: (side=.*)$')


def unquote(v):
    if v.startswith('"') and v.endswith('"') and len(v) >= 2:
        return re.sub(r'\\(.)', r'\1', v[1:-1])
    return v


def jsonl(path):
    if not os.path.exists(path):
        return []
    out = []
    with open(path, encoding="utf-8") as f:
        for i, line in enumerate(f, 1):
            try:
                rec = json.loads(line)
            except ValueError as e:
                sys.exit("%s:%d: not JSON (%s): %r" % (path, i, e, line))
            if not isinstance(rec, dict):
                sys.exit("%s:%d: not a JSON object" % (path, i))
            rec["_line"] = line.rstrip("\n")
            out.append(rec)
    return out


def log_records(path):
    out = []
    if not os.path.exists(path):
        return out
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            m = LOGREC.search(line)
            if not m:
                continue
            rec = {k: unquote(v) for k, v in KV.findall(m.group(2))}
            rec["_daemon"] = m.group(1)
            rec["_line"] = line.rstrip("\n")
            out.append(rec)
    return out


def value(rec, k, from_log):
    got = rec.get(k)
    if got is None:
        return "-"
    if got is True:
        return "yes" if from_log else "true"
    if got is False:
        return "no" if from_log else "false"
    return str(got)


def matches(rec, want, from_log):
    for k, v in want.items():
        if k == "at":
            continue
        if k.endswith("~"):
            if not re.search(v, str(rec.get(k[:-1]) or "")):
                return False
        elif value(rec, k, from_log) != v:
            return False
    return True


def main():
    relay_file, relay_log, up_file, up_log, expected_file = sys.argv[1:6]
    relay_ports = os.environ.get("HX_AUDIT_RELAY_PORTS", "").split()
    up_ports = os.environ.get("HX_AUDIT_UP_PORTS", "").split()

    expect = {"relay-server": [], "relay-client": [], "upstream-server": []}
    with open(expected_file) as f:
        for line in f:
            if not line.strip():
                continue
            want = dict(kv.split("=", 1) for kv in line.rstrip("\n").split("\t") if kv)
            where = "upstream" if want.get("at") == "upstream" else "relay"
            expect["%s-%s" % (where, want.get("side", "server"))].append(want)

    def read_all():
        log = log_records(relay_log)
        return {
            "relay-server": jsonl(relay_file),
            "relay-client": [r for r in log if r.get("side") == "client"],
            "upstream-server": jsonl(up_file),
            "relay-log-server": [r for r in log if r.get("side") == "server"],
            "upstream-log-server": [r for r in log_records(up_log) if r.get("side") == "server"],
        }

    # postlogd writes the mail log after smtpd has answered (and after the
    # audit file has its record): wait for each log to catch up with its
    # audit file too, not only for the expected numbers.
    def complete(recs):
        return (all(len(recs[k]) >= len(expect[k]) for k in expect)
                and len(recs["relay-log-server"]) >= len(recs["relay-server"])
                and len(recs["upstream-log-server"]) >= len(recs["upstream-server"]))

    deadline = time.time() + 60
    while True:
        recs = read_all()
        if complete(recs) or time.time() > deadline:
            break
        time.sleep(0.5)
    time.sleep(1)               # anything extra still on its way
    recs = read_all()

    problems = []
    for where, wants in expect.items():
        pool = list(recs[where])
        # The most specific expectations first: a loose one must not take
        # the record a specific one needs.
        for want in sorted(wants, key=lambda w: -len(w)):
            hit = next((r for r in pool if matches(r, want, where == "relay-client")), None)
            if hit is None:
                problems.append("%s: no record for the attempt %s"
                                % (where, " ".join("%s=%s" % kv for kv in want.items())))
            else:
                pool.remove(hit)
        for r in pool:
            problems.append("%s: a record no attempt of the scenario explains: %s"
                            % (where, r["_line"]))

    def key_file(r):
        return (r.get("mech"), r.get("outcome"), r.get("authid") or "-",
                r.get("account") or "-",
                "%s:%s" % (r.get("remote_addr"), r.get("remote_port")), r.get("rule") or "-")

    def key_log(r):
        return (r.get("mech"), r.get("outcome"), r.get("authid") or "-",
                r.get("account") or "-", r.get("remote"), r.get("rule") or "-")

    for name in ("relay", "upstream"):
        a = [key_file(r) for r in recs[name + "-server"]]
        b = [key_log(r) for r in recs[name + "-log-server"]]
        if a != b:
            problems.append("%s: the audit file and the mail log disagree:\n    file %s\n    log  %s"
                            % (name, a, b))

    for where, ports in (("relay-server", relay_ports), ("upstream-server", up_ports)):
        for r in recs[where]:
            if r.get("side") != "server":
                problems.append("%s: a %s-side record in a server's file: %s"
                                % (where, r.get("side"), r["_line"]))
            for f in ("remote_addr", "remote_port", "local_addr", "local_port"):
                if not r.get(f) or r.get(f) == "unknown":
                    problems.append("%s: record without %s: %s" % (where, f, r["_line"]))
            if ports and r.get("local_port") not in ports:
                problems.append("%s: local port %s is none of the listeners (%s): %s"
                                % (where, r.get("local_port"), " ".join(ports), r["_line"]))
            # A policy's refusal names its rule and says whether it was
            # enforced; a record no rule refused has neither.
            if r.get("outcome") in ("policy-denied", "locked-out"):
                if not r.get("rule"):
                    problems.append("%s: %s without the rule: %s"
                                    % (where, r.get("outcome"), r["_line"]))
                if r.get("enforced") not in (True, False):
                    problems.append("%s: %s without enforced true/false: %s"
                                    % (where, r.get("outcome"), r["_line"]))
                if r.get("enforced") is False and not (r.get("reason") or "").startswith("audit-only: "):
                    problems.append("%s: not enforced, yet the reason does not say audit-only: %s"
                                    % (where, r["_line"]))
            elif "enforced" in r and r.get("enforced") is not None:
                problems.append("%s: enforced set although no rule refused: %s"
                                % (where, r["_line"]))
            if r.get("outcome") in ("success", "bad-credentials") and not r.get("account"):
                problems.append("%s: %s without the canonical account: %s"
                                % (where, r.get("outcome"), r["_line"]))
            if (r.get("mech") == "DIGEST-MD5" and r.get("outcome") == "success"
                    and r.get("final_reply") not in ("empty", "echo", "other")):
                problems.append("%s: DIGEST-MD5 success without the final reply's kind: %s"
                                % (where, r["_line"]))

    n = sum(len(v) for v in expect.values())
    if problems:
        print("audit: %d problem(s):" % len(problems))
        for p in problems:
            print("  - " + p)
        for where in ("relay-server", "relay-client", "upstream-server"):
            print("--- %s records (%d):" % (where, len(recs[where])))
            for r in recs[where]:
                print("  " + r["_line"])
        return 1
    print("audit: %d attempts, each recorded exactly once as expected (relay smtpd %d, "
          "relay smtp client %d, upstream-md5gate %d); each server's audit file and mail "
          "log agree" % (n, len(recs["relay-server"]), len(recs["relay-client"]),
                         len(recs["upstream-server"])))
    return 0


if __name__ == "__main__":
    sys.exit(main())
