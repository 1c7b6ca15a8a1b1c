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
    // each invocation takes EPT elements, a grid apart: fewer invocations (what
    // CPU-emulated adapters pay for), reads still coalesced on a GPU
    let g = (wid.y * nwg.x + wid.x) * ${WG}u + lid;   // 2-D tiled grid -> linear index
    let threads = nwg.x * nwg.y * ${WG}u;
    for (var k = 0u; k < ${EPT}u; k = k + 1u) {
        let i = g + k * threads;
        if (i >= info[0]) { return; }
        let ia = rt_offset(i, 0u, 2u);
        let io = rt_offset(i, 1u, 2u);
        out[io] = a[ia];
    }
}
