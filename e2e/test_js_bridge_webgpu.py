"""The JS bridge (web/rustorch.js) on the webgpu device in Chromium: data crossing
in every dtype, the leak test on the GPU pool, and errors raised by device-side
checks surfacing at the next read."""
import pytest


@pytest.fixture()
def bridge(page, bundle_server):
    assert page.open(bundle_server, "bridge-test.html") == "1", page.log[-20:]
    assert page.evaluate("rt.device") == "webgpu", page.evaluate("rt.notice")
    return page


def test_every_dtype_crosses_both_ways_on_webgpu(bridge):
    got = bridge.evaluate("""async () => {
      const cases = {
        float32: [1.5, -2, 3e38], int32: [-7, 2147483647, 0], int64: [-(2 ** 31), 5, 2 ** 31 - 1],
        int16: [-300, 3, 32767], int8: [-100, 7, 127], uint8: [200, 1, 255], bool: [true, false, true],
      };
      const out = {};
      for (const [dtype, values] of Object.entries(cases)) {
        const t = rt.tensor(values, { dtype });
        const d = await t.data();
        const u = t.add(t);                      // computed on the GPU, read back once
        out[dtype] = { type: d.constructor.name, values: Array.from(d, Number),
                       doubled: Array.from(await u.data(), Number), device: t.device };
        t.dispose(); u.dispose();
      }
      const big = rt.tensor(new Float32Array(300001).map((_, i) => i % 977));
      const back = await big.mul(2).data();
      out.big = [back.length, back[976], back[977], back[300000]];
      try { rt.tensor([2 ** 40]); out.wide = "no error"; } catch (e) { out.wide = e.message; }
      return out;
    }""")
    assert got["float32"]["type"] == "Float32Array" and got["float32"]["values"][:2] == [1.5, -2]
    assert got["int64"]["type"] == "BigInt64Array" and got["int64"]["values"] == [-(2 ** 31), 5, 2 ** 31 - 1]
    assert got["int32"]["doubled"] == [-14, -2, 0]                       # wraps at 32 bits, like torch
    assert got["int16"]["values"] == [-300, 3, 32767] and got["int16"]["doubled"] == [-600, 6, -2]
    assert got["int8"]["doubled"] == [56, 14, -2]
    assert got["uint8"]["type"] == "Uint8Array" and got["uint8"]["doubled"] == [144, 2, 254]
    assert got["bool"]["values"] == [1, 0, 1] and got["bool"]["doubled"] == [1, 0, 1]
    assert all(v["device"] == "webgpu" for k, v in got.items() if k not in ("big", "wide"))
    assert got["big"] == [300001, 1952, 0, 2 * (300000 % 977)]
    # int64 past int32 cannot live in webgpu's 32-bit words: refused, never wrapped
    assert "int64 value 1099511627776 is not supported on device 'webgpu'" in got["wide"], got["wide"]


def test_sync_reads_refuse_clearly_and_device_checks_surface_at_the_next_read(bridge):
    got = bridge.evaluate("""async () => {
      const out = {};
      const t = rt.tensor([1, 2, 3], { dtype: "float32" });
      try { t.dataSync(); } catch (e) { out.sync = [e.name, e.pythonType, e.message]; }
      out.str = t.toString();
      out.strAsync = await t.toStringAsync();
      const idx = rt.tensor([0, 7]);              // 7 is out of range: checked on the GPU
      const g = t.index(idx);                    // no read yet, so no error yet
      try { await g.data(); out.read = "no error"; }
      catch (e) { out.read = [e.name, e.pythonType, e.message]; }
      out.after = Array.from(await t.mul(2).data());   // the device still works
      return out;
    }""")
    assert got["sync"][0] == "RusTorchError" and got["sync"][1] is None
    assert "await t.data()" in got["sync"][2]
    assert got["str"] == "Tensor(shape=[3], dtype=float32, device=webgpu)"
    assert got["strAsync"] == "tensor([1., 2., 3.], device='webgpu')"
    assert got["read"][0] == "RusTorchError" and got["read"][1] == "IndexOutOfRange", got["read"]
    assert "7" in got["read"][2] and "out of bounds" in got["read"][2]
    assert got["after"] == [2, 4, 6]


def test_leak_10000_cycles_keep_memory_flat_on_webgpu(bridge):
    """10,000 create/compute/dispose cycles: live handles, the GPU pool's allocated
    bytes and Python's object count end where they started."""
    got = bridge.evaluate("""async () => {
      const src = new Float32Array([1, 2, 3, 4]);
      const cycle = async (i) => {
        const a = rt.tensor(src, { shape: [2, 2] });
        const b = rt.tidy(() => a.matmul(a).relu().add(1).sum({ dim: 0 }));
        if (i % 500 === 0) await b.data();
        a.dispose();
        b.dispose();
      };
      for (let i = 0; i < 200; i++) await cycle(i);
      const before = rt.memory({ python: true });
      const t0 = performance.now();
      for (let i = 0; i < 10000; i++) await cycle(i);
      const seconds = (performance.now() - t0) / 1000;
      return { before, after: rt.memory({ python: true }), seconds };
    }""")
    before, after = got["before"], got["after"]
    assert after["numTensors"] == before["numTensors"] and after["numBytes"] == before["numBytes"], got
    # buffers freed while work is pending return to the pool at the next submit, so
    # the count moves by a few; one leaked 256-byte buffer a cycle would add 2.5 MB
    assert after["gpuAllocatedBytes"] <= before["gpuAllocatedBytes"] + 16 * 1024, got
    # caches (bind groups, pipelines) may settle a little; a leak per cycle adds 10,000+
    assert after["pythonObjects"] - before["pythonObjects"] < 1000, got
