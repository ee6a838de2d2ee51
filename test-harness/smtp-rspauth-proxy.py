#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""An SMTP relay that shows whether a DIGEST-MD5 client checks rspauth.

It accepts one connection on 127.0.0.1 (an ephemeral port, written to
--port-file once listening), relays it line by line to the real server
and follows AUTH DIGEST-MD5: the server's second 334 carries rspauth.
With --tamper it changes one hex digit of that rspauth, as a server that
does not know the password would have to guess it. It then reports what
the client answered:

  final-reply: empty     an empty line (accepts the server)
  final-reply: echo      its digest-response again (accepts the server)
  final-reply: cancel    "*" (refuses the server)
  final-reply: other     anything else
  final-reply: none      nothing: the client hung up

plus "rspauth: tampered" when it changed one, and "auth: CODE" for the
server's verdict when there was one. Nothing else is printed: no payload,
no digest. It exits when either side closes, or after --timeout seconds.
"""

import argparse
import base64
import os
import re
import select
import socket
import sys
import time


def say(key, value):
    print(f"{key}: {value}", flush=True)


def tamper(payload):
    """payload: base64 of 'rspauth=<32 hex>'. Flip the first hex digit."""
    try:
        text = base64.b64decode(payload, validate=True).decode("ascii")
    except (ValueError, UnicodeDecodeError):
        return None
    m = re.search(r"rspauth=([0-9a-fA-F])", text)
    if not m:
        return None
    digit = m.group(1).lower()
    repl = "0" if digit != "0" else "1"
    text = text[:m.start(1)] + repl + text[m.end(1):]
    return base64.b64encode(text.encode("ascii")).decode("ascii")


def classify(line):
    if line == "":
        return "empty"
    if line == "*":
        return "cancel"
    try:
        text = base64.b64decode(line, validate=True).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        return "other"
    return "echo" if re.search(r"(^|,)\s*response\s*=", text) else "other"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--upstream-port", type=int, required=True)
    ap.add_argument("--upstream-host", default="127.0.0.1")
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--tamper", action="store_true")
    ap.add_argument("--timeout", type=float, default=20)
    args = ap.parse_args()

    lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lsock.bind(("127.0.0.1", 0))
    lsock.listen(1)
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(f"{lsock.getsockname()[1]}\n")
    os.rename(tmp, args.port_file)

    deadline = time.monotonic() + args.timeout
    lsock.settimeout(args.timeout)
    try:
        client, _ = lsock.accept()
    except socket.timeout:
        say("error", "no client connected")
        return 2
    lsock.close()
    server = socket.create_connection((args.upstream_host, args.upstream_port),
                                      timeout=args.timeout)

    # state: 0 before AUTH DIGEST-MD5, 1 challenge sent, 2 response sent,
    # 3 rspauth relayed (the client's next line is the final reply),
    # 4 final reply seen (the server's next reply is the verdict), 5 done
    state = 0
    bufs = {client: b"", server: b""}
    peer = {client: server, server: client}
    final_reported = False
    while time.monotonic() < deadline:
        ready, _, _ = select.select([client, server], [], [],
                                    max(0.0, deadline - time.monotonic()))
        if not ready:
            break
        closed = False
        for s in ready:
            data = s.recv(65536)
            if not data:
                closed = True
                break
            bufs[s] += data
            while b"\n" in bufs[s]:
                raw, bufs[s] = bufs[s].split(b"\n", 1)
                line = raw.rstrip(b"\r").decode("utf-8", "replace")
                out = raw + b"\n"
                if s is client:
                    if state == 0 and line.upper().startswith("AUTH DIGEST-MD5"):
                        state = 1
                    elif state == 3:
                        say("final-reply", classify(line))
                        final_reported = True
                        state = 4
                else:
                    if state == 1 and line.startswith("334 "):
                        state = 2
                    elif state == 2 and line.startswith("334 "):
                        if args.tamper:
                            forged = tamper(line[4:])
                            if forged is not None:
                                out = f"334 {forged}\r\n".encode("ascii")
                                say("rspauth", "tampered")
                        state = 3
                    elif state in (1, 2, 4) and re.match(r"^\d{3} ", line):
                        say("auth", line[:3])
                        state = 5
                peer[s].sendall(out)
        if closed:
            break
    if state == 3 and not final_reported:
        say("final-reply", "none")
    for s in (client, server):
        try:
            s.close()
        except OSError:
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
