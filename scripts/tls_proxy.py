#!/usr/bin/env python3
"""A TLS-terminating TCP proxy in front of a plaintext broker, for tests.

    tls_proxy.py LISTEN_PORT UPSTREAM_PORT CERT KEY [CLIENT_CA]

tansu 0.6.0 cannot serve TLS from its command line (its --cert and --key share an
exclusive clap group), so scripts/brokers.sh puts this proxy on the port tansu
advertises. Clients get a real TLS handshake (server certificate signed by a test CA;
with CLIENT_CA, a client certificate is required, as on MSK with mutual TLS) and then
speak the Kafka protocol to tansu unchanged, SASL included.
"""

import asyncio
import ssl
import sys


async def pipe(reader, writer):
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, ssl.SSLError, OSError):
        pass
    finally:
        writer.close()


async def main():
    listen_port, upstream_port, cert, key = sys.argv[1:5]
    client_ca = sys.argv[5] if len(sys.argv) > 5 else None
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    if client_ca:
        context.verify_mode = ssl.CERT_REQUIRED
        context.load_verify_locations(client_ca)

    async def handle(client_reader, client_writer):
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection(
                "127.0.0.1", int(upstream_port)
            )
        except OSError:
            client_writer.close()
            return
        await asyncio.gather(
            pipe(client_reader, upstream_writer), pipe(upstream_reader, client_writer)
        )

    server = await asyncio.start_server(
        handle, "127.0.0.1", int(listen_port), ssl=context, reuse_address=True
    )
    print("tls proxy ready", flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        pass
