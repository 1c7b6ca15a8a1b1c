"""Whole models ported from torch: each is written once as a function of the
``nn`` namespace, built in torch and in rustorch, given torch's weights through
the state dict, and must give torch's logits, loss and parameter gradients.
The last test runs a torch-written training script as text with
``import torch`` swapped for ``import rustorch as torch``."""
import random

import pytest

torch = pytest.importorskip("torch", reason="torch (the oracle) is not installed: pip install torch==2.13.0")

import rustorch as rt  # noqa: E402

@pytest.fixture(autouse=True)
def _keep_rng_state():
    """Leave rustorch's and torch's global generators as found, so that
    tests after this file see the same random stream with or without it."""
    rt_state, torch_state = rt.get_rng_state(), torch.get_rng_state()
    yield
    rt.set_rng_state(rt_state)
    torch.set_rng_state(torch_state)


RTOL, ATOL = 1e-4, 1e-5


# ---------------------------------------------------------------- models
def small_cnn(nn):
    """conv-relu-pool x2 + linear (LeNet-like) on 1x28x28."""
    return nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(16 * 5 * 5, 10))


def lstm_classifier(nn):
    class LSTMClassifier(nn.Module):
        def __init__(self, n_in=8, hidden=16, n_classes=3):
            super().__init__()
            self.lstm = nn.LSTM(n_in, hidden, num_layers=2, batch_first=True)
            self.head = nn.Linear(hidden, n_classes)

        def forward(self, x):
            out, (h, c) = self.lstm(x)
            return self.head(out[:, -1]) + 0 * h[-1].sum()   # h, c are part of the graph too
    return LSTMClassifier()


def transformer_encoder(nn):
    class Encoder(nn.Module):
        def __init__(self, d=32, heads=4, n_classes=5):
            super().__init__()
            layer = nn.TransformerEncoderLayer(d, heads, dim_feedforward=64, dropout=0.0,
                                               batch_first=True)
            self.encoder = nn.TransformerEncoder(layer, num_layers=2, enable_nested_tensor=False)
            self.head = nn.Linear(d, n_classes)

        def forward(self, x):
            return self.head(self.encoder(x).mean(1))
    return Encoder()


MODELS = {
    # name: (builder, layers it needs, input shape on cpu, on python, classes)
    "cnn": (small_cnn, ("Conv2d", "MaxPool2d", "ReLU", "Flatten"), (4, 1, 28, 28), (2, 1, 28, 28), 10),
    "lstm": (lstm_classifier, ("LSTM",), (4, 7, 8), (2, 5, 8), 3),
    "transformer": (transformer_encoder, ("TransformerEncoder", "TransformerEncoderLayer"),
                    (3, 6, 32), (2, 4, 32), 5),
}


def _values(shape, seed):
    rng = random.Random(seed)
    n = 1
    for s in shape:
        n *= s
    flat = [rng.uniform(-1, 1) for _ in range(n)]
    return flat


def _pair(name, device):
    build, layers, shape_cpu, shape_py, n_classes = MODELS[name]
    torch.manual_seed(0)
    tmod = build(torch.nn)
    rmod = build(rt.nn).to(device)
    state = {k: rt.tensor(v.detach().tolist(), dtype=getattr(rt, str(v.dtype).split(".")[-1]),
                          device=device)
             for k, v in tmod.state_dict().items()}
    rmod.load_state_dict(state)
    shape = shape_cpu if device == "cpu" else shape_py
    flat = _values(shape, zlib_seed(name))
    tx = torch.tensor(flat).reshape(shape)
    rx = rt.tensor(flat, device=device).reshape(shape)
    labels = [i % n_classes for i in range(shape[0])]
    return tmod, rmod, tx, rx, torch.tensor(labels), rt.tensor(labels, device=device)


def zlib_seed(name):
    import zlib
    return zlib.crc32(name.encode())


