"""A write whose connection drops before the answer is reported, never silently sent twice (ST11)."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest

from kcp.sdk.client import Client


async def test_a_dropped_keep_alive_connection_does_not_resend_a_put() -> None:
    received: list[str] = []

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            method = head.split(b" ", 1)[0].decode()
            length = next(
                (
                    int(line.split(b":")[1])
                    for line in head.split(b"\r\n")
                    if line.lower().startswith(b"content-length")
                ),
                0,
            )
            await reader.readexactly(length)
            received.append(method)
            if method == "PUT":  # applied, then the connection drops before the answer
                writer.close()
                return
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}")
            await writer.drain()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    client = Client(f"http://127.0.0.1:{port}")
    try:
        await client.request("GET", "/warm")  # leaves a kept-alive connection in the pool
        with pytest.raises(aiohttp.ClientError):
            await client.request("PUT", "/thing", body={"a": 1})
        assert received == ["GET", "PUT"]
    finally:
        await client.close()
        server.close()
        await server.wait_closed()
