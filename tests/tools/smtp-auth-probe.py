#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""One SMTP session that shows what a policy lets a client do.

It connects (optionally from a chosen source address, --bind), says EHLO,
optionally starts TLS (--security starttls, or smtps for implicit TLS;
the certificate is not verified: the test instances make their own), and
prints the mechanisms the last EHLO advertised. Then, unless --mech none,
it authenticates with CRAM-MD5 whether or not the server advertised it:
a client asking for a hidden mechanism anyway is one of the cases tested.
CRAM-MD5 is computed here (HMAC-MD5 over the UTF-8 password) so that any
password works, independently of md5gate's code. With --ask-only it only
sends "AUTH MECH" (any mechanism, e.g. DIGEST-MD5) and reports the first
reply, cancelling ("*") a challenge: whether the server refuses a
mechanism outright.

The password comes from the environment (MG_PASSWORD), never from argv.
Output, one "key: value" line per step, never the password or a payload:
  ehlo: MECH MECH ...       (or "ehlo: -" when no AUTH was advertised)
  tls: PROTOCOL             (after STARTTLS or the implicit-TLS handshake)
  auth: CODE TEXT           (the server's final reply to AUTH)

Exit status: 0 authenticated (or --mech none, or --ask-only and the
server sent a challenge); 1 refused with a 5xx; 4 refused with a 4xx;
2 usage, network or protocol errors.
"""

import argparse
import base64
import hashlib
import hmac
import os
import socket
import ssl
import sys


class ProtocolError(Exception):
    pass


def say(key, value):
    print(f"{key}: {value}", flush=True)


class Smtp:
    def __init__(self, args):
        src = (args.bind, 0) if args.bind else None
        self.sock = socket.create_connection((args.server, args.port),
                                             timeout=args.timeout,
                                             source_address=src)
        self.file = None
        if args.security == "smtps":
            self.tls()
        self.file = self.sock.makefile("rb")

    def tls(self):
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        self.sock = ctx.wrap_socket(self.sock)
        self.file = self.sock.makefile("rb")
        say("tls", self.sock.version())

    def reply(self):
        lines = []
        while True:
            line = self.file.readline(8192)
            if not line:
                raise ProtocolError("connection closed by the server")
            line = line.rstrip(b"\r\n").decode("utf-8", "replace")
            if len(line) < 3 or not line[:3].isdigit():
                raise ProtocolError("malformed reply line %r" % line[:80])
            lines.append(line)
            if line[3:4] != "-":
                return int(line[:3]), lines

    def cmd(self, text):
        self.sock.sendall(text.encode("utf-8") + b"\r\n")
        return self.reply()


def ehlo(smtp, helo):
    code, lines = smtp.cmd("EHLO " + helo)
    if code != 250:
        raise ProtocolError("EHLO refused: %s" % lines[-1])
    mechs = "-"
    starttls = False
    for line in lines[1:]:
        words = line[4:].split()
        if words and words[0].upper() == "AUTH":
            mechs = " ".join(words[1:]) or "-"
        if words and words[0].upper() == "STARTTLS":
            starttls = True
    say("ehlo", mechs)
    return starttls


def cram_md5(smtp, user, password):
    code, lines = smtp.cmd("AUTH CRAM-MD5")
    if code != 334:
        return code, lines
    challenge = base64.b64decode(lines[-1][4:].strip(), validate=True)
    digest = hmac.new(password.encode("utf-8"), challenge, hashlib.md5).hexdigest()
    answer = base64.b64encode(("%s %s" % (user, digest)).encode("utf-8")).decode("ascii")
    return smtp.cmd(answer)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--server", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--bind", help="source address of the connection")
    ap.add_argument("--security", choices=("none", "starttls", "smtps"), default="none")
    ap.add_argument("--mech", default="CRAM-MD5",
                    help="CRAM-MD5 or none; any mechanism with --ask-only")
    ap.add_argument("--ask-only", action="store_true")
    ap.add_argument("--user")
    ap.add_argument("--helo", default="probe.example.test")
    ap.add_argument("--timeout", type=float, default=10)
    args = ap.parse_args()
    if args.mech not in ("CRAM-MD5", "none") and not args.ask_only:
        ap.error("only CRAM-MD5 can authenticate; other mechanisms need --ask-only")
    if args.mech != "none" and not args.user and not args.ask_only:
        ap.error("--user is required with a mechanism")
    password = os.environ.get("MG_PASSWORD", "")

    try:
        smtp = Smtp(args)
        code, lines = smtp.reply()
        if code != 220:
            raise ProtocolError("greeting: %s" % lines[-1])
        starttls = ehlo(smtp, args.helo)
        if args.security == "starttls":
            if not starttls:
                raise ProtocolError("STARTTLS not offered")
            code, lines = smtp.cmd("STARTTLS")
            if code != 220:
                raise ProtocolError("STARTTLS refused: %s" % lines[-1])
            smtp.tls()
            ehlo(smtp, args.helo)
        if args.mech == "none":
            smtp.cmd("QUIT")
            return 0
        if args.ask_only:
            code, lines = smtp.cmd("AUTH " + args.mech)
            say("auth", lines[-1] if code != 334 else "334 (challenge)")
            if code == 334:
                smtp.cmd("*")
                code = 235
        else:
            code, lines = cram_md5(smtp, args.user, password)
            say("auth", lines[-1])
        try:
            smtp.cmd("QUIT")
        except (OSError, ProtocolError):
            pass
    except (OSError, ProtocolError, ValueError) as e:
        say("error", e)
        return 2
    if code == 235:
        return 0
    return 4 if 400 <= code < 500 else 1


if __name__ == "__main__":
    sys.exit(main())
