// Elementwise binary family: out[i] = EXPR(x, y) with broadcasting (stride 0)
// and strided inputs.  A template: rustorch/backends/webgpu/kernels.py fills the
// template fields from its op table (one definition per op).
// info = [n, ndim, offset_a, offset_b, shape[ndim], stride_a[ndim], stride_b[ndim]].
$enable
@group(0) @binding(0) var<storage, read> a: array<$TA>;
@group(0) @binding(1) var<storage, read> b: array<$TB>;
@group(0) @binding(2) var<storage, read_write> out: array<$TO>;
@group(0) @binding(3) var<storage, read> info: array<u32>;
$helpers
$OFFSET
@compute @workgroup_size($WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
    // each invocation takes EPT elements, a grid apart: fewer invocations (what
    // CPU-emulated adapters pay for), reads still coalesced on a GPU
    let g = (wid.y * nwg.x + wid.x) * ${WG}u + lid;   // 2-D tiled grid -> linear index
    let threads = nwg.x * nwg.y * ${WG}u;
    for (var k = 0u; k < ${EPT}u; k = k + 1u) {
        let i = g + k * threads;
        if (i >= info[0]) { return; }
        let ia = rt_offset(i, 0u, 2u);
        let ib = rt_offset(i, 1u, 2u);
        let x = $LOAD_A;
        let y = $LOAD_B;
        out[i] = $EXPR;
    }
}
