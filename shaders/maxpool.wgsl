// Max pooling over im2col's windows (1 to 3 spatial dims), like torch's CPU
// kernel: padding never wins, a later element wins only if it is greater or
// NaN, and the index is the maximum's flat position in its input plane.
// One invocation per output (n, c, *window); x is a strided view.
// A template: conv_ops.py fills the storage type TA, compute type T and
// ISNAN (false for integers).
// info = [total, nsp, C, K, P (windows per plane), offset, stride_n, stride_c,
//         low value bits,
//         per spatial dim: size, stride, kernel, dilation, step, pad_before, out,
//         plane stride].
$enable
@group(0) @binding(0) var<storage, read> x: array<$TA>;
@group(0) @binding(1) var<storage, read_write> vals: array<$TA>;
@group(0) @binding(2) var<storage, read_write> idxs: array<i32>;
@group(0) @binding(3) var<storage, read> info: array<u32>;

fn rt_isnan(v: f32) -> bool { return (bitcast<u32>(v) & 0x7fffffffu) > 0x7f800000u; }

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
    let i = (wid.y * nwg.x + wid.x) * 256u + lid;   // 2-D tiled grid -> linear index
    if (i >= info[0]) { return; }
    let nsp = info[1];
    let K = info[3];
    let P = info[4];
    let nc = i / P;
    let c = nc % info[2];
    let n = nc / info[2];
    let base = info[5] + n * info[6] + c * info[7];
    var found = false;
    var best = $LOW;
    var best_at = 0;
    for (var k = 0u; k < K; k = k + 1u) {
        var rk = k;
        var rp = i % P;
        var idx = base;
        var at = 0;
        var inside = true;
        for (var d = nsp; d > 0u; d = d - 1u) {
            let b = 9u + (d - 1u) * 8u;
            let pos = rp % info[b + 6u];
            rp = rp / info[b + 6u];
            let off = rk % info[b + 2u];
            rk = rk / info[b + 2u];
            let coord = i32(pos * info[b + 4u] + off * info[b + 3u]) - bitcast<i32>(info[b + 5u]);
            inside = inside && coord >= 0 && coord < i32(info[b]);
            idx = idx + u32(coord) * info[b + 1u];
            at = at + coord * i32(info[b + 7u]);
        }
        if (k == 0u) { best_at = at; }              // a window all in padding
        if (!inside) { continue; }
        let v = $T(x[idx]);
        if (!found || v > best || $ISNAN) {
            best = v;
            best_at = at;
            found = true;
        }
    }
    vals[i] = $TA(best);
    idxs[i] = best_at;
}
