"""`python -m openoutreach.sandbox serve --port P --people N --seed S --scenario NAME`."""

from __future__ import annotations

import argparse
import asyncio
import sys

import uvicorn
from uvicorn.protocols.http import h11_impl

from openoutreach.sandbox import scenarios
from openoutreach.sandbox.app import build_sandbox, create_app
from openoutreach.sandbox.population import parse_markup_share
from openoutreach.sandbox.voyager_graphql import DEFAULT_QUERY_ID, DEFAULT_SHARE, QUERY_PREFIX


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m openoutreach.sandbox", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="serve the LinkedIn + LLM stand-in over HTTP")
    serve.add_argument("--host", default="127.0.0.1", help="bind address (default loopback only)")
    serve.add_argument("--port", type=int, default=8765)
    serve.add_argument("--people", type=int, default=500)
    serve.add_argument("--seed", type=int, default=7)
    serve.add_argument("--scenario", default="devops", choices=scenarios.available())
    serve.add_argument("--clock-speed", type=float, default=1.0, help="sandbox seconds per real second")
    serve.add_argument(
        "--accept-delay-scale",
        type=float,
        default=1.0,
        help="multiplies the time people take to accept an invitation (default 1: a median near 20 h)",
    )
    serve.add_argument("--llm-noise", type=float, default=0.0, help="share of LLM answers flipped (0..1)")
    serve.add_argument(
        "--markup-share",
        default="2026=0.6,2022=0.3,older=0.1",
        help="share of people served each profile-page generation (weights, normalised)",
    )
    serve.add_argument(
        "--voyager-graphql-share",
        type=float,
        default=DEFAULT_SHARE,
        help="share of people whose REST Voyager answer has the GraphQL shape (0..1, stable per person)",
    )
    serve.add_argument(
        "--voyager-graphql-query-id",
        default=DEFAULT_QUERY_ID,
        help="the current voyagerIdentityDashProfiles.<hash> of /voyager/api/graphql (others are stale)",
    )
    args = parser.parse_args(argv)
    try:
        share = parse_markup_share(args.markup_share)
    except ValueError as exc:
        parser.error(f"--markup-share: {exc}")
    if args.people < 1 or not args.clock_speed > 0 or not 0 <= args.llm_noise <= 1:
        parser.error("--people must be >= 1, --clock-speed > 0, --llm-noise in [0, 1]")
    if not 0 < args.accept_delay_scale <= 1000:
        parser.error("--accept-delay-scale must be in (0, 1000]")
    if not 0 <= args.voyager_graphql_share <= 1:
        parser.error("--voyager-graphql-share must be in [0, 1]")
    if not args.voyager_graphql_query_id.startswith(QUERY_PREFIX):
        parser.error(f"--voyager-graphql-query-id must start with {QUERY_PREFIX}")
    # LinkedIn's bot wall answers status 999; uvicorn only knows reason phrases for 100-599.
    h11_impl.STATUS_PHRASES.setdefault(999, b"Request denied")
    box = build_sandbox(
        args.people,
        args.seed,
        args.scenario,
        args.clock_speed,
        args.llm_noise,
        share,
        voyager_graphql_share=args.voyager_graphql_share,
        voyager_graphql_query_id=args.voyager_graphql_query_id,
        accept_delay_scale=args.accept_delay_scale,
    )
    if box.llm_missing:
        print(f"sandbox: LLM stand-in not mounted ({box.llm_missing})", file=sys.stderr, flush=True)
    config = uvicorn.Config(  # h11: the protocol whose status table is patched above
        http="h11",
        app=create_app(box),
        host=args.host,
        port=args.port,
        log_level="warning",
        access_log=False,
        lifespan="off",
    )
    server = uvicorn.Server(config)

    async def run() -> None:
        task = asyncio.create_task(server.serve())
        while not server.started:
            if task.done():
                await task
                return
            await asyncio.sleep(0.02)
        host = f"[{args.host}]" if ":" in args.host else args.host
        print(f"sandbox listening on http://{host}:{args.port}", flush=True)
        await task

    asyncio.run(run())
    return 0 if server.started else 1


if __name__ == "__main__":
    sys.exit(main())
