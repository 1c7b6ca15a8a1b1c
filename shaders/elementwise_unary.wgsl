// Elementwise unary family: out[i] = EXPR(x), x read from a strided input.
// A template: rustorch/backends/webgpu/kernels.py fills the template fields from its
// op table (one definition per op).  info = [n, ndim, offset, shape[ndim], stride[ndim]].
$enable
@group(0) @binding(0) var<storage, read> a: array<$TA>;
@group(0) @binding(1) var<storage, read_write> out: array<$TO>;
@group(0) @binding(2) var<storage, read> info: array<u32>;
$helpers
$OFFSET
@compute @workgroup_size($WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
$EACH_ELEMENT   // opens the loop over this invocation's elements i (shaders/each_element.wgsl)
        let ia = rt_offset(i, 0u, 1u);
        let x = $LOAD_A;
        out[i] = $EXPR;
    }
}
