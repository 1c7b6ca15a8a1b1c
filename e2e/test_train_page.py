"""web/train.html driven as a person would: press Train, watch the chart fill,
reach >= 90% test accuracy on Digits on the page's WebGPU device, then draw a
digit with the mouse and get a prediction."""
import os

import pytest


def _digits_into(bundle_dir):
    # build_bundle copies it where scikit-learn is installed
    if not os.path.exists(os.path.join(bundle_dir, "data", "digits.csv.gz")):
        pytest.skip("Digits ships inside scikit-learn: pip install scikit-learn")


def test_train_then_draw_a_digit(bundle_dir, bundle_server, page):
    _digits_into(bundle_dir)
    assert page.open(bundle_server.rstrip("/"), "/train.html") == "1"
    assert page.text_content("#device") == "webgpu"
    page.fill("#epochs", "3")
    page.click("#train")
    page.wait_for_function("document.body.dataset.trained !== '0'", timeout=400_000)
    assert page.evaluate("document.body.dataset.trained") == "1", page.text_content("#error")
    acc = float(page.text_content("#accuracy").rstrip("%"))
    assert acc >= 90.0, page.text_content("#status")
    # draw a "1": one vertical stroke, as a mouse would
    box = page.locator("#pad").bounding_box()
    x, top = box["x"] + box["width"] / 2, box["y"] + 20
    page.mouse.move(x, top)
    page.mouse.down()
    for k in range(1, 13):
        page.mouse.move(x + k * 0.5, top + k * 10)
    page.mouse.up()
    page.wait_for_function("Number(document.querySelector('#prediction').dataset.count || 0) >= 1",
                           timeout=60_000)
    pred = page.text_content("#prediction")
    assert pred in [str(d) for d in range(10)], pred
    probs = page.text_content("#probs").splitlines()
    assert len(probs) == 10 and abs(sum(float(p.split()[1].rstrip("%")) for p in probs) - 100) < 1
    page.shot("train.png")
    assert page.foreign == []
