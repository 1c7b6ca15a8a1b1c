// Gather family: out[i] = x[addr(i)] for every i of a work shape W; out is
// contiguous in W.  Advanced getitem, take, take_along_axis, embedding and the
// reflect / replicate / circular pads all reduce to this one addressing rule:
//   addr(i) = x_off + sum_d c_d * xs_d + sum_j s_j * wrap(idx_j[p_j], n_j)
// with c the coordinates of i in W, p_j = ioff_j + sum_d c_d * is_j[d] (index
// array j broadcast to W: stride 0 where it is broadcast) and wrap adding n_j
// to negative indices (bounds are checked before: index_check.wgsl).  Strides
// may be negative (two's complement u32, wrapping sums land right).
// index_ops.py generates the index lines (IDX fields), one block per array j.
// LOAD is a[ia], or ia itself (as i32) where more index arrays than one
// dispatch may bind are folded into one array of partial addresses.
// info = [n, nd, x_off, v_off, base, shape[nd], xs[nd], vs[nd],
//         then per index array j: ioff_j, n_j, s_j, is_j[nd]]   (v_off, vs, base unused here)
$enable
@group(0) @binding(0) var<storage, read> a: array<$TA>;
$IDX_DECL
@group(0) @binding($B_OUT) var<storage, read_write> out: array<$TO>;
@group(0) @binding($B_INFO) var<storage, read> info: array<u32>;

@compute @workgroup_size($WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
    let i = (wid.y * nwg.x + wid.x) * ${WG}u + lid;   // 2-D tiled grid -> linear index
    if (i >= info[0]) { return; }
    let nd = info[1];
    var rem = i;
    var ia = info[2];
$IDX_INIT
    for (var d = nd; d > 0u; d = d - 1u) {
        let c = rem % info[4u + d];
        rem = rem / info[4u + d];
        ia = ia + c * info[4u + nd + d];
$IDX_STEP
    }
$IDX_APPLY
    out[i] = $LOAD;
}
