"""`rustorch serve` (rustorch/serve.py) without a browser: MIME types, the
cross-origin isolation headers, a busy port, a missing bundle."""
import os
import socket
import subprocess
import sys
import threading
import urllib.request

import pytest

from rustorch import cli
from rustorch.serve import ServeError, make_server

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture()
def served(tmp_path):
    for name, data in {"index.html": b"<!doctype html><title>x</title>", "a.wasm": b"\0asm\1\0\0\0",
                       "a.mjs": b"export const x = 1;", "b.js": b"1;", "w.whl": b"PK\5\6" + bytes(18),
                       "bundle.json": b"{}"}.items():
        (tmp_path / name).write_bytes(data)
    srv = make_server(str(tmp_path), "127.0.0.1", 0, quiet=True)
    threading.Thread(target=srv.serve_forever, args=(0.05,), daemon=True).start()
    yield srv
    srv.shutdown()
    srv.server_close()


@pytest.mark.parametrize("name,mime", [("a.wasm", "application/wasm"), ("a.mjs", "text/javascript"),
                                       ("b.js", "text/javascript"), ("w.whl", "application/zip"),
                                       ("bundle.json", "application/json"), ("index.html", "text/html")])
def test_mime_types_and_isolation_headers(served, name, mime):
    with urllib.request.urlopen(served.url + name, timeout=5) as r:
        assert r.headers.get_content_type() == mime
        assert r.headers["Cross-Origin-Opener-Policy"] == "same-origin"
        assert r.headers["Cross-Origin-Embedder-Policy"] == "require-corp"
        assert r.read() == open(os.path.join(served.RequestHandlerClass.keywords["directory"], name), "rb").read()


def test_busy_port_is_a_clear_error(tmp_path, capsys):
    (tmp_path / "index.html").write_text("<!doctype html>")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        with pytest.raises(ServeError, match=f"port {port} .* already in use"):
            make_server(str(tmp_path), "127.0.0.1", port)
        assert cli.main(["serve", "--dir", str(tmp_path), "--port", str(port)]) == 1
    err = capsys.readouterr().err
    assert f"rustorch serve: port {port} on 127.0.0.1 is already in use" in err and "--port" in err, err
    assert "Traceback" not in err


def test_missing_bundle_is_a_clear_error(tmp_path, capsys):
    assert cli.main(["serve", "--dir", str(tmp_path / "nope"), "--port", "0"]) == 1
    err = capsys.readouterr().err
    assert "no bundle in" in err and "build_bundle.py" in err and "--build" in err, err


def test_serve_subcommand_help():
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    r = subprocess.run([sys.executable, "-m", "rustorch", "serve", "--help"], capture_output=True,
                       text=True, timeout=120, env=env, cwd=ROOT)
    assert r.returncode == 0, r.stderr
    for opt in ("--dir", "--port", "--build", "--host"):
        assert opt in r.stdout
