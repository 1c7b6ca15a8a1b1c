"""Half precision keeps its dtype like torch (bfloat16 vectors, one-operand einsum, clamp, ELUs)."""
import pytest
import torch

import rustorch as rt


@pytest.mark.parametrize("name", ["float16", "bfloat16"])
@pytest.mark.parametrize("device", ["cpu", "python"])
def test_products_keep_half_dtype(name, device):
    tdt, rdt = getattr(torch, name), getattr(rt, name)
    g = torch.Generator().manual_seed(0)
    a, m = torch.randn(3, generator=g).to(tdt), torch.randn(3, 2, generator=g).to(tdt)
    ra, rm = rt.tensor(a.float().tolist()).to(rdt).to(device), rt.tensor(m.float().tolist()).to(rdt).to(device)
    for got, want in [(rt.matmul(ra, rm), torch.matmul(a, m)), (rt.matmul(ra, ra), torch.matmul(a, a)),
                      (rt.einsum("ij->j", rm), torch.einsum("ij->j", m)),
                      (rt.einsum("ij->ji", rm), torch.einsum("ij->ji", m))]:
        assert got.dtype is rdt
        assert got.float().flatten().tolist() == pytest.approx(want.float().flatten().tolist(), rel=1e-2, abs=1e-2)


@pytest.mark.parametrize("name", ["float16", "bfloat16"])
@pytest.mark.parametrize("device", ["cpu", "python"])
def test_clamp_and_elu_family_keep_half_dtype(name, device):
    rdt, tdt = getattr(rt, name), getattr(torch, name)
    vals = [-2.5, -0.5, 0.0, 0.75, 3.0]
    x, t = rt.tensor(vals).to(rdt).to(device), torch.tensor(vals).to(tdt)
    F, TF = rt.nn.functional, torch.nn.functional
    for got, want in [(x.clamp(max=0), t.clamp(max=0)), (x.clamp(-1, 1), t.clamp(-1, 1)),
                      (F.elu(x), TF.elu(t)), (F.celu(x, 0.5), TF.celu(t, 0.5)), (F.selu(x), TF.selu(t))]:
        assert got.dtype is rdt
        assert got.float().tolist() == pytest.approx(want.float().tolist(), rel=1e-2, abs=1e-2)
