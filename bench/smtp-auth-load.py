#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""SMTP AUTH load for make bench: CONCURRENCY clients, each opening one
session after another for SECONDS: connect, EHLO, AUTH (CRAM-MD5 or
DIGEST-MD5, computed here with hashlib and hmac), QUIT.

Usage: smtp-auth-load.py --port P --mech M --user U --password-file F
    --concurrency N --seconds S [--host 127.0.0.1] [--realm R]
    [--uri-host H]

Prints one line: "sessions=N failures=N seconds=T rate=R", R being
successful sessions per second. A session fails when any reply is not the
expected one (and for DIGEST-MD5, when the server's rspauth is wrong);
the first failure's reply is printed to standard error. Standard library
only; one process, asyncio, so the client itself stays light.
"""
import argparse
import asyncio
import base64
import hashlib
import hmac
import os
import sys
import time


class SessionError(Exception):
    pass


async def reply(reader):
    """One SMTP reply (all its lines): (code, last line text)."""
    lines = []
    while True:
        line = await reader.readline()
        if not line:
            raise SessionError("connection closed")
        lines.append(line)
        if len(line) < 4 or line[3:4] != b"-":
            break
    code = int(lines[-1][:3])
    return code, lines[-1][4:].strip()


async def expect(reader, code):
    got, text = await reply(reader)
    if got != code:
        raise SessionError("expected %d, got %d %s" % (code, got, text.decode(errors="replace")))
    return text


def cram_response(args, challenge_b64):
    challenge = base64.b64decode(challenge_b64)
    digest = hmac.new(args.password, challenge, hashlib.md5).hexdigest()
    return base64.b64encode(args.user.encode() + b" " + digest.encode())


def parse_directives(text):
    out, i, n = {}, 0, len(text)
    while i < n:
        while i < n and text[i] in " \t,":
            i += 1
        j = text.find("=", i)
        if j < 0:
            break
        key = text[i:j].strip().lower()
        i = j + 1
        if i < n and text[i] == '"':
            i += 1
            val = []
            while i < n and text[i] != '"':
                if text[i] == "\\" and i + 1 < n:
                    i += 1
                val.append(text[i])
                i += 1
            i += 1
            value = "".join(val)
        else:
            j = text.find(",", i)
            j = n if j < 0 else j
            value = text[i:j].strip()
            i = j
        out.setdefault(key, value)
    return out


def md5(data):
    return hashlib.md5(data).digest()


def md5hex(data):
    return hashlib.md5(data).hexdigest()


def digest_response(args, challenge_b64):
    d = parse_directives(base64.b64decode(challenge_b64).decode("latin-1"))
    realm = d.get("realm", args.realm)
    nonce = d["nonce"]
    cnonce = base64.b64encode(os.urandom(12)).decode()
    uri = "smtp/" + args.uri_host
    nc = "00000001"
    a1 = (md5(b"%s:%s:%s" % (args.user.encode(), realm.encode(), args.password))
          + b":" + nonce.encode() + b":" + cnonce.encode())
    ha1 = md5hex(a1)
    ha2 = md5hex(b"AUTHENTICATE:" + uri.encode())
    response = md5hex(("%s:%s:%s:%s:auth:%s" % (ha1, nonce, nc, cnonce, ha2)).encode())
    rspauth = md5hex(("%s:%s:%s:%s:auth:%s" % (ha1, nonce, nc, cnonce,
                                              md5hex((":" + uri).encode()))).encode())
    text = ('charset=utf-8,username="%s",realm="%s",nonce="%s",nc=%s,cnonce="%s",'
            'digest-uri="%s",response=%s,qop=auth' % (args.user, realm, nonce, nc,
                                                       cnonce, uri, response))
    return base64.b64encode(text.encode()), rspauth


async def session(args):
    reader, writer = await asyncio.open_connection(args.host, args.port)
    try:
        await expect(reader, 220)
        writer.write(b"EHLO bench.example.test\r\n")
        await expect(reader, 250)
        writer.write(b"AUTH " + args.mech.encode() + b"\r\n")
        challenge = await expect(reader, 334)
        if args.mech == "CRAM-MD5":
            writer.write(cram_response(args, challenge) + b"\r\n")
        else:
            response, rspauth = digest_response(args, challenge)
            writer.write(response + b"\r\n")
            final = base64.b64decode(await expect(reader, 334)).decode("latin-1")
            if final != "rspauth=" + rspauth:
                raise SessionError("wrong rspauth")
            writer.write(b"\r\n")
        await expect(reader, 235)
        writer.write(b"QUIT\r\n")
        await expect(reader, 221)
    finally:
        writer.close()
        try:
            await writer.wait_closed()
        except OSError:
            pass


async def client(args, deadline, counts):
    while time.monotonic() < deadline:
        try:
            await session(args)
            counts[0] += 1
        except (SessionError, OSError, ValueError, KeyError) as e:
            counts[1] += 1
            if counts[1] == 1:
                print("first failure: %s" % e, file=sys.stderr)


async def main_async(args):
    counts = [0, 0]
    start = time.monotonic()
    deadline = start + args.seconds
    await asyncio.gather(*(client(args, deadline, counts) for _ in range(args.concurrency)))
    elapsed = time.monotonic() - start
    print("sessions=%d failures=%d seconds=%.3f rate=%.1f"
          % (counts[0], counts[1], elapsed, counts[0] / elapsed))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--mech", choices=["CRAM-MD5", "DIGEST-MD5"], required=True)
    p.add_argument("--user", required=True)
    p.add_argument("--password-file", required=True)
    p.add_argument("--realm", default="example.test")
    p.add_argument("--uri-host", default="mx.example.test")
    p.add_argument("--concurrency", type=int, default=1)
    p.add_argument("--seconds", type=float, default=10.0)
    args = p.parse_args()
    with open(args.password_file, "rb") as f:
        args.password = f.read()
    asyncio.run(main_async(args))


if __name__ == "__main__":
    main()
