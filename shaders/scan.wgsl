// Scan family (cumsum, cumprod) along one dim: one invocation per line, folding
// the line in order (an inclusive scan).  Lines are independent, so the work is
// parallel across the other dims; the output is contiguous in the input's shape.
// A template: rustorch/backends/webgpu/reduce_ops.py fills it from its op table.
// info = [n_lines, len, inner, offset, dim_stride, nk, kept_shape[nk], kept_stride[nk]]
$enable
@group(0) @binding(0) var<storage, read> a: array<$TA>;
@group(0) @binding(1) var<storage, read_write> out: array<$TO>;
@group(0) @binding(2) var<storage, read> info: array<u32>;
$helpers
fn combine(x: $ACC, y: $ACC) -> $ACC { return $COMBINE; }

@compute @workgroup_size($WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
    let i = (wid.y * nwg.x + wid.x) * ${WG}u + lid;
    if (i >= info[0]) { return; }
    let nk = info[5];
    var p = info[3];
    var rem = i;
    for (var d = nk; d > 0u; d = d - 1u) {
        let size = info[5u + d];
        p = p + (rem % size) * info[5u + nk + d];
        rem = rem / size;
    }
    let n = info[1];
    let inner = info[2];
    let ob = (i / inner) * n * inner + i % inner;   // line start in the contiguous output
    var acc: $ACC = $IDENT;
    for (var k = 0u; k < n; k = k + 1u) {
        let raw = a[p + k * info[4]];
        acc = combine(acc, $LOAD);
        let v = acc;
        out[ob + k * inner] = $FINAL;
    }
}
