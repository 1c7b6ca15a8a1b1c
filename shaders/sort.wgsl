// Sort family, shared-memory part: a bitonic network over blocks of 2048
// (key, index) pairs (16 KiB: the portable workgroup-memory limit), 256
// invocations doing 4 compare-exchanges per step.  Lines are padded to P, a
// power of two; padded slots hold (0xffffffff, 0xffffffff), which sorts after
// every real pair.  The "flip" form of the network sorts every aligned chunk
// ascending, so a block of short lines (P <= 2048) sorts each line on its own.
// Keys are u32 with the order of the values (sort_ops.py: NaN largest, -0 == 0,
// inverted for descending); the index breaks ties, which makes the sort stable.
// A template: rustorch/backends/webgpu/sort_ops.py fills the bindings, where a
// pair is loaded from / stored to ($$LOAD, $$STORE) and which steps run ($$STEPS):
// every stage up to min(P, 2048) (a full sort), or the steps j < 2048 of stage
// k (after sort_merge.wgsl did the steps j >= 2048 of a long line).
// info = [n_blocks, lines, n, P, kout, inner, offset, dim_stride, k,
//         nk, kept_shape[nk], kept_stride[nk]]
$enable
$BINDINGS
$helpers
var<workgroup> sk: array<u32, 2048>;
var<workgroup> si: array<u32, 2048>;

// element offset of the first element of line l in the strided input
fn line_base(l: u32) -> u32 {
    let nk = info[9];
    var p = info[6];
    var rem = l;
    for (var d = nk; d > 0u; d = d - 1u) {
        let size = info[9u + d];
        p = p + (rem % size) * info[9u + nk + d];
        rem = rem / size;
    }
    return p;
}

// (lo, hi) ordered so that lo holds the smaller pair
fn cas(lo: u32, hi: u32) {
    let ka = sk[lo];
    let kb = sk[hi];
    let ia = si[lo];
    let ib = si[hi];
    if (kb < ka || (kb == ka && ib < ia)) {
        sk[lo] = kb;
        sk[hi] = ka;
        si[lo] = ib;
        si[hi] = ia;
    }
}

// one step (k, j) of the network over the 2048 slots
fn net_step(k: u32, j: u32, lid: u32) {
    for (var r = 0u; r < 4u; r = r + 1u) {
        let t = r * ${WG}u + lid;
        let c = (t / j) * 2u * j;
        let w = t % j;
        if (j == k / 2u) {
            cas(c + w, c + k - 1u - w);    // flip: the chunk's two halves mirrored
        } else {
            cas(c + w, c + w + j);
        }
    }
}

@compute @workgroup_size($WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
    let blk = wid.y * nwg.x + wid.x;
    if (blk >= info[0]) { return; }
    let P = info[3];
    for (var r = 0u; r < 8u; r = r + 1u) {
        let q = r * ${WG}u + lid;
        let g = blk * 2048u + q;           // slot in the padded [lines, P] layout
        let l = g / P;
        let p = g % P;
        $LOAD
    }
    workgroupBarrier();
    $STEPS
    for (var r = 0u; r < 8u; r = r + 1u) {
        let q = r * ${WG}u + lid;
        let g = blk * 2048u + q;
        let l = g / P;
        let p = g % P;
        $STORE
    }
}
