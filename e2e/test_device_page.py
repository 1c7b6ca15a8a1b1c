"""device.html (and worker.html) in headless Chromium: rustorch loads from the
static bundle with nothing fetched from another origin, lists its devices, and
its self-test passes on the `python` device; devices that are unavailable are
skipped with the reason.  Screenshots go to build/e2e-artifacts/."""
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

MATMUL = [[19.0, 22.0], [43.0, 50.0]]   # [[1,2],[3,4]] @ [[5,6],[7,8]]
GRAD = [[11.0, 15.0], [11.0, 15.0]]     # d sum(a @ b) / da


def _manifest(bundle_dir):
    with open(os.path.join(bundle_dir, "bundle.json"), encoding="utf-8") as f:
        return json.load(f)


def _selftest_row(pg, device):
    row = pg.locator(f"#selftest tr[data-device='{device}']")
    assert row.count() == 1, pg.inner_text("#selftest")
    return row.get_attribute("data-status"), [c.strip() for c in row.locator("td").all_inner_texts()]


def test_device_page_python_selftest(page, bundle_server, bundle_dir):
    t0 = time.perf_counter()
    ready = page.open(bundle_server, "device.html")
    shot = page.shot("device-python.png")
    assert ready == "1", page.text_content("#error") + "\n" + "\n".join(page.log)
    assert page.evaluate("self.crossOriginIsolated") is True     # COOP/COEP from rustorch serve
    m = _manifest(bundle_dir)
    assert page.text_content("#version-rustorch") == m["rustorch"]
    assert page.text_content("#version-pyodide") == m["pyodide"]
    assert "emscripten" in page.text_content("#version-python")
    devices = [d.strip() for d in page.text_content("#devices").split(",")]
    assert "python" in devices and "cpu" in devices, devices

    status, cells = _selftest_row(page, "python")
    assert status == "pass", cells
    assert json.loads(cells[2]) == MATMUL and json.loads(cells[3]) == GRAD, cells
    assert page.evaluate("document.body.dataset.selftest") == "pass"
    res = page.evaluate("window.rustorchResults")
    assert [r["device"] for r in res["selftest"]] == ["python"]
    assert res["selftest"][0]["matmul"] == MATMUL
    assert page.foreign == [], f"the page fetched from other origins: {page.foreign}"
    assert os.path.getsize(shot) > 1000
    print(f"\ndevice.html ready in {time.perf_counter() - t0:.1f}s; screenshot {shot}")


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture()
def plain_http_server(bundle_dir):
    """The same bundle served by `python -m http.server` (no special headers)."""
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1",
                             "--directory", bundle_dir],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(url + "bundle.json", timeout=1).close()
                break
            except OSError:
                if proc.poll() is not None:
                    pytest.fail(f"python -m http.server exited with {proc.returncode}", pytrace=False)
                time.sleep(0.1)
        else:
            pytest.fail("python -m http.server did not answer within 10 s", pytrace=False)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def test_bundle_works_under_plain_http_server(page, plain_http_server):
    """Any static host will do: python -m http.server, and a device list with an
    unknown device, which is skipped with the reason while python passes."""
    ready = page.open(plain_http_server, "device.html?devices=python,no-such-device")
    page.shot("device-http-server.png")
    assert ready == "1", page.text_content("#error") + "\n" + "\n".join(page.log)
    status, cells = _selftest_row(page, "python")
    assert status == "pass" and json.loads(cells[2]) == MATMUL, cells
    status, cells = _selftest_row(page, "no-such-device")
    assert status == "skip" and "no-such-device" in cells[4], cells
    assert page.evaluate("document.body.dataset.selftest") == "pass"
    assert page.foreign == [], f"the page fetched from other origins: {page.foreign}"


def test_worker_page(page, bundle_server):
    """worker.js: rustorch in a module Web Worker answers a posted snippet."""
    ready = page.open(bundle_server, "worker.html")
    page.shot("worker.png")
    assert ready == "1", page.text_content("#error") + "\n" + "\n".join(page.log)
    assert json.loads(page.text_content("#result")) == [[7.0, 10.0], [15.0, 22.0]]
    assert "python" in page.text_content("#devices")
    assert page.foreign == [], f"the page fetched from other origins: {page.foreign}"


def test_index_links_to_the_pages(page, bundle_server):
    page.origin = bundle_server
    page.goto(bundle_server)
    hrefs = page.eval_on_selector_all("a", "els => els.map(e => e.getAttribute('href'))")
    assert "device.html" in hrefs and "worker.html" in hrefs, hrefs
    page.wait_for_function("document.getElementById('bundle').textContent.includes('rustorch')")
    assert page.foreign == []


def test_other_origins_are_refused_and_recorded(page, bundle_server):
    """The harness's offline guard itself: a fetch to another origin fails and
    lands in page.foreign (which the tests above require to be empty)."""
    page.origin = bundle_server
    page.goto(bundle_server)
    got = page.evaluate("fetch('https://example.com/x.whl').then(() => 'fetched', () => 'refused')")
    assert got == "refused"
    assert page.foreign == ["https://example.com/x.whl"]
