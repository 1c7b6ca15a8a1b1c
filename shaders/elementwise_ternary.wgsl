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
$OFFSET
@compute @workgroup_size($WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
$EACH_ELEMENT   // opens the loop over this invocation's elements i (shaders/each_element.wgsl)
        let ia = rt_offset(i, 0u, 3u);
        let ib = rt_offset(i, 1u, 3u);
        let ic = rt_offset(i, 2u, 3u);
        let x = $LOAD_A;
        let y = $LOAD_B;
        let z = $LOAD_C;
        out[i] = $EXPR;
    }
}
