#!/usr/bin/env python3
"""Throwaway SMTP/TLS endpoint for maildnscheck's live tests, on 127.0.0.1.

  smtptls.py PORT MODE CERT KEY
  MODE: starttls    220, EHLO advertises STARTTLS, TLS after it
        nostarttls  220, EHLO without STARTTLS
        implicit    TLS at once (port 465 style), then 220
        silent      accepts and never says a word
Serves until killed; one thread per connection.
"""
import socket
import ssl
import sys
import threading
import time


def line(f):
    return f.readline(1000)


def smtp(conn, starttls, ctx):
    f = conn.makefile("rwb", buffering=0)
    f.write(b"220 test ESMTP\r\n")
    while True:
        cmd = line(f)
        if not cmd:
            return
        verb = cmd[:8].upper()
        if verb.startswith(b"EHLO") or verb.startswith(b"HELO"):
            ext = b"250-test\r\n250-PIPELINING\r\n"
            if starttls:
                ext += b"250-STARTTLS\r\n"
            f.write(ext + b"250 8BITMIME\r\n")
        elif verb.startswith(b"STARTTLS") and starttls:
            f.write(b"220 go ahead\r\n")
            tls = ctx.wrap_socket(conn, server_side=True)
            smtp(tls, False, ctx)
            return
        elif verb.startswith(b"QUIT"):
            f.write(b"221 bye\r\n")
            return
        else:
            f.write(b"502 no\r\n")


def serve(conn, mode, ctx):
    try:
        conn.settimeout(30)
        if mode == "silent":
            time.sleep(30)
        elif mode == "implicit":
            smtp(ctx.wrap_socket(conn, server_side=True), False, ctx)
        else:
            smtp(conn, mode == "starttls", ctx)
    except (OSError, ssl.SSLError):
        pass
    finally:
        try:
            conn.close()
        except OSError:
            pass


def main():
    port, mode, cert, key = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", port))
    s.listen(16)
    while True:
        conn, _ = s.accept()
        threading.Thread(target=serve, args=(conn, mode, ctx), daemon=True).start()


if __name__ == "__main__":
    main()
