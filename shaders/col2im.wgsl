// col2im (torch's fold, the adjoint of im2col) for 1 to 3 spatial dims, as a
// gather: one invocation per output element (n, c, *position) sums, in kernel
// offset order, the columns of every window that covers it (no atomics, so the
// sum is deterministic).  Padding is dropped.  cols (N, C*K, L) is a strided view.
// Kernel offsets are walked with counters (no integer division in the K loop
// but by the step, and not that where the step is 1).
// A template: conv_ops.py fills the element type (float dtypes).
// info = [total, nsp, C, K, L, offset, stride_n, stride_ck, stride_l, plane,
//         per spatial dim: size, kernel, dilation, step, pad_before, out].
$enable
@group(0) @binding(0) var<storage, read> cols: array<$TA>;
@group(0) @binding(1) var<storage, read_write> out: array<$TA>;
@group(0) @binding(2) var<storage, read> info: array<u32>;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
    let i = (wid.y * nwg.x + wid.x) * 256u + lid;   // 2-D tiled grid -> linear index
    if (i >= info[0]) { return; }
    let nsp = info[1];
    let K = info[3];
    let nc = i / info[9];
    let c = nc % info[2];
    let n = nc / info[2];
    var ptr = info[5] + n * info[6] + c * K * info[7];   // column of offset k = 0
    var px: array<i32, 3>;                         // position in padded coordinates
    var lstride: array<u32, 3>;                    // row-major strides of the L axis
    var off: array<u32, 3>;                        // kernel offset counters
    var rp = i % info[9];
    var ls = 1u;
    for (var d = nsp; d > 0u; d = d - 1u) {
        let b = 10u + (d - 1u) * 6u;
        px[d - 1u] = i32(rp % info[b]) + bitcast<i32>(info[b + 4u]);
        rp = rp / info[b];
        lstride[d - 1u] = ls;
        ls = ls * info[b + 5u];
        off[d - 1u] = 0u;
    }
    var acc = 0.0;
    for (var k = 0u; k < K; k = k + 1u) {
        var l = 0u;
        var hit = true;
        for (var d = 0u; d < nsp; d = d + 1u) {
            let b = 10u + d * 6u;
            // window start = position - offset * dilation, a multiple of step
            let s = px[d] - i32(off[d] * info[b + 2u]);
            let step = info[b + 3u];
            var q = s;
            if (step != 1u) {
                q = s / i32(step);
                hit = hit && s == q * i32(step);
            }
            hit = hit && s >= 0 && q < i32(info[b + 5u]);
            l = l + u32(q) * lstride[d];
        }
        if (hit) { acc = acc + f32(cols[ptr + l * info[8]]); }
        ptr = ptr + info[7];
        for (var d = nsp; d > 0u; d = d - 1u) {    // next offset, row-major
            off[d - 1u] = off[d - 1u] + 1u;
            if (off[d - 1u] < info[10u + (d - 1u) * 6u + 1u]) { break; }
            off[d - 1u] = 0u;
        }
    }
    out[i] = $TA(acc);
}
