#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""SMTP AUTH load for md5gate's load test (test-harness/load.sh).

  load-client.py run --port P --accounts FILE --sessions N --auths M --tally OUT
  load-client.py verify --tally OUT --audit JSONL --maillog LOG [--wait S]

"run" keeps N SMTP sessions open at once until M authentications have
been made, mixed CRAM-MD5 and DIGEST-MD5, right and wrong passwords and a
few unknown users. It computes the responses itself with hashlib and hmac
(RFC 2195, RFC 2831 qop=auth), independently of md5gate's code. A session
may try AUTH again after a failure, as SMTP allows; after a success it
must QUIT, so only a session's last attempt may be a right password. Each
attempt's reply must be the expected one: 235 for a right password (and
the server's rspauth must be right), 535 for anything else. The tally
(JSON) counts the attempts per outcome, mechanism and user, as md5gate's
audit records must, and lists every unexpected reply.

"verify" checks md5gate's records against a tally: every line of the
audit file a JSON object, exactly one record per attempt (counts per
outcome, mechanism and user equal the tally's), and as many md5gate
server lines in the mail log with the same counts. It waits up to --wait
seconds (120) for the mail log (postlogd writes it after the reply went out).

FILE holds the accounts, JSON: {"realm": R, "users": {NAME: PASSWORD},
"wrong": PASSWORD, "unknown": [NAME...]}. Passwords never reach argv or
the output. Exit status: 0 when all holds, 1 otherwise, 2 on usage errors.
"""

import argparse
import asyncio
import base64
import collections
import hashlib
import hmac
import json
import os
import random
import re
import sys
import time


class Unexpected(Exception):
    pass


def b64(data):
    return base64.b64encode(data).decode("ascii")


def charset_bytes(text):
    """ISO-8859-1 when every character fits there, else UTF-8 (RFC 2831
    2.1.2.1, with charset=utf-8)."""
    try:
        return text.encode("iso-8859-1")
    except UnicodeEncodeError:
        return text.encode("utf-8")


def md5_hex(data):
    return hashlib.md5(data).hexdigest()


def directives(text):
    """RFC 2831 name=value / name="quoted" list; enough for challenges."""
    out = {}
    for m in re.finditer(r'([A-Za-z0-9-]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^,]*)', text):
        v = m.group(2)
        if v.startswith('"'):
            v = re.sub(r'\\(.)', r'\1', v[1:-1])
        else:
            v = v.strip()
        out.setdefault(m.group(1).lower(), v)
    return out


def digest_kd(user, realm, password, nonce, cnonce, uri, prefix):
    secret = hashlib.md5(b":".join([charset_bytes(user), charset_bytes(realm),
                                    charset_bytes(password)])).digest()
    a1 = secret + b":" + nonce.encode() + b":" + cnonce.encode()
    a2 = prefix + b":" + uri.encode()
    return md5_hex(b":".join([md5_hex(a1).encode(), nonce.encode(), b"00000001",
                              cnonce.encode(), b"auth", md5_hex(a2).encode()]))


def quote(v):
    return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'


class Session:
    def __init__(self, reader, writer, timeout):
        self.r, self.w, self.timeout = reader, writer, timeout

    async def reply(self):
        texts = []
        while True:
            line = await asyncio.wait_for(self.r.readline(), self.timeout)
            if not line:
                raise Unexpected("connection closed by the server")
            line = line.rstrip(b"\r\n").decode("utf-8", "replace")
            if not re.match(r"^\d{3}[ -]", line) and not re.match(r"^\d{3}$", line):
                raise Unexpected("malformed reply %r" % line[:60])
            texts.append(line[4:])
            if len(line) == 3 or line[3] == " ":
                return int(line[:3]), texts

    async def auth(self, text):
        """AUTH: notes whether the server went on with a challenge."""
        code, texts = await self.command(text)
        self.challenged = code == 334
        return code, texts

    async def command(self, text):
        self.w.write(text.encode("utf-8") + b"\r\n")
        await self.w.drain()
        return await self.reply()


async def cram(s, user, password):
    code, texts = await s.auth("AUTH CRAM-MD5")
    if code != 334:
        return code
    challenge = base64.b64decode(texts[0])
    mac = hmac.new(password.encode("utf-8"), challenge, hashlib.md5).hexdigest()
    code, _ = await s.command(b64(user.encode("utf-8") + b" " + mac.encode()))
    return code


async def plain(s, user, password):
    code, _ = await s.auth("AUTH PLAIN " + b64(b"\0" + user.encode("utf-8") + b"\0"
                                                  + password.encode("utf-8")))
    return code


async def digest(s, user, password, uri_host):
    code, texts = await s.auth("AUTH DIGEST-MD5")
    if code != 334:
        return code
    chal = directives(base64.b64decode(texts[0]).decode("utf-8"))
    realm, nonce = chal.get("realm", ""), chal["nonce"]
    cnonce = b64(os.urandom(12))
    uri = "smtp/" + uri_host
    fields = ["username=" + quote(user), "realm=" + quote(realm), "nonce=" + quote(nonce),
              "cnonce=" + quote(cnonce), "nc=00000001", "qop=auth",
              "digest-uri=" + quote(uri),
              "response=" + digest_kd(user, realm, password, nonce, cnonce, uri,
                                      b"AUTHENTICATE")]
    if chal.get("charset", "").lower() == "utf-8":
        fields.append("charset=utf-8")
    code, texts = await s.command(b64(",".join(fields).encode("utf-8")))
    if code != 334:
        return code
    got = directives(base64.b64decode(texts[0]).decode("utf-8")).get("rspauth", "")
    if got != digest_kd(user, realm, password, nonce, cnonce, uri, b""):
        await s.command("*")
        raise Unexpected("DIGEST-MD5: wrong rspauth from the server")
    code, _ = await s.command("")
    return code


def plan(accounts, args, mechs):
    """Sessions, each a list of (mech, user, kind), kind right, wrong or
    unknown; only the last attempt of a session may be right. At most four
    attempts a session keeps smtpd far below its error limits."""
    rnd = random.Random(args.seed)
    auths = args.auths
    users = sorted(args.users.split(",") if args.users else accounts["users"])
    sessions, n = [], 0
    while n < auths:
        k = min(rnd.choice((1, 1, 2, 2, 3, 4)), auths - n)
        attempts = []
        for i in range(k):
            mech = rnd.choice(mechs)
            if i == k - 1 and rnd.random() < args.right_share:
                attempts.append((mech, rnd.choice(users), "right"))
            elif rnd.random() < args.unknown_share and accounts.get("unknown"):
                attempts.append((mech, rnd.choice(accounts["unknown"]), "unknown"))
            else:
                attempts.append((mech, rnd.choice(users), "wrong"))
        sessions.append(attempts)
        n += k
    ensure_right(sessions, users, args.min_right, rnd)
    ensure_mechs(sessions, mechs, args.min_per_mech)
    return sessions


def ensure_right(sessions, users, wanted, rnd):
    """End at least WANTED sessions (all of them if fewer) with a right
    password, so that a short run's check that right passwords got the
    expected reply cannot pass for want of one (whatever the seed)."""
    ending = [s for s in sessions if s[-1][2] == "right"]
    for s in sessions:
        if len(ending) >= wanted:
            break
        if s[-1][2] != "right":
            s[-1] = (s[-1][0], rnd.choice(users), "right")
            ending.append(s)


def ensure_mechs(sessions, mechs, wanted):
    """Try each mechanism at least WANTED times (as evenly as the attempts
    allow when there are fewer), so that a short run's check that a
    mechanism got the expected reply cannot pass, or fail, for want of an
    attempt with it (whatever the seed). Takes attempts from the mechanism
    tried most; who and which password stay as drawn."""
    slots = [(s, i) for s in sessions for i in range(len(s))]
    wanted = min(wanted, len(slots) // max(len(mechs), 1))
    for mech in mechs:
        while True:
            count = collections.Counter(s[i][0] for s, i in slots)
            if count[mech] >= wanted:
                break
            most = max(mechs, key=lambda m: (count[m], -mechs.index(m)))
            s, i = next((s, i) for s, i in slots if s[i][0] == most)
            s[i] = (mech,) + s[i][1:]


OUTCOME = {"right": "success", "wrong": "bad-credentials", "unknown": "unknown-user"}


async def run(args, accounts):
    mechs = args.mechs.split(",")
    sessions = plan(accounts, args, mechs)
    code_of = {"right": args.right_code, "wrong": args.wrong_code, "unknown": args.wrong_code}
    for m, c in (x.split("=") for x in args.mech_code):
        code_of[m] = c if c in ("refused", "failed") else int(c)
    queue = collections.deque(sessions)
    tally = collections.Counter()
    unexpected = []
    state = {"active": 0, "peak": 0, "auths": 0, "sessions": 0, "greeted": 0}

    everyone = asyncio.Event()

    # Fewer sessions than workers: the others have nothing to wait with.
    at_once = min(args.sessions, len(sessions))

    def arrive():
        state["greeted"] += 1
        if state["greeted"] == at_once:
            everyone.set()

    async def one(attempts, mine):
        reader, writer = await asyncio.wait_for(
            asyncio.open_connection(args.server, args.port), args.timeout)
        s = Session(reader, writer, args.timeout)
        greeted = False
        try:
            code, _ = await s.reply()
            if code != 220:
                raise Unexpected("greeting %d" % code)
            greeted = True
            state["active"] += 1
            state["peak"] = max(state["peak"], state["active"])
            code, _ = await s.command("EHLO load.example.test")
            if code != 250:
                raise Unexpected("EHLO %d" % code)
            if mine["first"]:
                # Each worker's first session waits until all are greeted:
                # then the server holds that many sessions at once.
                mine["first"] = False
                arrive()
                await asyncio.wait_for(everyone.wait(), args.timeout)
            for mech, user, kind in attempts:
                password = accounts["users"][user] if kind == "right" else accounts["wrong"]
                expected = code_of.get(mech, code_of[kind])
                if mech == "CRAM-MD5":
                    code = await cram(s, user, password)
                elif mech == "PLAIN":
                    code = await plain(s, user, password)
                else:
                    code = await digest(s, user, password, args.uri_host)
                tally[(OUTCOME[kind], mech, user)] += 1
                state["auths"] += 1
                if expected == "failed":
                    # Any refusal, whenever it comes.
                    if code >= 400:
                        continue
                elif expected == "refused":
                    # Refused at once, without a challenge, temporarily or not.
                    if code >= 400 and not s.challenged:
                        continue
                elif code == expected:
                    if code == 235:
                        break
                    continue
                unexpected.append("%s %s (%s password): %d, expected %s"
                                  % (mech, user, kind, code, expected))
                break
            await s.command("QUIT")
        finally:
            if greeted:
                state["active"] -= 1
            writer.close()
            try:
                await writer.wait_closed()
            except OSError:
                pass
        state["sessions"] += 1

    async def worker():
        mine = {"first": True}
        while queue:
            attempts = queue.popleft()
            try:
                await one(attempts, mine)
            except (Unexpected, OSError, asyncio.TimeoutError, ValueError, KeyError) as e:
                unexpected.append("session of %d attempt(s): %s: %s"
                                  % (len(attempts), type(e).__name__, e))
                if mine["first"]:
                    # Not greeted: do not keep the others waiting for it.
                    mine["first"] = False
                    arrive()

    started = time.monotonic()
    await asyncio.gather(*(worker() for _ in range(args.sessions)))
    wall = time.monotonic() - started
    return {
        "planned_sessions": len(sessions), "planned_auths": args.auths,
        "sessions": state["sessions"], "auths": state["auths"],
        "concurrency": at_once, "peak_concurrent": state["peak"],
        "wall_seconds": round(wall, 2),
        "auths_per_second": round(state["auths"] / wall, 1) if wall else 0,
        "tally": [[o, m, u, n] for (o, m, u), n in sorted(tally.items())],
        "unexpected": unexpected,
    }


def cmd_run(args):
    with open(args.accounts, encoding="utf-8") as f:
        accounts = json.load(f)
    result = asyncio.run(run(args, accounts))
    with open(args.tally, "w", encoding="utf-8") as f:
        json.dump(result, f, indent=1)
    by_kind = collections.Counter()
    for o, m, _, n in result["tally"]:
        by_kind[(o, m)] += n
    print("load: %d sessions (%d at once, peak %d), %d authentications in %.1f s (%.0f/s)"
          % (result["sessions"], result["concurrency"], result["peak_concurrent"], result["auths"],
             result["wall_seconds"], result["auths_per_second"]))
    for (o, m), n in sorted(by_kind.items()):
        print("load:   %-15s %-10s %6d" % (o, m, n))
    bad = len(result["unexpected"])
    for u in result["unexpected"][:20]:
        print("load: UNEXPECTED: " + u)
    if result["auths"] != args.auths:
        print("load: %d authentications made, %d planned" % (result["auths"], args.auths))
        bad += 1
    if result["peak_concurrent"] < result["concurrency"]:
        print("load: only %d sessions were greeted at once, not %d"
              % (result["peak_concurrent"], result["concurrency"]))
        bad += 1
    return 1 if bad else 0


KV = re.compile(r'([a-z_]+)=("(?:[^"\\]|\\.)*"|\S+)')


def log_counts(path):
    counts = collections.Counter()
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            m = re.search(r"postfix/smtpd\[\d+\]: .*?md5gate: (side=server .*)$", line)
            if m:
                kv = {k: (v[1:-1] if v.startswith('"') else v) for k, v in KV.findall(m.group(1))}
                counts[(kv.get("outcome"), kv.get("mech"), kv.get("authid", "-"))] += 1
    return counts


def cmd_verify(args):
    with open(args.tally, encoding="utf-8") as f:
        result = json.load(f)
    want = collections.Counter({(o, m, u): n for o, m, u, n in result["tally"]})
    total = sum(want.values())
    problems = []
    records = collections.Counter()
    lines = 0
    with open(args.audit, "rb") as f:
        data = f.read()
    if data and not data.endswith(b"\n"):
        problems.append("the audit file does not end with a newline (a torn record)")
    for i, line in enumerate(data.split(b"\n")[:-1] if data else [], 1):
        lines += 1
        try:
            r = json.loads(line.decode("utf-8"))
            if not isinstance(r, dict):
                raise ValueError("not an object")
        except ValueError as e:
            problems.append("audit line %d is not a JSON object (%s): %r" % (i, e, line[:80]))
            continue
        if r.get("side") == "server":
            records[(r.get("outcome"), r.get("mech"), r.get("authid") or "-")] += 1

    def compare(name, got):
        if got != want:
            problems.append("%s: counts differ from the client's tally:\n    missing %s\n"
                            "    extra %s" % (name, dict(want - got), dict(got - want)))

    compare("audit file", records)
    deadline = time.monotonic() + args.wait
    while True:
        logged = log_counts(args.maillog)
        if sum(logged.values()) >= total or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    compare("mail log", logged)
    print("load: audit file: %d lines, %d server records; mail log: %d md5gate server lines;"
          " client tally: %d authentications" % (lines, sum(records.values()),
                                                  sum(logged.values()), total))
    for p in problems:
        print("load: PROBLEM: " + p)
    return 1 if problems else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run")
    r.add_argument("--server", default="127.0.0.1")
    r.add_argument("--port", type=int, required=True)
    r.add_argument("--uri-host", default="mx.home.test")
    r.add_argument("--accounts", required=True)
    r.add_argument("--sessions", type=int, default=200)
    r.add_argument("--auths", type=int, default=10000)
    r.add_argument("--seed", type=int, default=1)
    r.add_argument("--timeout", type=float, default=60)
    r.add_argument("--tally", required=True)
    r.add_argument("--mechs", default="CRAM-MD5,DIGEST-MD5",
                   help="comma-separated: CRAM-MD5, DIGEST-MD5, PLAIN")
    r.add_argument("--users", help="comma-separated: only these accounts (default: all)")
    r.add_argument("--right-share", type=float, default=0.6,
                   help="the share of sessions that end with a right password")
    r.add_argument("--min-right", type=int, default=0,
                   help="end at least this many sessions with a right password")
    r.add_argument("--min-per-mech", type=int, default=0,
                   help="try each of --mechs at least this many times")
    r.add_argument("--unknown-share", type=float, default=0.1,
                   help="the share of failed attempts with an unknown user")
    r.add_argument("--right-code", type=int, default=235,
                   help="the reply a right password must get")
    r.add_argument("--wrong-code", type=int, default=535,
                   help="the reply a wrong password or unknown user must get")
    r.add_argument("--mech-code", action="append", default=[], metavar="MECH=CODE",
                   help="the reply every attempt with MECH must get (repeatable); "
                   "CODE refused: any 4xx or 5xx reply to AUTH itself, no challenge; "
                   "failed: any 4xx or 5xx reply")
    v = sub.add_parser("verify")
    v.add_argument("--tally", required=True)
    v.add_argument("--audit", required=True)
    v.add_argument("--maillog", required=True)
    v.add_argument("--wait", type=float, default=120)
    args = ap.parse_args()
    return cmd_run(args) if args.cmd == "run" else cmd_verify(args)


if __name__ == "__main__":
    sys.exit(main())
