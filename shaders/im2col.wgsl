// im2col (torch's unfold) for 1 to 3 spatial dims: out (N, C*K, L) contiguous,
// out[n, c*K + k, l] = x[n, c, l's window start + k's offset * dilation - pad_before],
// or the fill value where that lands in the padding.  Raw element copy (any
// dtype); x is a strided view (strides may be negative: u32 sums wrap).
// One invocation per (n, c, window l) walks the K kernel offsets with
// counters (integer division is slow on CPU drivers: none in the K loop).
// A template: conv_ops.py fills the element type and the fill value's decoding.
// info = [N*C*L, nsp, C, K, L, offset, stride_n, stride_c, value bits,
//         per spatial dim: size, stride, kernel, dilation, step, pad_before, out].
$enable
@group(0) @binding(0) var<storage, read> x: array<$TA>;
@group(0) @binding(1) var<storage, read_write> out: array<$TA>;
@group(0) @binding(2) var<storage, read> info: array<u32>;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
    let i = (wid.y * nwg.x + wid.x) * 256u + lid;   // 2-D tiled grid -> linear index
    if (i >= info[0]) { return; }
    let nsp = info[1];
    let K = info[3];
    let L = info[4];
    let l = i % L;
    let nc = i / L;                                   // n * C + c
    let base = info[5] + (nc / info[2]) * info[6] + (nc % info[2]) * info[7];
    var start: array<i32, 3>;                         // window start per dim (padded coords)
    var off: array<u32, 3>;                           // kernel offset counters
    var rem = l;
    for (var d = nsp; d > 0u; d = d - 1u) {           // last spatial dim varies fastest
        let b = 9u + (d - 1u) * 7u;
        start[d - 1u] = i32((rem % info[b + 6u]) * info[b + 4u]) - bitcast<i32>(info[b + 5u]);
        rem = rem / info[b + 6u];
        off[d - 1u] = 0u;
    }
    var o = nc * K * L + l;
    for (var k = 0u; k < K; k = k + 1u) {
        var idx = base;
        var inside = true;
        for (var d = 0u; d < nsp; d = d + 1u) {
            let b = 9u + d * 7u;
            let coord = start[d] + i32(off[d] * info[b + 3u]);
            inside = inside && coord >= 0 && coord < i32(info[b]);
            idx = idx + u32(coord) * info[b + 1u];
        }
        if (inside) { out[o] = x[idx]; } else { out[o] = $VALUE; }
        o = o + L;
        for (var d = nsp; d > 0u; d = d - 1u) {       // next offset, row-major
            off[d - 1u] = off[d - 1u] + 1u;
            if (off[d - 1u] < info[9u + (d - 1u) * 7u + 2u]) { break; }
            off[d - 1u] = 0u;
        }
    }
}
