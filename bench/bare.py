"""The baseline: a bare Starlette app with one POST route that parses the body (json.loads)
and returns a fixed JSON of about 200 bytes. Run with `python -m bench.bare --port N`: uvicorn
with the options `fulfillment serve` gives the service, so that only the apps differ (`--loop
uvloop`: on uvicorn's default loop instead of the one `serve` uses)."""

from __future__ import annotations

import argparse
import json

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

FIXED = json.dumps(
    {
        "response": {
            "responseType": "text",
            "responseId": "be49e7a0-8638-486b-899b-be42e3760b46-e15c53b8",
            "responseMessages": [
                {
                    "simpleResponse": {
                        "responseText": "Order 748596 has been shipped with Blue Dart."
                    }
                }
            ],
        }
    }
).encode()


async def answer(request: Request) -> Response:
    json.loads(await request.body())
    return Response(FIXED, media_type="application/json")


def create_app() -> Starlette:
    return Starlette(routes=[Route("/bare", answer, methods=["POST"])])


def main() -> None:
    import uvicorn

    from fulfillment.cli import server_options

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--loop", help="uvicorn's event loop  [default: the one `serve` uses]")
    args = parser.parse_args()
    options = server_options()
    if args.loop:
        options["loop"] = args.loop
    uvicorn.run("bench.bare:create_app", factory=True, host=args.host, port=args.port, **options)


if __name__ == "__main__":
    main()
