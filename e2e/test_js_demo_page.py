"""web/js-demo.html driven as a person would: the page trains an MLP on three
spirals from JavaScript only (rustorch.js: rt.nn, rt.optim.Adam,
rt.functional.crossEntropy, rt.tidy) on the page's WebGPU device; press Train,
wait, then check what it learned, that memory stayed flat and that the charts
were drawn."""

STEPS = 60   # ~0.99 train accuracy with torch (~0.97 after 40); a model that does not learn stays near 1/3

# pixels of a canvas that are not background (white or transparent)
_INKED = """(id) => {
  const c = document.getElementById(id);
  const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
  let inked = 0, blue = 0;
  for (let i = 0; i < d.length; i += 4) {
    if (d[i + 3] > 0 && (d[i] < 240 || d[i + 1] < 240 || d[i + 2] < 240)) inked++;
    if (d[i + 3] > 0 && d[i + 2] > d[i] + 60) blue++;
  }
  return { inked, blue, total: c.width * c.height };
}"""


def test_train_spirals_from_javascript(bundle_server, page):
    assert page.open(bundle_server.rstrip("/"), "/js-demo.html") == "1", page.text_content("#error")
    assert page.text_content("#device") == "webgpu", page.text_content("#notice")
    assert page.evaluate("document.body.dataset.trained") == "0"   # no autostart
    page.fill("#steps", str(STEPS))
    page.click("#train")
    page.wait_for_function("document.body.dataset.trained !== '0'", timeout=300_000)
    assert page.evaluate("document.body.dataset.trained") == "1", page.text_content("#error")
    r = page.evaluate("window.demoResults")

    assert r["device"] == "webgpu" and r["notice"] is None
    assert r["steps"] == STEPS and len(r["losses"]) == STEPS
    losses = r["losses"]
    assert losses[0] > 0.9, losses[:5]                      # about ln 3 untrained
    assert sum(losses[-10:]) / 10 < 0.3 * losses[0], losses[-10:]
    assert r["accuracy"] > 0.9, (r["accuracy"], losses[-5:])
    assert page.text_content("#accuracy") == f"{100 * r['accuracy']:.1f}%"
    # the grid's decision regions use all three classes
    assert all(c > 200 for c in r["gridClasses"]), r["gridClasses"]
    # rt.tidy / dispose: as many live tensor handles after each step and after
    # training as before (counted synchronously, so not tidied up by the GC)
    assert r["peakTensors"] == r["memoryBefore"]["numTensors"], r
    assert r["memoryAfter"]["numTensors"] == r["memoryBefore"]["numTensors"], r
    assert page.text_content("#mem-after") == page.text_content("#mem-before")
    # and the GPU pool did not grow with the steps (a leaked graph per step would)
    gpu_first, gpu_after = r["memoryFirstRead"]["gpuAllocatedBytes"], r["memoryAfter"]["gpuAllocatedBytes"]
    assert gpu_after <= 2 * gpu_first + 65536, (gpu_first, gpu_after)
    print("js-demo:", {k: r[k] for k in ("seconds", "evalSeconds", "accuracy", "memoryBefore", "memoryFirstRead",
                                         "memoryAfter", "peakTensors", "gridClasses")}, "final loss", losses[-1],
          "load s", page.evaluate("window.loadSeconds"))

    chart = page.evaluate(_INKED, "chart")
    assert chart["blue"] > 200, chart                        # the loss curve
    regions = page.evaluate(_INKED, "regions")
    assert regions["inked"] > 0.9 * regions["total"], regions
    page.shot("js-demo.png")
    assert page.foreign == []
