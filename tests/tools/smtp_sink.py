#!/usr/bin/python3
"""smtp_sink.py - a real SMTP server on loopback for the notices' tests
(tests/cli/notify.bats), built on Debian's python3-aiosmtpd.

    smtp_sink.py --dir DIR --port-file FILE [--mode accept|refuse550|refuse451|hang]

Listens on a free port of 127.0.0.1 and writes it to FILE once it accepts
connections.  Modes:
  accept     each message is saved as DIR/NNNN.eml (the bytes as received)
             with its envelope in DIR/NNNN.json
  refuse550  every recipient is refused: 550 5.1.1 <address>: user unknown
             (the address echoed, as real servers do: custody must not keep it)
  refuse451  every recipient is deferred: 451 4.3.0 try again later
  hang       the DATA is never answered (for custody's timeout)
Runs until it is killed.
"""
import argparse
import asyncio
import json
import os
import sys

from aiosmtpd.smtp import SMTP


class Handler:
    def __init__(self, directory, mode):
        self.dir = directory
        self.mode = mode
        self.count = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.mode == "refuse550":
            return "550 5.1.1 <%s>: Recipient address rejected: user unknown" % address
        if self.mode == "refuse451":
            return "451 4.3.0 <%s>: try again later" % address
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.mode == "hang":
            await asyncio.sleep(3600)
        self.count += 1
        base = os.path.join(self.dir, "%04d" % self.count)
        data = envelope.original_content or envelope.content
        if isinstance(data, str):
            data = data.encode("utf-8")
        with open(base + ".eml.tmp", "wb") as f:
            f.write(data)
        with open(base + ".json", "w") as f:
            json.dump({"from": envelope.mail_from, "to": envelope.rcpt_tos}, f)
        os.rename(base + ".eml.tmp", base + ".eml")
        return "250 2.0.0 Ok: queued"


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", required=True)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--mode", default="accept",
                    choices=["accept", "refuse550", "refuse451", "hang"])
    a = ap.parse_args()
    os.makedirs(a.dir, exist_ok=True)
    handler = Handler(a.dir, a.mode)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: SMTP(handler, decode_data=False, enable_SMTPUTF8=True,
                     hostname="sink.test"),
        host="127.0.0.1", port=0)
    port = server.sockets[0].getsockname()[1]
    with open(a.port_file + ".tmp", "w") as f:
        f.write("%d\n" % port)
    os.rename(a.port_file + ".tmp", a.port_file)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(0)
