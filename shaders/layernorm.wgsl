// Layer norm over the last dim: one 256-invocation workgroup per row (rows longer
// than the workgroup are strided over).  Two passes (mean, then the mean of
// squared deviations) for stability; biased variance, as torch uses.
// A template: rustorch/backends/webgpu/linalg_ops.py fills the optional weight /
// bias bindings and the affine expression; `stats` gets (mean, rstd) per row.
// info = [rows, L, offset, bitcast<u32>(eps)]: row r of x starts at offset + r * L.
@group(0) @binding(0) var<storage, read> x: array<f32>;
$DECLS
var<workgroup> red: array<f32, 256>;

fn row_sum(lid: u32, v: f32) -> f32 {
    red[lid] = v;
    workgroupBarrier();
    for (var s = 128u; s > 0u; s = s >> 1u) {
        if (lid < s) { red[lid] = red[lid] + red[lid + s]; }
        workgroupBarrier();
    }
    let total = red[0];
    workgroupBarrier();                        // everyone has read red[0] before reuse
    return total;
}

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
    let row = wid.y * nwg.x + wid.x;          // 2-D tiled grid -> row
    if (row >= info[0]) { return; }
    let L = info[1];
    let base = info[2] + row * L;
    let obase = row * L;
    let eps = bitcast<f32>(info[3]);

    var s = 0.0;
    for (var j = lid; j < L; j = j + 256u) { s = s + x[base + j]; }
    let mean = row_sum(lid, s) / f32(L);
    var q = 0.0;
    for (var j = lid; j < L; j = j + 256u) { let d = x[base + j] - mean; q = q + d * d; }
    let rstd = inverseSqrt(row_sum(lid, q) / f32(L) + eps);
    if (lid == 0u) {
        stats[2u * row] = mean;
        stats[2u * row + 1u] = rstd;
    }

    for (var j = lid; j < L; j = j + 256u) {
        let y = (x[base + j] - mean) * rstd;
        out[obase + j] = $AFFINE;
    }
}
