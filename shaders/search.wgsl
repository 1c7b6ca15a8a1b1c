// searchsorted: one invocation per value, a binary search over the sorted 1-D
// sequence s (strided; through the `sorter` permutation when $$SORTER binds
// one), with torch's predicate: go right while !(s[mid] >= v) (side='left')
// or !(s[mid] > v) (side='right'), so a NaN value lands at the end and -0 == 0.
// $$helpers defines go_right(s, v).
// info = [nv, n, s_offset, s_stride, sorter_offset, sorter_stride, v_offset, nd,
//         v_shape[nd], v_strides[nd]]
$enable
@group(0) @binding(0) var<storage, read> s: array<$TA>;
@group(0) @binding(1) var<storage, read> v: array<$TA>;
$SORTER
@group(0) @binding($B_OUT) var<storage, read_write> out: array<i32>;
@group(0) @binding($B_INFO) var<storage, read> info: array<u32>;
$helpers

@compute @workgroup_size($WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
    let i = (wid.y * nwg.x + wid.x) * ${WG}u + lid;
    if (i >= info[0]) { return; }
    let nd = info[7];
    var p = info[6];
    var rem = i;
    for (var d = nd; d > 0u; d = d - 1u) {
        let size = info[7u + d];
        p = p + (rem % size) * info[7u + nd + d];
        rem = rem / size;
    }
    let vv = v[p];
    var lo = 0u;
    var hi = info[1];
    while (lo < hi) {
        let mid = (lo + hi) / 2u;
        if (go_right(s[$SPOS], vv)) { lo = mid + 1u; } else { hi = mid; }
    }
    out[i] = i32(lo);
}
