"""The 'light' model zoo files shipped inside the onnx wheel (AlexNet, DenseNet, Inception,
ResNet-50, ShuffleNet, SqueezeNet, VGG-19, ZFNet) run on the CPU and match the
expected outputs stored beside them.

The light models carry no weights: ConstantOfShape nodes rebuild them from shape
initializers.  The input is what onnx's backend runner feeds them
(``Runner.generate_dummy_data(random=False)``): ``arange(n).reshape(shape) / n`` in
float32, free dims set to 1.  Tolerances are the ones in
``onnx.backend.test.case.model.collect_testcases``.

With constant weights most of these nets end in a uniform softmax (every expected
value is 0.001), which a wrong conv or pool would still produce; so the logits
going into the final Softmax are also exposed as an extra output and compared
with onnxruntime's.
"""
import glob
import os

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")
from onnx import numpy_helper  # noqa: E402

import rustorch as rt  # noqa: E402
from rustorch.onnx import _ops  # noqa: E402

LIGHT_DIR = os.path.join(os.path.dirname(onnx.__file__), "backend", "test", "data", "light")
MODELS = sorted(os.path.basename(p)[len("light_"):-len(".onnx")]
                for p in glob.glob(os.path.join(LIGHT_DIR, "light_*.onnx")))
RTOL = {"densenet121": 2e-3}           # the others use 1e-3
# onnxruntime needs seconds to fold VGG-19's 575 MB of ConstantOfShape weights; AlexNet
# and ZFNet check the same ops (Conv, MaxPool, Gemm, LRN) against it.
NO_ORT_CHECK = {"vgg19"}


def _missing_ops(path):
    graph = onnx.load(path).graph
    opset = {o.domain: o.version for o in onnx.load(path).opset_import}.get("", 1)
    missing = set()
    for node in graph.node:
        try:
            _ops.lookup(node.op_type, opset, node.domain)
        except rt.UnsupportedError:
            missing.add(node.op_type)
    return sorted(missing)


def _dummy_input(value_info):
    shape = tuple(d.dim_value if d.HasField("dim_value") else 1
                  for d in value_info.type.tensor_type.shape.dim)
    n = int(np.prod(shape))
    return (np.arange(n).reshape(shape) / n).astype(np.float32)


def test_light_models_are_shipped():
    assert len(MODELS) >= 9, f"found only {MODELS} in {LIGHT_DIR}"


@pytest.mark.parametrize("name", MODELS)
def test_light_model(name):
    path = os.path.join(LIGHT_DIR, f"light_{name}.onnx")
    assert not _missing_ops(path), f"{name} needs ops rustorch lacks: {_missing_ops(path)}"
    proto = onnx.load(path)
    inits = {t.name for t in proto.graph.initializer}
    feeds = [_dummy_input(v) for v in proto.graph.input if v.name not in inits]
    want = [numpy_helper.to_array(onnx.load_tensor(os.path.join(LIGHT_DIR, f"light_{name}_output_{i}.pb")))
            for i in range(len(proto.graph.output))]
    last = proto.graph.node[-1]
    logits = last.input[0] if last.op_type == "Softmax" and name not in NO_ORT_CHECK else None
    if logits:
        proto.graph.output.append(onnx.ValueInfoProto(name=logits))
    model = rt.onnx.load(proto.SerializeToString())
    with rt.no_grad():
        got = model(*(rt.from_numpy(x) for x in feeds))
    got = got if isinstance(got, tuple) else (got,)
    assert len(got) == len(want) + bool(logits)
    rtol = RTOL.get(name, 1e-3)
    for g, w in zip(got, want):
        assert g.dtype == rt.float32 and list(g.shape) == list(w.shape)
        np.testing.assert_allclose(g.numpy(), w, rtol=rtol, atol=1e-7)
    if logits:
        ort = pytest.importorskip("onnxruntime")
        sess = ort.InferenceSession(proto.SerializeToString(), providers=["CPUExecutionProvider"])
        names = [v.name for v in proto.graph.input if v.name not in inits]
        ref = sess.run([logits], dict(zip(names, feeds)))[0]
        np.testing.assert_allclose(got[-1].numpy(), ref, rtol=rtol, atol=1e-5)
