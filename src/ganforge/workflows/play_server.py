"""The web side of `ganforge play`: the page, a stream of frames, and the controls as JSON requests.

    GET  /                  the page (index.html, play.js, play.css: written here, no CDN, works offline)
    GET  /api/frames        server-sent events: one `frame` event whenever the session publishes a newer frame
    GET  /api/status        the latest numbers as JSON (iteration, rate, settings, device)
    POST /api/<control>     play, pause, step {"what": both|disc|gen}, reset {"seed"}, settings {...}, save
                            -> 200 with a JSON reply, or 400 {"error": "what was expected"} for a bad value

Push channel: server-sent events. Frames only flow one way (controls are ordinary
POSTs, whose 400 answers a page can show), EventSource reconnects by itself, and
each stream sends only the newest frame when it wakes, so a slow tab skips frames
instead of queueing them; the records of the curves are sent incrementally, each
stream from its own position. Streams only read the session's latest frame: they
never wait for the trainer, and the trainer never waits for them.

The web library is starlette with the uvicorn server, the `play` extra
(`pip install 'ganforge[play]'`), imported inside the functions that need it.
The server binds 127.0.0.1 unless --host says otherwise (and then warns), refuses
controls posted by other sites' pages (a control must be JSON from this page's
origin), and on Ctrl-C closes the streams, stops the trainer and lets a save in
progress stop without leaving a run folder behind.
"""
from __future__ import annotations

import asyncio
import ipaddress
import json
import signal
import socket
import sys
import threading
import time
import webbrowser
from pathlib import Path

from .. import methods
from ..errors import GanforgeError
from ..runs import Run
from .live import LiveSession
from .play import PlaySession, play_config
from .play_images import ImageSession

PAGE = Path(__file__).parent / "play_page"
# The page of each kind of session: the 2-D plane for points, grids for images; one script and style each.
FILES = {"/play.css": ("play.css", "text/css; charset=utf-8"),
         "/common.js": ("common.js", "text/javascript; charset=utf-8"),
         "/play.js": ("play.js", "text/javascript; charset=utf-8"),
         "/images.js": ("images.js", "text/javascript; charset=utf-8")}
FRONT_PAGES = {PlaySession: "index.html", ImageSession: "images.html"}
POLL_SECONDS = 0.05        # how often a stream looks for a newer frame
KEEPALIVE_SECONDS = 15.0   # a comment line on an idle stream, so proxies and browsers keep it open
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")  # Host headers a loopback server answers


def _say(message: str) -> None:
    print(message, flush=True)


def _need_web_library() -> None:
    try:
        # The web server is the optional `play` extra; nothing else in ganforge needs it.
        import starlette  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError:
        raise GanforgeError("ganforge play needs its web server: pip install 'ganforge[play]' "
                            "(starlette and uvicorn)") from None


def frame_events(session: PlaySession, stopping: threading.Event):
    """The server-sent events of one page: each newer frame once, with the records it has not had yet."""
    async def events():
        sent, generation, history_from = None, None, 0
        last = time.monotonic()
        yield "retry: 1000\n\n"
        while not stopping.is_set():
            frame = session.frame
            if frame.number != sent:
                fresh = frame.generation != generation
                if fresh:
                    history_from = 0
                data = json.dumps(frame.payload(history_from, with_real=fresh), allow_nan=False)
                yield f"event: frame\ndata: {data}\n\n"
                sent, generation, history_from = frame.number, frame.generation, frame.history_len
                last = time.monotonic()
            elif time.monotonic() - last > KEEPALIVE_SECONDS:
                yield ": keep-alive\n\n"
                last = time.monotonic()
            await asyncio.sleep(POLL_SECONDS)
    return events()


