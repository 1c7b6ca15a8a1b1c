"""web/notebook.html driven as a person would: run the example cells, type a
new cell that backpropagates through a small model on WebGPU and read the
gradient it shows, and see an error reported in its cell."""
import re


def _run(page, n, code=None):
    if code is not None:
        page.fill(f"#code-{n}", code)
    done = page.get_attribute(f"#out-{n}", "data-done") or "0"
    page.click(f"#run-{n}")
    page.wait_for_function(
        f"(document.querySelector('#out-{n}').dataset.done || '0') !== '{done}'", timeout=120_000)
    return page.text_content(f"#out-{n}"), page.get_attribute(f"#out-{n}", "class") or ""


def test_cells_run_backprop_and_show_errors(bundle_server, page):
    assert page.open(bundle_server.rstrip("/"), "/notebook.html") == "1"
    assert page.text_content("#device") == "webgpu"          # SwiftShader's WebGPU here
    out, cls = _run(page, 0)
    assert "tensor([[ 5., 11.]" in out and "device='webgpu'" in out, out
    out, cls = _run(page, 1)
    assert cls != "error" and out.startswith("loss"), out
    # a cell typed by hand: d(sum(w.x))/dw = x, on the webgpu device
    page.click("#add")
    out, cls = _run(page, 2, "w = rt.tensor([1., -2., 3.], device='webgpu', requires_grad=True)\n"
                             "xs = rt.tensor([0.5, 1.5, -2.], device='webgpu')\n"
                             "(w * xs).sum().backward()\n"
                             "print(w.grad.tolist())")
    assert cls != "error" and out.strip() == "[0.5, 1.5, -2.0]", out
    page.click("#add")
    out, cls = _run(page, 3, "rt.ones(2, 3) @ rt.ones(2, 3)")
    assert cls == "error" and re.search(r"ShapeError|cannot be multiplied", out), out
    page.keyboard.press("Escape")
    page.shot("notebook.png")
    assert page.foreign == []
