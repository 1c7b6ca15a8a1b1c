// Contiguous float32 binary ops, four elements per invocation: out[i] = EXPR(x, y)
// on vec4s, with no index arithmetic (the host routes here only when both
// operands and the output are contiguous, aligned to 4 elements, of one shape).
// What a bandwidth-bound op on a large tensor needs; kernels.py fills EXPR.
// info = [n / 4, offset_a / 4, offset_b / 4].
@group(0) @binding(0) var<storage, read> a: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read> b: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> out: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> info: array<u32>;

@compute @workgroup_size($WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
    let i = (wid.y * nwg.x + wid.x) * ${WG}u + lid;
    if (i >= info[0]) { return; }
    let x = a[info[1] + i];
    let y = b[info[2] + i];
    out[i] = $EXPR;
}
