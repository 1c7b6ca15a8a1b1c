// Strided copy: dst[view] = src[view], both strided (dst may be a slice, a
// transposed or a diagonal view of a larger buffer; the host refuses dst views
// that overlap themselves).  Used for copy_into, concat, stack, setitem, pad.
// Strides may be negative (flip): they are stored as u32 two's complement, and
// u32 arithmetic wraps, so the sums land on the right element.
// info = [n, ndim, offset_src, offset_dst, shape[ndim], stride_src[ndim], stride_dst[ndim]].
$enable
@group(0) @binding(0) var<storage, read> a: array<$TA>;
@group(0) @binding(1) var<storage, read_write> out: array<$TO>;
@group(0) @binding(2) var<storage, read> info: array<u32>;

$OFFSET
@compute @workgroup_size($WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
$EACH_ELEMENT   // opens the loop over this invocation's elements i (shaders/each_element.wgsl)
        let ia = rt_offset(i, 0u, 2u);
        let io = rt_offset(i, 1u, 2u);
        out[io] = a[ia];
    }
}
