#!/usr/bin/env python3
"""Throwaway HTTPS server for the MTA-STS policy in maildnscheck's live
tests: serves DIR on 127.0.0.1:PORT with CERT/KEY.

  httpstls.py PORT DIR CERT KEY
"""
import functools
import http.server
import ssl
import sys


def main():
    port, root, cert, key = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
    handler = functools.partial(http.server.SimpleHTTPRequestHandler,
                                directory=root)
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    httpd.socket = ctx.wrap_socket(httpd.socket, server_side=True)
    httpd.serve_forever()


if __name__ == "__main__":
    main()
