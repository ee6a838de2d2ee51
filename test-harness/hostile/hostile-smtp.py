#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""hostile-smtp: a scripted SMTP server that misbehaves in DIGEST-MD5.

Each listening port has one behaviour (MODE):

  rspauth    a well-formed challenge, then a wrong rspauth; if the client
             nevertheless answers it, the server says 235 and accepts
             the mail (so a client that ignores rspauth visibly loses it)
  malformed  a challenge that is not valid RFC 2831 (unterminated quoted
             string, nonce given twice, no algorithm)
  oversized  a challenge that is well-formed but for its size, more than
             2048 bytes (RFC 2831 section 2.1.1 caps it at 2048)
  drop       a well-formed challenge; after the client's response the
             connection is closed without a reply
  stall      greets and answers EHLO, then never answers AUTH (a client
             must give up by its own timeout)
  garbage    a greeting that is not an SMTP reply

Usage: hostile-smtp.py --addr A --log FILE --ready FILE MODE=PORT...

It writes FILE (--ready) once every port is bound, and exits 2 when a port
cannot be bound (the caller picks another). It logs one line per event to
--log, never an authentication payload. It stops on SIGTERM or SIGINT, and
by itself after --lifetime seconds (default 600).
"""
import argparse
import base64
import os
import secrets
import signal
import socket
import socketserver
import sys
import threading
import time

MODES = ("rspauth", "malformed", "oversized", "drop", "stall", "garbage")
log_lock = threading.Lock()
log_file = None


def log(port, mode, msg):
    with log_lock:
        log_file.write("%s port=%d mode=%s %s\n" % (time.strftime("%H:%M:%S"), port, mode, msg))
        log_file.flush()


def challenge(mode, host):
    nonce = base64.b64encode(secrets.token_bytes(24)).decode()
    if mode == "malformed":
        return ('realm="example.test",nonce="%s",nonce="again",qop="auth",charset=utf-8,'
                'realm="unterminated' % nonce).encode()
    if mode == "oversized":
        # Valid but for its size: an unknown directive (which RFC 2831 says
        # to ignore) pads it past the 2048-byte limit.
        return ('realm="example.test",nonce="%s",qop="auth",charset=utf-8,'
                'algorithm=md5-sess,x-padding="%s"' % (nonce, "x" * 2400)).encode()
    return ('realm="example.test",nonce="%s",qop="auth",charset=utf-8,algorithm=md5-sess'
            % nonce).encode()


class Handler(socketserver.StreamRequestHandler):
    timeout = 30

    def send(self, line):
        self.wfile.write(line.encode() + b"\r\n")
        self.wfile.flush()

    def readline(self):
        line = self.rfile.readline(4096)
        if not line:
            raise EOFError
        return line.rstrip(b"\r\n").decode("latin-1")

    def handle(self):
        port = self.server.server_address[1]
        mode = self.server.mode
        authed = False
        log(port, mode, "connect from %s" % self.client_address[0])
        try:
            if mode == "garbage":
                log(port, mode, "malformed greeting sent")
                self.send("hello, this is not SMTP")
                self.wait_for_close(port, mode)
                return
            self.send("220 hostile.example.test ESMTP scripted")
            while True:
                line = self.readline()
                verb = line.split(" ", 1)[0].upper()
                if verb in ("EHLO", "HELO"):
                    self.send("250-hostile.example.test")
                    self.send("250-PIPELINING")
                    self.send("250-AUTH DIGEST-MD5")
                    self.send("250 8BITMIME")
                elif verb == "AUTH":
                    log(port, mode, "AUTH %s" % line[5:].split(" ", 1)[0])
                    authed = self.auth(port, mode)
                    if authed is None:
                        return
                elif verb == "MAIL":
                    if not authed:
                        self.send("530 5.7.0 Authentication required")
                    else:
                        self.send("250 2.1.0 Ok")
                elif verb == "RCPT":
                    self.send("250 2.1.5 Ok" if authed else "503 5.5.1 Error: need MAIL")
                elif verb == "DATA":
                    if not authed:
                        self.send("503 5.5.1 Error: need RCPT")
                        continue
                    self.send("354 End data with <CR><LF>.<CR><LF>")
                    while self.readline() != ".":
                        pass
                    log(port, mode, "MAIL ACCEPTED (a client that trusted a bad server lost it)")
                    self.send("250 2.0.0 Ok: swallowed")
                elif verb == "QUIT":
                    log(port, mode, "QUIT")
                    self.send("221 2.0.0 Bye")
                    return
                elif verb in ("RSET", "NOOP"):
                    self.send("250 2.0.0 Ok")
                else:
                    self.send("502 5.5.2 Error: command not recognized")
        except (EOFError, ConnectionError, socket.timeout):
            log(port, mode, "client closed the connection")

    def wait_for_close(self, port, mode):
        """Read and ignore whatever comes until the client gives up."""
        try:
            while self.rfile.readline(4096):
                pass
        except (ConnectionError, socket.timeout):
            pass
        log(port, mode, "client gave up")

    def auth(self, port, mode):
        """Returns True when the client passed, False on a refusal, None
        when the connection must end."""
        if mode == "stall":
            log(port, mode, "stalling after AUTH")
            self.wait_for_close(port, mode)
            return None
        chal = challenge(mode, "hostile.example.test")
        log(port, mode, "challenge sent (%d bytes)" % len(chal))
        self.send("334 " + base64.b64encode(chal).decode())
        resp = self.readline()
        if resp.upper() == "QUIT":
            log(port, mode, "client refused the challenge (QUIT instead of a response)")
            self.send("221 2.0.0 Bye")
            return None
        if resp == "*":
            log(port, mode, "client cancelled after the challenge")
            self.send("501 5.7.0 Authentication aborted")
            return False
        log(port, mode, "digest-response received")
        if mode == "drop":
            log(port, mode, "dropping the connection mid-exchange")
            self.request.shutdown(socket.SHUT_RDWR)
            return None
        # Every mode that gets here (a client that even answered a broken
        # challenge) is sent an rspauth that cannot be right.
        self.send("334 " + base64.b64encode(b"rspauth=" + secrets.token_hex(16).encode())
                  .decode())
        log(port, mode, "wrong rspauth sent")
        final = self.readline()
        if final.upper() == "QUIT":
            log(port, mode, "client refused the wrong rspauth (QUIT) (good)")
            self.send("221 2.0.0 Bye")
            return None
        if final == "*":
            log(port, mode, "client cancelled after the wrong rspauth (good)")
            self.send("501 5.7.0 Authentication aborted")
            return False
        log(port, mode, "client ACCEPTED the wrong rspauth (final reply %s)"
            % ("empty" if final == "" else "non-empty"))
        self.send("235 2.7.0 Authentication successful")
        return True


class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True


def main():
    global log_file
    ap = argparse.ArgumentParser()
    ap.add_argument("--addr", default="127.0.0.1")
    ap.add_argument("--log", required=True)
    ap.add_argument("--ready", required=True)
    ap.add_argument("--lifetime", type=int, default=600)
    ap.add_argument("ports", nargs="+", help="MODE=PORT")
    args = ap.parse_args()
    log_file = open(args.log, "a")
    servers = []
    for spec in args.ports:
        mode, _, port = spec.partition("=")
        if mode not in MODES or not port.isdigit():
            ap.error("bad MODE=PORT: %s" % spec)
        try:
            srv = Server((args.addr, int(port)), Handler)
        except OSError as e:
            print("hostile-smtp: cannot bind %s:%s: %s" % (args.addr, port, e), file=sys.stderr)
            for s in servers:
                s.server_close()
            return 2
        srv.mode = mode
        servers.append(srv)
    for srv in servers:
        threading.Thread(target=srv.serve_forever, daemon=True).start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *a: stop.set())
    signal.signal(signal.SIGINT, lambda *a: stop.set())
    with open(args.ready + ".tmp", "w") as f:
        f.write("%d\n" % os.getpid())
    os.rename(args.ready + ".tmp", args.ready)
    stop.wait(args.lifetime)
    for srv in servers:
        srv.shutdown()
        srv.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
