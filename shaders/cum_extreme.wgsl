// Sort family, running extremes (cummax, cummin) along one dim: one invocation
// per line, folding it in order.  Each element gets a u32 key ($$CKEY, from
// sort_ops.py) such that the running pick is the largest key, the latest
// index among equal keys: cummax uses the sort key (NaN largest, so a NaN
// sticks and each later NaN takes over), cummin the inverted key with NaN
// moved to the top.  Values are copied bit for bit from the picked element.
// info = [n_lines, len, inner, offset, dim_stride, nk, kept_shape[nk], kept_stride[nk]]
$enable
@group(0) @binding(0) var<storage, read> a: array<$TA>;
@group(0) @binding(1) var<storage, read_write> oval: array<$TA>;
@group(0) @binding(2) var<storage, read_write> oidx: array<i32>;
@group(0) @binding(3) var<storage, read> info: array<u32>;
$helpers

@compute @workgroup_size($WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
    let i = (wid.y * nwg.x + wid.x) * ${WG}u + lid;
    if (i >= info[0]) { return; }
    let nk = info[5];
    var p = info[3];
    var rem = i;
    for (var d = nk; d > 0u; d = d - 1u) {
        let size = info[5u + d];
        p = p + (rem % size) * info[5u + nk + d];
        rem = rem / size;
    }
    let n = info[1];
    let inner = info[2];
    let ob = (i / inner) * n * inner + i % inner;   // line start in the contiguous output
    var bk = 0u;
    var bi = 0u;
    var bv = a[p];
    for (var k = 0u; k < n; k = k + 1u) {
        let raw = a[p + k * info[4]];
        let ck = $CKEY;
        if (k == 0u || ck >= bk) {
            bk = ck;
            bi = k;
            bv = raw;
        }
        oval[ob + k * inner] = bv;
        oidx[ob + k * inner] = i32(bi);
    }
}
