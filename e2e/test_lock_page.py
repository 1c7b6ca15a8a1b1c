"""lock.html in headless Chromium: the bundle's pyodide-lock.json lists
rustorch, so in a plain Pyodide loaded from the served bundle (only indexURL)
``pyodide.loadPackage("rustorch")`` and ``micropip.install("rustorch")`` both
install the bundle's wheel with nothing fetched from another origin, and so does
rustorch-loader.js (with its wheelURL option: micropip by URL).  A wheel whose
bytes do not match the lock's sha256 is refused (Pyodide fetches lock packages
with `integrity`)."""
import shutil
import threading

import pytest

from rustorch.serve import make_server

MATMUL = [[19.0, 22.0], [43.0, 50.0]]   # [[1,2],[3,4]] @ [[5,6],[7,8]]
GRAD = [[11.0, 15.0], [11.0, 15.0]]     # d sum(a @ b) / da


def _open(page, origin, mode):
    ready = page.open(origin, f"lock.html?mode={mode}")
    return ready, page.evaluate("window.lockResult")


LOCK = "default channel"     # pyodide.loadedPackages' name for "from the lock file"


@pytest.mark.parametrize("mode, micropip", [("loadPackage", None), ("micropip", LOCK),
                                            ("loader", LOCK), ("loaderWheelURL", LOCK)],
                         ids=["loadPackage", "micropip", "loader", "loaderWheelURL"])
def test_rustorch_installs_from_the_lock(page, bundle_server, mode, micropip):
    ready, res = _open(page, bundle_server, mode)
    assert ready == "1", f"{res}\n" + "\n".join(page.log)
    assert res["matmul"] == MATMUL and res["grad"] == GRAD, res
    assert "site-packages/rustorch/" in res["file"] and res["numpy_loaded"] is False, res
    # where each package came from: the lock file, or (wheelURL) the wheel's URL
    rustorch = bundle_server + "wheels/" if mode == "loaderWheelURL" else LOCK
    assert res["loaded"].get("micropip") == micropip, res["loaded"]
    assert res["loaded"]["rustorch"].startswith(rustorch), res["loaded"]
    if mode == "micropip":
        assert res["source"] == "pyodide", res     # micropip took it from the lock file
    if mode.startswith("loader"):
        assert res["installedFrom"] == ("url" if mode == "loaderWheelURL" else "lock"), res
    assert page.foreign == [], f"the page fetched from other origins: {page.foreign}"


@pytest.fixture()
def corrupted_server(bundle_dir, tmp_path):
    """A copy of the bundle whose rustorch wheel no longer matches the lock's
    sha256, served on another free port."""
    copy = tmp_path / "web"
    shutil.copytree(bundle_dir, copy)
    (wheel,) = (copy / "wheels").glob("rustorch-*.whl")
    data = bytearray(wheel.read_bytes())
    data[len(data) // 2] ^= 0xFF
    wheel.write_bytes(bytes(data))
    srv = make_server(str(copy), "127.0.0.1", 0, quiet=True)
    t = threading.Thread(target=srv.serve_forever, args=(0.05,), daemon=True)
    t.start()
    yield srv.url
    srv.shutdown()
    srv.server_close()


@pytest.mark.parametrize("mode", ["loadPackage", "loader"])
def test_corrupted_wheel_is_refused(page, corrupted_server, mode):
    ready, res = _open(page, corrupted_server, mode)
    assert ready == "error", res
    assert "rustorch" in res["error"], res
    log = "\n".join(page.log)
    assert "integrity" in log.lower(), log
    assert page.foreign == [], page.foreign
