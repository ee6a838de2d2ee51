#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""DIGEST-MD5 over SMTP, by hand: a minimal client for md5gate's tests.

It speaks SMTP on a plain socket and computes RFC 2831 (qop=auth) itself
with hashlib, independently of md5gate's code:

  A1       = MD5(user ":" realm ":" password)  (16 binary bytes)
             ":" nonce ":" cnonce
  A2       = "AUTHENTICATE:" digest-uri
  response = HEX(MD5(HEX(MD5(A1)) ":" nonce ":" nc ":" cnonce ":" qop ":"
                     HEX(MD5(A2))))
  rspauth  = the same with A2 = ":" digest-uri

With charset=utf-8 each of user, realm and password is converted to
ISO-8859-1 when all its characters fit there (RFC 2831 2.1.2.1).

It checks that the rspauth the server sends (in a 334, as SMTP has no
success data) equals the one it computes, and cancels with "*" if not.
Then it sends the final reply: empty (--final empty, what most clients
do) or its digest-response again (--final echo, what some clients do).
With --mail-from and --rcpt it sends one message after a 235.

The password is read from standard input (one line), never from argv.
Output: one "key: value" line per step; never the password, a digest or
a base64 payload.

Exit status: 0 authenticated (and, with --mail-from, message queued);
1 the server refused (the reply code is printed); 3 the server's
rspauth was wrong; 2 usage, network or protocol errors.
"""

import argparse
import base64
import hashlib
import os
import re
import socket
import sys


class ProtocolError(Exception):
    pass


def say(key, value):
    print(f"{key}: {value}", flush=True)


class Smtp:
    def __init__(self, host, port, timeout):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.buf = b""

    def line(self):
        while b"\n" not in self.buf:
            data = self.sock.recv(4096)
            if not data:
                raise ProtocolError("connection closed by the server")
            self.buf += data
        line, self.buf = self.buf.split(b"\n", 1)
        return line.rstrip(b"\r").decode("utf-8", "replace")

    def reply(self):
        """One (possibly multi-line) reply: (code, [texts])."""
        texts = []
        while True:
            line = self.line()
            if not re.match(r"^\d{3}[ -]", line):
                raise ProtocolError(f"malformed reply line: {line[:40]!r}")
            texts.append(line[4:])
            if line[3] == " ":
                return int(line[:3]), texts

    def send(self, text):
        self.sock.sendall(text.encode("utf-8") + b"\r\n")

    def command(self, text):
        self.send(text)
        return self.reply()

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def parse_directives(text):
    """RFC 2831 directives: name=token or name="quoted", comma-separated."""
    out = {}
    pos = 0
    n = len(text)
    while pos < n:
        while pos < n and text[pos] in " \t,":
            pos += 1
        if pos >= n:
            break
        m = re.compile(r"([A-Za-z0-9-]+)\s*=\s*").match(text, pos)
        if not m:
            raise ProtocolError("unparsable directive list")
        name = m.group(1).lower()
        pos = m.end()
        if pos < n and text[pos] == '"':
            pos += 1
            value = []
            while pos < n and text[pos] != '"':
                if text[pos] == "\\" and pos + 1 < n:
                    pos += 1
                value.append(text[pos])
                pos += 1
            if pos >= n:
                raise ProtocolError("unterminated quoted string")
            pos += 1
            value = "".join(value)
        else:
            end = pos
            while end < n and text[end] != ",":
                end += 1
            value = text[pos:end].strip()
            pos = end
        out.setdefault(name, []).append(value)
    return out


def charset_bytes(text):
    """The bytes hashed for user, realm or password: ISO-8859-1 when every
    character fits there, else UTF-8. With charset=utf-8 RFC 2831 asks for
    exactly this; without it the strings are ISO-8859-1 by definition."""
    try:
        return text.encode("iso-8859-1")
    except UnicodeEncodeError:
        return text.encode("utf-8")


def md5(data):
    return hashlib.md5(data).digest()


def md5_hex(data):
    return hashlib.md5(data).hexdigest()


def digest(user, realm, password, nonce, cnonce, nc, qop, uri, a2_prefix):
    secret = md5(b":".join([charset_bytes(user), charset_bytes(realm),
                            charset_bytes(password)]))
    a1 = secret + b":" + nonce.encode() + b":" + cnonce.encode()
    a2 = a2_prefix + b":" + uri.encode("utf-8")
    kd = b":".join([md5_hex(a1).encode(), nonce.encode(), nc.encode(),
                    cnonce.encode(), qop.encode(), md5_hex(a2).encode()])
    return md5_hex(kd)


def quote(value):
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def b64(text):
    return base64.b64encode(text.encode("utf-8")).decode("ascii")


def unb64(text):
    try:
        return base64.b64decode(text.strip(), validate=True).decode("utf-8")
    except (ValueError, UnicodeDecodeError) as e:
        raise ProtocolError(f"bad base64 from the server: {e}") from e


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--server", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--user", required=True)
    ap.add_argument("--realm", help="default: the first realm offered")
    ap.add_argument("--service", default="smtp")
    ap.add_argument("--uri-host", help="digest-uri host (default: --server)")
    ap.add_argument("--final", choices=("empty", "echo"), default="empty")
    ap.add_argument("--helo", default="raw-client.example.test")
    ap.add_argument("--mail-from")
    ap.add_argument("--rcpt")
    ap.add_argument("--header", action="append", default=[],
                    help="extra header line for the message (repeatable)")
    ap.add_argument("--timeout", type=float, default=15)
    args = ap.parse_args()

    password = sys.stdin.readline()
    if password.endswith("\n"):
        password = password[:-1]
    if password.endswith("\r"):
        password = password[:-1]

    smtp = Smtp(args.server, args.port, args.timeout)
    try:
        code, _ = smtp.reply()
        if code != 220:
            raise ProtocolError(f"greeting {code}")
        code, lines = smtp.command(f"EHLO {args.helo}")
        if code != 250:
            raise ProtocolError(f"EHLO {code}")
        mechs = set()
        for text in lines:
            if text.upper().startswith("AUTH "):
                mechs.update(text[5:].upper().split())
        if "DIGEST-MD5" not in mechs:
            raise ProtocolError("DIGEST-MD5 is not offered")

        code, texts = smtp.command("AUTH DIGEST-MD5")
        if code != 334:
            say("auth", code)
            return 1
        chal = parse_directives(unb64(texts[0]))
        for name in ("nonce", "algorithm"):
            if len(chal.get(name, [])) != 1:
                raise ProtocolError(f"challenge needs exactly one {name}")
        if chal["algorithm"][0].lower() != "md5-sess":
            raise ProtocolError("algorithm is not md5-sess")
        qops = [q.strip() for v in chal.get("qop", ["auth"]) for q in v.split(",")]
        if "auth" not in qops:
            raise ProtocolError("qop auth not offered")
        utf8 = chal.get("charset", [""])[0].lower() == "utf-8"
        realms = chal.get("realm", [])
        realm = args.realm if args.realm is not None else (realms[0] if realms else "")
        nonce = chal["nonce"][0]
        cnonce = base64.b64encode(os.urandom(18)).decode("ascii")
        nc = "00000001"
        uri = f"{args.service}/{args.uri_host or args.server}"
        say("challenge", f"realms={','.join(realms)} charset={'utf-8' if utf8 else 'none'}")

        def kd(prefix):
            return digest(args.user, realm, password, nonce, cnonce, nc, "auth",
                          uri, prefix)

        fields = [f"username={quote(args.user)}", f"realm={quote(realm)}",
                  f"nonce={quote(nonce)}", f"cnonce={quote(cnonce)}", f"nc={nc}",
                  "qop=auth", f"digest-uri={quote(uri)}",
                  f"response={kd(b'AUTHENTICATE')}"]
        if utf8:
            fields.append("charset=utf-8")
        response = ",".join(fields)
        expected_rspauth = kd(b"")

        code, texts = smtp.command(b64(response))
        if code != 334:
            say("auth", code)
            return 1
        final = parse_directives(unb64(texts[0]))
        got = final.get("rspauth", [])
        if len(got) != 1 or got[0].lower() != expected_rspauth:
            say("rspauth", "MISMATCH (server failed mutual authentication)")
            code, _ = smtp.command("*")
            say("cancel", code)
            return 3
        say("rspauth", "verified")

        say("final-reply", args.final)
        code, _ = smtp.command("" if args.final == "empty" else b64(response))
        say("auth", code)
        if code != 235:
            return 1

        if args.mail_from:
            for cmd, want in ((f"MAIL FROM:<{args.mail_from}>", 250),
                              (f"RCPT TO:<{args.rcpt}>", 250), ("DATA", 354)):
                code, _ = smtp.command(cmd)
                if code != want:
                    say(cmd.split(":")[0].split()[0].lower(), code)
                    return 1
            for h in args.header + ["Subject: raw DIGEST-MD5 client", ""]:
                smtp.send(h)
            smtp.send("sent by test-harness/raw-digest-smtp.py")
            code, texts = smtp.command(".")
            say("data", code)
            if code != 250:
                return 1
        smtp.command("QUIT")
        return 0
    except (ProtocolError, OSError) as e:
        say("error", e)
        return 2
    finally:
        smtp.close()


if __name__ == "__main__":
    sys.exit(main())
