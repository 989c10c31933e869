"""`python -m server.emulator --port 8024`: the demo portal as a plain HTTP VibeCode API."""

from __future__ import annotations

import argparse
import json
import logging
import socket
import sys

import uvicorn

from . import faults, limits
from .api import DEMO_API_KEY, Portal
from .asgi import App


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m server.emulator", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8024, help="0 picks a free port")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--api-key", default=DEMO_API_KEY, help="the key clients must send (default: demo key)")
    parser.add_argument(
        "--limits",
        action="store_true",
        help="enforce the real limits: 10 units/s per portal, 300 requests/min per key, a 2-slot queue",
    )
    parser.add_argument("--rate-limit", type=float, default=10.0, help="portal units per second (with --limits)")
    parser.add_argument("--key-rate-limit", type=int, default=300, help="requests per minute per key (with --limits)")
    parser.add_argument(
        "--work-seconds", type=float, default=0.0, help="simulated Bitrix24 time per request in the queue"
    )
    parser.add_argument(
        "--faults",
        default="",
        help="inject faults: kind=rate[:seconds],... with kinds " + ", ".join(faults.KINDS),
    )
    parser.add_argument("--fault-seed", type=int, default=0)
    args = parser.parse_args(argv)
    try:
        args.fault_rules = faults.parse(args.faults)
    except ValueError as exc:
        parser.error(str(exc))
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(stream=sys.stderr, level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    portal = Portal(
        seed=args.seed, scale=args.scale, api_keys=(args.api_key,), requests_per_second=int(args.rate_limit)
    )
    stats = None
    if args.limits:
        limit_config = limits.LimitConfig(
            units_per_second=args.rate_limit, requests_per_minute=args.key_rate_limit, work_seconds=args.work_seconds
        )
        stats = limits.install(portal, limit_config)
    if args.fault_rules:
        faults.install(portal, args.fault_rules, seed=args.fault_seed)
    family = socket.AF_INET6 if ":" in args.host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # Accepted connections inherit this; without it uvicorn's pre-bound-socket path leaves Nagle on
    # and every keep-alive response stalls ~40 ms on the peer's delayed ACK.
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind((args.host, args.port))
    port = sock.getsockname()[1]
    shown_host = f"[{args.host}]" if family == socket.AF_INET6 else args.host
    key_text = args.api_key if args.api_key == DEMO_API_KEY else "(the key given by --api-key)"
    print(f"VibeCode demo portal: base URL http://{shown_host}:{port}", file=sys.stderr)
    print(f"X-Api-Key: {key_text}", file=sys.stderr, flush=True)

    def report() -> None:  # one line a harness can read after stopping the portal
        if stats is not None:
            print("limits: " + json.dumps(stats.summary()), file=sys.stderr, flush=True)

    config = uvicorn.Config(App(portal, on_shutdown=report), log_level="info", lifespan="on", access_log=True)
    uvicorn.Server(config).run(sockets=[sock])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
