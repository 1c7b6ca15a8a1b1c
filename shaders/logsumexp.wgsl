// logsumexp along the last dim: one 256-invocation workgroup per row, rows longer
// than the workgroup are strided over.  Stabilised like the composed fallback:
// out = log(sum(exp(x - m))) + m with m the row max, or 0 where that max is
// infinite or NaN (so an all -inf row gives -inf, a +inf gives +inf and a
// NaN, through the sum, NaN).
// info = [rows, L, offset]: row r of x starts at offset + r * L (contiguous rows).
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@group(0) @binding(2) var<storage, read> info: array<u32>;

var<workgroup> red: array<f32, 256>;

fn rt_isnan(v: f32) -> bool { return (bitcast<u32>(v) & 0x7fffffffu) > 0x7f800000u; }

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
    let row = wid.y * nwg.x + wid.x;          // 2-D tiled grid -> row
    if (row >= info[0]) { return; }
    let L = info[1];
    let base = info[2] + row * L;

    // a NaN anywhere in the row reaches the sum below, so max may drop it here
    var m = bitcast<f32>(0xff800000u);        // -inf
    for (var j = lid; j < L; j = j + 256u) { m = max(m, x[base + j]); }
    red[lid] = m;
    workgroupBarrier();
    for (var s = 128u; s > 0u; s = s >> 1u) {
        if (lid < s) { red[lid] = max(red[lid], red[lid + s]); }
        workgroupBarrier();
    }
    var mx = red[0];
    workgroupBarrier();                        // everyone has read red[0] before reuse
    if (rt_isnan(mx) || abs(mx) == bitcast<f32>(0x7f800000u)) { mx = 0.0; }

    var acc = 0.0;
    for (var j = lid; j < L; j = j + 256u) { acc = acc + exp(x[base + j] - mx); }
    red[lid] = acc;
    workgroupBarrier();
    for (var s = 128u; s > 0u; s = s >> 1u) {
        if (lid < s) { red[lid] = red[lid] + red[lid + s]; }
        workgroupBarrier();
    }
    // log(0) is -inf by IEEE, but some shader compilers (SwiftShader) return a
    // large finite value: spell it out
    if (lid == 0u) {
        out[row] = select(log(red[0]) + mx, bitcast<f32>(0xff800000u), red[0] == 0.0);
    }
}
