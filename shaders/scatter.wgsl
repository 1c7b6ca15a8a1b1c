// Scatter family: for every i of a work shape W, out[addr(i)] receives
// v[vaddr(i)].  addr is gather.wgsl's rule (x strides, index arrays); vaddr =
// v_off + sum_d c_d * vs_d.  out is written in place (any strided view).
// index_ops.py picks the body (BODY field) by mode:
//   claim:   win[addr - base] = max(win, i + 1)   (pass 1 of a plain store)
//   store:   out[addr] = v[vaddr] if this i won   (pass 2: the last writer wins,
//            like a sequential loop, whatever order the invocations run in)
//   combine: out[addr] = combine(out[addr], v[vaddr]) by a compare-exchange loop
//            on the 32-bit word (sum, prod, amax, amin; f16 halves share a word),
//            or atomicAdd for 32-bit integer sums; mean also counts per target
//   fill:    out[addr] = the reduction's identity (include_self=False)
// info = [n, nd, x_off, v_off, base, shape[nd], xs[nd], vs[nd],
//         then per index array j: ioff_j, n_j, s_j, is_j[nd]]
$enable
@group(0) @binding(0) var<storage, read_write> out: array<$TOUT>;
@group(0) @binding(1) var<storage, read> v: array<$TV>;
$IDX_DECL
$EXTRA_DECL
@group(0) @binding($B_INFO) var<storage, read> info: array<u32>;
$helpers

@compute @workgroup_size($WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
    let i = (wid.y * nwg.x + wid.x) * ${WG}u + lid;   // 2-D tiled grid -> linear index
    if (i >= info[0]) { return; }
    let nd = info[1];
    var rem = i;
    var ia = info[2];
    var iv = info[3];
$IDX_INIT
    for (var d = nd; d > 0u; d = d - 1u) {
        let c = rem % info[4u + d];
        rem = rem / info[4u + d];
        ia = ia + c * info[4u + nd + d];
        iv = iv + c * info[4u + 2u * nd + d];
$IDX_STEP
    }
$IDX_APPLY
$BODY
}