def make_app(session: LiveSession, stopping: threading.Event, hosts: list[str] | None = None):
    """The ASGI application over one session; `hosts`: the Host names it answers (None: any)."""
    from starlette.applications import Starlette  # the optional `play` extra (see _need_web_library)
    from starlette.middleware import Middleware  # the optional `play` extra
    from starlette.middleware.trustedhost import TrustedHostMiddleware  # the optional `play` extra
    from starlette.responses import JSONResponse, Response, StreamingResponse  # the optional `play` extra
    from starlette.routing import Route  # the optional `play` extra

    files = {"/": (FRONT_PAGES[type(session)], "text/html; charset=utf-8"), **FILES}
    pages = {path: ((PAGE / name).read_bytes(), media) for path, (name, media) in files.items()}

    async def page(request):
        body, media = pages[request.url.path]
        return Response(body, media_type=media, headers={"Cache-Control": "no-store"})

    async def frames(request):
        return StreamingResponse(frame_events(session, stopping), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})

    async def status(request):
        return JSONResponse(session.status())

    async def control(request):
        action = request.path_params["action"]
        origin = request.headers.get("origin")
        if origin is not None and origin.split("://", 1)[-1] != request.headers.get("host"):
            return JSONResponse({"error": "controls are taken only from the playground's own page"}, status_code=403)
        if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
            return JSONResponse({"error": "send a control as JSON (Content-Type: application/json)"}, status_code=400)
        body = await request.body()
        try:
            values = json.loads(body) if body.strip() else {}
        except ValueError as e:
            return JSONResponse({"error": f"the request body is not valid JSON ({e})"}, status_code=400)
        try:
            reply = await asyncio.wrap_future(session.submit(action, values))
        except GanforgeError as e:
            return JSONResponse({"error": str(e)}, status_code=400)
        except Exception as e:  # noqa: BLE001 - the trainer went on; the page hears what failed
            return JSONResponse({"error": f"{type(e).__name__}: {e}"}, status_code=500)
        return JSONResponse(reply)

    routes = [Route(path, page) for path in files]
    routes += [Route("/api/frames", frames), Route("/api/status", status),
               Route("/api/{action}", control, methods=["POST"])]
    # Bound to this machine only: refuse other Host names, so a web page cannot reach us by DNS rebinding.
    middleware = [Middleware(TrustedHostMiddleware, allowed_hosts=hosts)] if hosts else []
    return Starlette(routes=routes, middleware=middleware)


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def listen(host: str, port: int) -> socket.socket:
    """A listening socket on host:port (port 0: a free one), or an error naming the option."""
    if not 0 <= port <= 65535:
        raise GanforgeError(f"--port must be between 0 and 65535, got {port}")
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
        sock = socket.socket(family, kind, proto)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(64)
    except OSError as e:
        raise GanforgeError(f"cannot listen on {host}:{port} ({e.strerror or e}); "
                            "choose another --port or --host") from None
    return sock


def serve(session: LiveSession, sock: socket.socket, host: str = "127.0.0.1", open_browser: bool = True,
          echo=_say) -> None:
    """Serve the page for `session` on `sock` (listening on host) until Ctrl-C (or SIGTERM); then stop the
    trainer cleanly. The caller has checked that the web library is there (run_play)."""
    import uvicorn  # the optional `play` extra (see _need_web_library)

    stopping = threading.Event()

    class Server(uvicorn.Server):
        def handle_exit(self, sig, frame):
            stopping.set()  # end the frame streams, or the server would wait for them forever
            super().handle_exit(sig, frame)

    port = sock.getsockname()[1]
    shown = host if _is_loopback(host) else "127.0.0.1"
    url = f"http://{'[' + shown + ']' if ':' in shown else shown}:{port}/"
    if _is_loopback(host):
        hosts = [*LOOPBACK_NAMES, f"[{host}]" if ":" in host else host]
    else:
        hosts = None
        print(f"ganforge play: warning: --host {host} lets other machines reach the playground on port {port}; "
              "anyone who reaches it can steer the training and write run folders here", file=sys.stderr, flush=True)
    config = uvicorn.Config(make_app(session, stopping, hosts), log_level="warning",
                            access_log=False, lifespan="off", timeout_graceful_shutdown=5)
    server = Server(config)
    previous = signal.signal(signal.SIGTERM, _interrupt) if threading.current_thread() is threading.main_thread() \
        else None
    session.start()
    echo(f"ganforge play: {url} ({session.hw.describe()}, threads {session.status()['threads']}; "
         f"saves go to {session.out}/); Ctrl-C stops")
    if open_browser:
        threading.Thread(target=webbrowser.open, args=(url,), daemon=True).start()
    try:
        server.run(sockets=[sock])
    except KeyboardInterrupt:
        pass  # the server has shut down already; uvicorn re-raises the signal it caught
    finally:
        stopping.set()
        _close(session, echo)
        sock.close()
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
    echo("ganforge play: stopped")


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def _close(session: LiveSession, echo) -> None:
    """Stop the trainer; a second Ctrl-C does not cut a save short (it stops at its next stage by itself)."""
    while True:
        try:
            session.close()
            return
        except KeyboardInterrupt:
            echo("ganforge play: stopping (a save in progress is being removed)...")


def run_play(preset: str | None = None, options: dict | None = None, run=None, out="runs",
             host: str = "127.0.0.1", port: int = 8765, open_browser: bool = True, echo=_say,
             method: str | None = None) -> None:
    """`ganforge play [METHOD]`: a session from the options (or a run's checkpoint), served until Ctrl-C.
    Without a method (or with moons) the 2-D playground; with an image method, its grids."""
    _need_web_library()
    chosen = methods.get(method) if method else None
    if chosen is None or chosen.data.offers == "points":
        cfg, preset = play_config(preset, dict(options or {}), run)
        make = lambda: PlaySession(cfg, preset, out=out, run_dir=run)  # noqa: E731
    else:
        cfg = chosen.from_dict(Run.open(run).config) if run else chosen.resolve(preset, **dict(options or {}))
        make = lambda: ImageSession(chosen, cfg, preset, out=out, run_dir=run)  # noqa: E731
    sock = listen(host, port)  # a busy port is said before the networks are built
    try:
        session = make()
    except BaseException:
        sock.close()
        raise
    serve(session, sock, host, open_browser, echo)
