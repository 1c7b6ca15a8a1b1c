"""Browser tests: the static bundle (wasm/build_bundle.py) served locally and
opened in headless Chromium through Playwright.

Session fixtures build the bundle once into a temp dir (``bundle_dir``), serve
it with ``rustorch serve``'s server from a thread on a free port
(``bundle_server``) and launch Chromium (``browser``; a fresh temporary profile,
WebGPU enabled: SwiftShader on a machine without a GPU).  ``open_page`` loads a
page, waits for ``document.body.dataset.ready`` and fails if the page asked any
other origin for anything (the bundle is offline).

Needs the pip ``playwright`` package (no ``playwright install``: Chromium is the
system one, /usr/bin/chromium or $RUSTORCH_CHROMIUM), the npm ``pyodide`` package
in wasm/node_modules and the micropip wheel in build/wasm/pypi; ``bash
.ci/setup`` installs them.  Without them the tests are skipped with the reason,
unless RUSTORCH_REQUIRE_BROWSER=1, where they fail.
"""
import importlib.util
import os
import shutil
import sys
import threading
import urllib.parse

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, "wasm"))

import build_bundle  # noqa: E402
import build_wheel  # noqa: E402

ARTIFACTS = os.path.join(ROOT, "build", "e2e-artifacts")
CHROMIUM_ARGS = ["--enable-unsafe-webgpu", "--no-sandbox", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PAGE_TIMEOUT_MS = 60_000


def chromium_path():
    """The Chromium to drive: $RUSTORCH_CHROMIUM, else a system one, else None."""
    env = os.environ.get("RUSTORCH_CHROMIUM")
    if env:
        return env if os.path.exists(env) else None
    for name in ("/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    return None


def _skip(why):
    if os.environ.get("RUSTORCH_REQUIRE_BROWSER") == "1":
        pytest.fail(f"browser tests required (RUSTORCH_REQUIRE_BROWSER=1) but {why}", pytrace=False)
    pytest.skip(f"browser tests: {why}")


def missing_browser():
    """Why the browser tests cannot run here (a sentence), or None."""
    if importlib.util.find_spec("playwright") is None:
        return "pip package `playwright` is missing (pip install playwright, or `bash .ci/setup`)"
    if chromium_path() is None:
        return ("no Chromium found (apt-get install chromium, or set RUSTORCH_CHROMIUM; "
                "`bash .ci/setup` installs it)")
    return None


@pytest.fixture(scope="session")
def bundle_dir(tmp_path_factory):
    """The static bundle, built once per session into a temp dir (offline)."""
    why = build_bundle.missing()
    pypi = os.listdir(build_wheel.PYPI) if os.path.isdir(build_wheel.PYPI) else []
    if why is None and not any(f.startswith("micropip-") for f in pypi):
        why = f"no micropip wheel in {build_wheel.PYPI} (run `python wasm/build_wheel.py --fetch`)"
    if why:
        _skip(why)
    out = tmp_path_factory.mktemp("bundle") / "web"
    build_bundle.build_bundle(str(out), fetch=False)
    return str(out)


@pytest.fixture(scope="session")
def bundle_server(bundle_dir):
    """`rustorch serve`'s server on a free port, from a thread; yields its URL."""
    from rustorch.serve import make_server
    srv = make_server(bundle_dir, "127.0.0.1", 0, quiet=True)
    t = threading.Thread(target=srv.serve_forever, args=(0.05,), name="bundle-server", daemon=True)
    t.start()
    yield srv.url
    srv.shutdown()
    srv.server_close()


@pytest.fixture(scope="session")
def browser():
    why = missing_browser()
    if why:
        _skip(why)
    from playwright.sync_api import sync_playwright
    try:
        pw = sync_playwright().start()
    except Exception as e:  # the driver could not start
        _skip(f"Playwright did not start: {type(e).__name__}: {e}")
    try:
        # launch() uses a fresh temporary profile (--user-data-dir) and removes it on close
        b = pw.chromium.launch(executable_path=chromium_path(), headless=True, args=CHROMIUM_ARGS)
    except Exception as e:
        pw.stop()
        _skip(f"Chromium ({chromium_path()}) did not start: {str(e).splitlines()[0]}")
    yield b
    b.close()
    pw.stop()


@pytest.fixture()
def page(browser):
    """A new page in its own context; ``page.log`` collects console messages and
    page errors, ``page.foreign`` the URLs of requests to other origins;
    ``page.open(origin, path)`` is :func:`open_page`, ``page.shot(name)``
    :func:`screenshot`."""
    ctx = browser.new_context()
    pg = ctx.new_page()
    pg.log, pg.foreign, pg.origin = [], [], None

    def on_request(req):
        url = req.url
        if not url.startswith(("data:", "blob:")) and (pg.origin is None or not url.startswith(pg.origin)):
            pg.foreign.append(url)

    pg.on("request", on_request)
    # offline: anything not served from this machine is refused (and recorded above)
    ctx.route(lambda url: not url.startswith(("http://127.0.0.1:", "data:", "blob:")),
              lambda route: route.abort())
    pg.on("console", lambda m: pg.log.append(f"console.{m.type}: {m.text}"))
    pg.on("pageerror", lambda e: pg.log.append(f"pageerror: {e}"))
    pg.open = lambda origin, path, timeout_ms=PAGE_TIMEOUT_MS: open_page(pg, origin, path, timeout_ms)
    pg.shot = lambda name: screenshot(pg, name)
    yield pg
    ctx.close()


def open_page(pg, origin, path, timeout_ms=PAGE_TIMEOUT_MS):
    """Open ``path`` under ``origin``, wait until the page sets body[data-ready]
    to something other than "0" ("1" when done, "error"), and return that value; fail with the page's
    #error text and console on a timeout."""
    pg.origin = origin
    pg.goto(urllib.parse.urljoin(origin, path.lstrip("/")))
    try:
        pg.wait_for_function("document.body && (document.body.dataset.ready || '0') !== '0'",
                             timeout=timeout_ms)
    except Exception as e:
        status = pg.evaluate("(document.getElementById('status') || {}).textContent")
        pytest.fail(f"{path} never became ready in {timeout_ms / 1000:.0f}s ({type(e).__name__}); "
                    f"#status: {status!r}\n" + "\n".join(pg.log[-40:]), pytrace=False)
    return pg.evaluate("document.body.dataset.ready")


def screenshot(pg, name):
    os.makedirs(ARTIFACTS, exist_ok=True)
    path = os.path.join(ARTIFACTS, name)
    pg.screenshot(path=path, full_page=True)
    return path
