// One fused Adam / AdamW step (f32), in place over param, exp_avg, exp_avg_sq
// (and max_exp_avg_sq with amsgrad): the ops of fallbacks.ComposedKernels.adam_step
// in the same order, each rounded to f32 (a device without float64 rounds the
// multiply-adds twice, like the step-by-step path).  Arrays are strided views.
// A template: random_ops.py fills the vmax binding and its update.
// info = [n, ndim, flags, wd, decay, w, -(1-w), beta2, 1-beta2, bc2_sqrt, eps,
//         -step_size, off_p, off_g, off_m, off_v, off_vmax, shape[nd],
//         stride_p[nd], stride_g[nd], stride_m[nd], stride_v[nd], stride_vmax[nd]]
// (the constants are f32 bit patterns; flags: 1 maximize, 2 weight decay,
// 4 decoupled decay, 8 lerp's small-weight formula).
@group(0) @binding(0) var<storage, read_write> p: array<f32>;
@group(0) @binding(1) var<storage, read> g: array<f32>;
@group(0) @binding(2) var<storage, read_write> m: array<f32>;
@group(0) @binding(3) var<storage, read_write> v: array<f32>;
$VMAX_DECL
fn cf(i: u32) -> f32 { return bitcast<f32>(info[i]); }
fn rt_isnan(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) > 0x7f800000u; }

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
    let i = (wid.y * nwg.x + wid.x) * 256u + lid;   // 2-D tiled grid -> linear index
    if (i >= info[0]) { return; }
    let nd = info[1];
    var rem = i;
    var ip = info[12];
    var ig = info[13];
    var im = info[14];
    var iv = info[15];
    var ix = info[16];
    let s = 17u + nd;                                // first stride set
    for (var d = nd; d > 0u; d = d - 1u) {
        let size = info[16u + d];
        let c = rem % size;
        rem = rem / size;
        ip = ip + c * info[s + d - 1u];
        ig = ig + c * info[s + nd + d - 1u];
        im = im + c * info[s + 2u * nd + d - 1u];
        iv = iv + c * info[s + 3u * nd + d - 1u];
        ix = ix + c * info[s + 4u * nd + d - 1u];
    }
    let flags = info[2];
    var pp = p[ip];
    var gg = g[ig];
    if ((flags & 1u) != 0u) { gg = -gg; }
    if ((flags & 2u) != 0u) { let t = cf(3u) * pp; gg = gg + t; }
    if ((flags & 4u) != 0u) { pp = pp * cf(4u); }
    let mm = m[im];
    let diff = gg - mm;
    var mn: f32;
    if ((flags & 8u) != 0u) { let t = cf(5u) * diff; mn = mm + t; }
    else { let t = cf(6u) * diff; mn = gg + t; }
    let vb = v[iv] * cf(7u);
    let gs = (gg * cf(8u)) * gg;
    let vn = vb + gs;
    m[im] = mn;
    v[iv] = vn;
    var src = vn;
$VMAX_UPDATE
    let denom = sqrt(src) / cf(9u) + cf(10u);
    let upd = (mn * cf(11u)) / denom;
    p[ip] = pp + upd;
}
