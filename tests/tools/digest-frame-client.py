#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""A client that sends names and realms as it is told, for tests/tools/sasl-exchange.

Run by sasl-exchange --client-exec with --fd N --user U --password P
--service S --host H --realm R (its --client-realm): it speaks the
driver's frame protocol on descriptor N and answers the challenge with
realm R whatever the server offered - the empty string sends no realm
directive - which libsasl2's own clients never do when one realm is
offered. RFC 2831 qop=auth is computed here with hashlib:

  A1       = MD5(user ":" realm ":" password) ":" nonce ":" cnonce
  response = HEX(MD5(HEX(MD5(A1)) ":" nonce ":" nc ":" cnonce ":auth:"
                     HEX(MD5("AUTHENTICATE:" digest-uri))))

(ISO-8859-1 for the hash when all characters fit and the server offered
charset=utf-8, as RFC 2831 2.1.2.1 says.) With MG_FRAME_MECH=CRAM-MD5 in
the environment it speaks CRAM-MD5 instead (RFC 2195, HMAC-MD5 over the
UTF-8 password). Either way the user name goes out exactly as given,
white space included, which libsasl2's clients (their own canon_user
trims it) never send. Prints "client: result=ok" or
"client: result=refused-by-server"; never the password or a digest.
"""

import argparse
import hashlib
import hmac
import os
import re
import struct
import sys


def read_all(fd, n):
    data = b""
    while len(data) < n:
        chunk = os.read(fd, n - len(data))
        if not chunk:
            raise EOFError("connection closed")
        data += chunk
    return data


def recv_frame(fd):
    hdr = read_all(fd, 5)
    length = struct.unpack(">I", hdr[1:])[0]
    return chr(hdr[0]), read_all(fd, length) if length else b""


def send_frame(fd, kind, data=b""):
    os.write(fd, kind.encode("ascii") + struct.pack(">I", len(data)) + data)


def directives(text):
    out = {}
    for m in re.finditer(r'([A-Za-z-]+)=("((?:[^"\\]|\\.)*)"|[^,]*)', text):
        out.setdefault(m.group(1).lower(),
                       re.sub(r"\\(.)", r"\1", m.group(3)) if m.group(3) is not None
                       else m.group(2))
    return out


def hash_form(text, utf8):
    if utf8:
        try:
            return text.encode("iso-8859-1")
        except UnicodeEncodeError:
            return text.encode("utf-8")
    return text.encode("iso-8859-1", "replace")


def quote(text):
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def finish(fd):
    while True:
        kind, _ = recv_frame(fd)
        if kind == "K":
            print("client: result=ok (script)")
            return 0
        if kind != "D":
            print("client: result=refused-by-server")
            return 0
        send_frame(fd, "D")        # the final reply to rspauth: empty


def cram(fd, args):
    send_frame(fd, "A", b"CRAM-MD5")
    kind, data = recv_frame(fd)
    if kind != "D":
        print("client: result=refused-by-server")
        return 0
    digest = hmac.new(args.password.encode("utf-8"), data, hashlib.md5).hexdigest()
    send_frame(fd, "D", ("%s %s" % (args.user, digest)).encode("utf-8"))
    return finish(fd)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    for name in ("fd", "user", "password", "service", "host", "realm"):
        ap.add_argument("--" + name, required=True)
    ap.add_argument("--messages")
    args = ap.parse_args()
    fd = int(args.fd)
    if os.environ.get("MG_FRAME_MECH") == "CRAM-MD5":
        return cram(fd, args)
    send_frame(fd, "A", b"DIGEST-MD5")
    kind, data = recv_frame(fd)
    if kind != "D":
        print("client: result=refused-by-server")
        return 0
    chal = directives(data.decode("utf-8"))
    utf8 = chal.get("charset", "").lower() == "utf-8"
    nonce, cnonce, nc = chal["nonce"], "c" + os.urandom(8).hex(), "00000001"
    uri = "%s/%s" % (args.service, args.host)
    a1 = hashlib.md5(b":".join(hash_form(t, utf8) for t in
                               (args.user, args.realm, args.password))).digest()
    ha1 = hashlib.md5(a1 + (":%s:%s" % (nonce, cnonce)).encode("utf-8")).hexdigest()
    ha2 = hashlib.md5(("AUTHENTICATE:" + uri).encode("utf-8")).hexdigest()
    response = hashlib.md5(("%s:%s:%s:%s:auth:%s" % (ha1, nonce, nc, cnonce, ha2))
                           .encode("utf-8")).hexdigest()
    parts = ["username=" + quote(args.user)]
    if args.realm:
        parts.append("realm=" + quote(args.realm))
    parts += ["nonce=" + quote(nonce), "cnonce=" + quote(cnonce), "nc=" + nc,
              "qop=auth", "digest-uri=" + quote(uri), "response=" + response]
    if utf8:
        parts.append("charset=utf-8")
    send_frame(fd, "D", ",".join(parts).encode("utf-8"))
    return finish(fd)


if __name__ == "__main__":
    sys.exit(main())
