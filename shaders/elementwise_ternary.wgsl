// Elementwise ternary family (where, clip): out[i] = EXPR(x, y, z) with
// broadcasting (stride 0) and strided inputs.  A template:
// rustorch/backends/webgpu/kernels.py fills it from its TERNARY table.
// info = [n, ndim, offset_a, offset_b, offset_c, shape[ndim], stride_a[ndim],
//         stride_b[ndim], stride_c[ndim]].
$enable
@group(0) @binding(0) var<storage, read> a: array<$TA>;
@group(0) @binding(1) var<storage, read> b: array<$TB>;
@group(0) @binding(2) var<storage, read> c: array<$TC>;
@group(0) @binding(3) var<storage, read_write> out: array<$TO>;
@group(0) @binding(4) var<storage, read> info: array<u32>;
$helpers
@compute @workgroup_size($WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
    let i = (wid.y * nwg.x + wid.x) * ${WG}u + lid;   // 2-D tiled grid -> linear index
    if (i >= info[0]) { return; }
    let nd = info[1];
    var rem = i;
    var ia = info[2];
    var ib = info[3];
    var ic = info[4];
    for (var d = nd; d > 0u; d = d - 1u) {
        let size = info[4u + d];
        let c0 = rem % size;
        rem = rem / size;
        ia = ia + c0 * info[4u + nd + d];
        ib = ib + c0 * info[4u + 2u * nd + d];
        ic = ic + c0 * info[4u + 3u * nd + d];
    }
    let x = $LOAD_A;
    let y = $LOAD_B;
    let z = $LOAD_C;
    out[i] = $EXPR;
}
