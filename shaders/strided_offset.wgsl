// Shared by the elementwise families and copy_strided.wgsl (inserted where their
// templates say OFFSET): the element offset of view v at linear index i of the
// output, from the info layout that rustorch/backends/webgpu/ops.py packs for k
// views: [n, nd, offset[k], shape[nd], stride_0[nd], ..., stride_(k-1)[nd]].
// Broadcast dims have stride 0; negative strides are stored as two's complement,
// which the wrapping u32 sums turn into the right element.
fn rt_offset(i: u32, v: u32, k: u32) -> u32 {
    let nd = info[1];
    let shape_at = 2u + k;
    let stride_at = shape_at + nd * (1u + v);
    var p = info[2u + v];
    var rem = i;
    for (var d = nd; d > 0u; d = d - 1u) {
        let size = info[shape_at + d - 1u];
        p = p + (rem % size) * info[stride_at + d - 1u];
        rem = rem / size;
    }
    return p;
}
