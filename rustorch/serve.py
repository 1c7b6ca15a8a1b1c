"""``rustorch serve``: a local static server for the browser bundle.

    rustorch serve [--dir build/web] [--port 8000] [--host 127.0.0.1] [--build]

Serves the directory that ``python wasm/build_bundle.py`` writes, with the MIME
types Pyodide needs (``.wasm`` as ``application/wasm`` for streaming
compilation, ``.mjs``/``.js`` as ``text/javascript`` for module scripts and
workers) and cross-origin isolation headers (``Cross-Origin-Opener-Policy:
same-origin``, ``Cross-Origin-Embedder-Policy: require-corp``), so pages get
``SharedArrayBuffer`` and precise timers.  ``--build`` builds the bundle first
(needs a source checkout).  ``--port 0`` picks a free port.  The bundle also
works from any other static host (``python -m http.server -d build/web``).

Only the standard library is used; :func:`make_server` is what the browser
tests use to serve a bundle from a thread.
"""
import errno
import functools
import http.server
import os
import subprocess
import sys

DEFAULT_DIR = os.path.join("build", "web")
MIME_TYPES = {
    ".wasm": "application/wasm",
    ".mjs": "text/javascript",
    ".js": "text/javascript",
    ".json": "application/json",
    ".whl": "application/zip",
    ".zip": "application/zip",
    ".html": "text/html",
    ".css": "text/css",
    ".map": "application/json",
    ".ts": "text/plain",
    ".wgsl": "text/plain",
    ".py": "text/x-python",
    ".svg": "image/svg+xml",
    ".png": "image/png",
}
ISOLATION_HEADERS = {
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Embedder-Policy": "require-corp",
    "Cross-Origin-Resource-Policy": "same-origin",
}


class ServeError(RuntimeError):
    """A bundle that is missing or a port that cannot be bound."""


class BundleRequestHandler(http.server.SimpleHTTPRequestHandler):
    """SimpleHTTPRequestHandler with the bundle's MIME types, cross-origin
    isolation and no caching (a rebuilt bundle is picked up on reload)."""

    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map, **MIME_TYPES}
    quiet = False

    def end_headers(self):
        for k, v in ISOLATION_HEADERS.items():
            self.send_header(k, v)
        self.send_header("Cache-Control", "no-cache")
        super().end_headers()

    def log_message(self, format, *args):  # noqa: A002 (the base class's name)
        if not self.quiet:
            super().log_message(format, *args)


class BundleServer(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    @property
    def url(self):
        host, port = self.server_address[:2]
        if host in ("0.0.0.0", "::", ""):
            host = "127.0.0.1"
        return f"http://{host}:{port}/"


def make_server(directory, host="127.0.0.1", port=0, quiet=False):
    """A :class:`BundleServer` serving ``directory`` (not started: call
    ``serve_forever()``, e.g. in a thread); ``port=0`` picks a free port.
    Raises :class:`ServeError` when the directory is missing or the port is busy."""
    directory = os.path.abspath(directory)
    if not os.path.isdir(directory):
        raise ServeError(f"{directory} does not exist: build the bundle with "
                         "`python wasm/build_bundle.py --out DIR` or pass --build")
    handler = functools.partial(type("Handler", (BundleRequestHandler,), {"quiet": quiet}),
                                directory=directory)
    try:
        return BundleServer((host, port), handler)
    except OSError as e:
        if e.errno in (errno.EADDRINUSE, errno.EACCES):
            what = "already in use" if e.errno == errno.EADDRINUSE else "not allowed for this user"
            raise ServeError(f"port {port} on {host} is {what}: pick another with --port N "
                             "(--port 0 picks a free one)") from None
        raise ServeError(f"cannot listen on {host}:{port}: {e}") from None


def source_root():
    """The source checkout this rustorch comes from (where wasm/ lives), or None."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    return root if os.path.exists(os.path.join(root, "wasm", "build_bundle.py")) else None


def build(directory):
    """Run wasm/build_bundle.py into ``directory``."""
    root = source_root()
    if root is None:
        raise ServeError("--build needs a rustorch source checkout (wasm/build_bundle.py); "
                         "this rustorch is installed without it")
    r = subprocess.run([sys.executable, os.path.join(root, "wasm", "build_bundle.py"),
                        "--out", os.path.abspath(directory)])
    if r.returncode != 0:
        raise ServeError(f"building the bundle failed (exit {r.returncode}); see above")


def add_arguments(ap):
    ap.add_argument("--dir", default=DEFAULT_DIR, help="the bundle directory (default build/web)")
    ap.add_argument("--port", type=int, default=8000, help="0 picks a free port (default 8000)")
    ap.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    ap.add_argument("--build", action="store_true", help="build the bundle first (wasm/build_bundle.py)")
    ap.add_argument("--quiet", action="store_true", help="do not log requests")
    return ap


def cmd_serve(args):
    try:
        if args.build:
            build(args.dir)
        elif not os.path.exists(os.path.join(args.dir, "index.html")):
            raise ServeError(f"no bundle in {os.path.abspath(args.dir)} (no index.html): build it with "
                             "`python wasm/build_bundle.py`, or run `rustorch serve --build`")
        server = make_server(args.dir, args.host, args.port, quiet=args.quiet)
    except ServeError as e:
        print(f"rustorch serve: {e}", file=sys.stderr)
        return 1
    print(f"serving {os.path.abspath(args.dir)} at {server.url}  (device page: {server.url}device.html; "
          "Ctrl-C stops)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


def main(argv=None):
    import argparse
    ap = add_arguments(argparse.ArgumentParser(prog="rustorch serve", description=__doc__.splitlines()[0]))
    return cmd_serve(ap.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
