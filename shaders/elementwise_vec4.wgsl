// Contiguous float32 binary ops, four elements per invocation: out[i] = EXPR(x, y)
// on vec4s, with no index arithmetic (the host routes here only when the output
// and each full operand are contiguous, aligned to 4 elements, of one shape).
// An operand may instead be one element broadcast to all (``x * 0.5``): it is
// then bound as array<f32> and splatted.  kernels.py fills EXPR and the operand
// forms (TA/TB: vec4<f32> or f32; X/Y: the loads).
// info = [n / 4, offset_a, offset_b]: in vec4s for a full operand, elements for a scalar.
@group(0) @binding(0) var<storage, read> a: array<$TA>;
@group(0) @binding(1) var<storage, read> b: array<$TB>;
@group(0) @binding(2) var<storage, read_write> out: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> info: array<u32>;

@compute @workgroup_size($WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
    let i = (wid.y * nwg.x + wid.x) * ${WG}u + lid;
    if (i >= info[0]) { return; }
    let x = $X;
    let y = $Y;
    out[i] = $EXPR;
}
