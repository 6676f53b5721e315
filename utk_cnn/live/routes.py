"""The webcam's server mode over two plain HTTP routes beside the app, not through Gradio's component server.

A live frame is small and frequent: the page POSTs its 320 px JPEG (as bytes or the data URL a
canvas gives) and gets the tracked people back as JSON. Gradio's component server wraps each
frame in JSON, checks it against the page's configuration and routes it to the component,
which cost about 1.5 ms of CPU per frame (docs/benchmarks.md), so the frame skips it:

    POST gradio_api/live/estimate?visitor=ID, body: the frame (JPEG or PNG bytes, or a data URL)
         -> what LiveSessions.estimate answers
    POST gradio_api/live/stop?visitor=ID -> {"status": "stopped"}

A bad frame or request is a 400 with a one-line message; the estimate runs in a worker thread
so the server keeps answering everyone else meanwhile.
"""
from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from utk_cnn.live.sessions import LiveSessions

# Under Gradio's API prefix: where Gradio runs server-side rendering, its Node front server passes
# only those paths (and a few others) on to Python.
PREFIX = "/gradio_api/live"
MAX_FRAME_BYTES = 4 * 1024 * 1024  # a 320 px JPEG is about 10 KB; a full-size 1080p frame fits too
MAX_VISITOR_CHARS = 64


def _visitor(request: Request) -> str:
    visitor = request.query_params.get("visitor", "")
    if not visitor or len(visitor) > MAX_VISITOR_CHARS:
        raise ValueError(f"visitor: give the stream's id (1-{MAX_VISITOR_CHARS} characters) as ?visitor=")
    return visitor


async def _frame(request: Request) -> str | bytes:
    """The request's body, read no further than MAX_FRAME_BYTES; a data URL as text."""
    too_big = ValueError(f"frame: over {MAX_FRAME_BYTES // 2 ** 20} MB")
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_FRAME_BYTES:
        raise too_big
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_FRAME_BYTES:
            raise too_big
        chunks.append(chunk)
    frame = b"".join(chunks)
    return frame.decode("ascii", "replace") if frame.startswith(b"data:") else frame  # what canvas.toDataURL gives


def live_routes(live: LiveSessions, prefix: str = PREFIX) -> list[Route]:
    """The two routes, for `FastAPI(routes=...)` (Gradio passes `launch(app_kwargs=...)` on to it)."""

    async def estimate(request: Request) -> JSONResponse:
        try:
            visitor, frame = _visitor(request), await _frame(request)
            return JSONResponse(await run_in_threadpool(live.estimate, visitor, frame))
        except ValueError as err:
            return JSONResponse({"status": "error", "message": str(err)}, status_code=400)

    async def stop(request: Request) -> JSONResponse:
        try:
            live.stop(_visitor(request))
        except ValueError as err:
            return JSONResponse({"status": "error", "message": str(err)}, status_code=400)
        return JSONResponse({"status": "stopped"})

    return [Route(f"{prefix}/estimate", estimate, methods=["POST"]), Route(f"{prefix}/stop", stop, methods=["POST"])]