def _close(got, want, what, rtol=RTOL, atol=ATOL):
    g = torch.tensor(got.detach().tolist(), dtype=want.dtype)
    assert tuple(g.shape) == tuple(want.shape), f"{what}: shape {tuple(g.shape)} != {tuple(want.shape)}"
    assert torch.allclose(g, want.detach(), rtol=rtol, atol=atol), \
        f"{what}: max abs diff {(g - want.detach()).abs().max().item():.3g}"


@pytest.mark.parametrize("name", sorted(MODELS))
def test_ported_model(name, device):
    tmod, rmod, tx, rx, ty, ry = _pair(name, device)
    for train in (True, False):
        tmod.train(train)
        rmod.train(train)
        tlogits = tmod(tx)
        rlogits = rmod(rx)
        _close(rlogits, tlogits, f"logits (train={train})")
    # one training step: loss and every parameter gradient
    tmod.train()
    rmod.train()
    tloss = torch.nn.functional.cross_entropy(tmod(tx), ty)
    rloss = rt.nn.functional.cross_entropy(rmod(rx), ry)
    _close(rloss, tloss, "loss")
    tloss.backward()
    rloss.backward()
    tparams = dict(tmod.named_parameters())
    rparams = dict(rmod.named_parameters())
    assert list(tparams) == list(rparams)
    for k, p in tparams.items():
        assert rparams[k].grad is not None, f"grad of {k} missing"
        _close(rparams[k].grad, p.grad, f"grad of {k}", rtol=1e-3, atol=1e-5)


# ---------------------------------------------------------------- swapping the import
SCRIPT = '''
import torch
import torch.nn as nn
import torch.nn.functional as F


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 4, 3)
        self.conv2 = nn.Conv2d(4, 8, 3)
        self.fc1 = nn.Linear(8 * 5 * 5, 32)
        self.fc2 = nn.Linear(32, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = torch.flatten(x, 1)
        x = F.relu(self.fc1(x))
        return self.fc2(x)


net = Net()
net.load_state_dict({k: torch.tensor(v) for k, v in STATE.items()})
x = torch.tensor(DATA).reshape(8, 1, 28, 28)
y = torch.tensor(LABELS, dtype=torch.long)
criterion = nn.CrossEntropyLoss(label_smoothing=0.1)
losses = []
for step in range(3):
    net.zero_grad()
    loss = criterion(net(x), y)
    loss.backward()
    with torch.no_grad():
        for p in net.parameters():
            p -= 0.05 * p.grad
    losses.append(loss.item())
with torch.no_grad():
    logits = net(x)
RESULT = {"losses": losses, "logits": logits.tolist(),
          "pred": logits.argmax(dim=1).tolist()}
'''


def _swap_import(text):
    return (text.replace("import torch.nn.functional as F", "import rustorch.nn.functional as F")
                .replace("import torch.nn as nn", "import rustorch.nn as nn")
                .replace("import torch\n", "import rustorch as torch\n"))


def test_swapping_the_import():
    rng = random.Random(7)
    data = [rng.uniform(-1, 1) for _ in range(8 * 28 * 28)]
    labels = [rng.randrange(10) for _ in range(8)]
    torch.manual_seed(3)
    g_torch = {"DATA": data, "LABELS": labels, "STATE": None}
    # the weights: the script's own Net, built once by torch
    exec(compile(SCRIPT.split("net = Net()")[0], "<torch-net>", "exec"), g_torch)
    g_torch["STATE"] = {k: v.tolist() for k, v in g_torch["Net"]().state_dict().items()}
    swapped = _swap_import(SCRIPT)
    assert "import rustorch as torch" in swapped and "import torch\n" not in swapped
    want, got = dict(g_torch), dict(g_torch)
    exec(compile(SCRIPT, "<torch-script>", "exec"), want)
    exec(compile(swapped, "<rustorch-script>", "exec"), got)
    assert got["torch"] is rt
    w, g = want["RESULT"], got["RESULT"]
    for a, b in zip(g["losses"], w["losses"]):
        assert abs(a - b) <= 1e-5 + 1e-4 * abs(b), (g["losses"], w["losses"])
    _close(rt.tensor(g["logits"]), torch.tensor(w["logits"]), "logits after 3 steps")
    assert g["pred"] == w["pred"]
