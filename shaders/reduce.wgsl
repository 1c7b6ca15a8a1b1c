// Reduction family (sum, mean, prod, max, min, all, any): one workgroup per
// (output element, chunk of the reduced extent); each invocation folds a strided
// run of its chunk, then the workgroup folds its WG partials in shared memory
// (a tree).  With more than one chunk per output the host runs this kernel again
// over the partials (a contiguous [n_out, n_chunks] array) until one remains.
// A template: rustorch/backends/webgpu/reduce_ops.py fills it from its op table.
// info = [n_out, m, n_chunks, chunk, total_m, nk, nr, offset,
//         kept_shape[nk], kept_stride[nk], red_shape[nr], red_stride[nr]]
$enable
@group(0) @binding(0) var<storage, read> a: array<$TA>;
@group(0) @binding(1) var<storage, read_write> out: array<$TO>;
@group(0) @binding(2) var<storage, read> info: array<u32>;
$helpers
var<workgroup> sh: array<$ACC, $WG>;

fn combine(x: $ACC, y: $ACC) -> $ACC { return $COMBINE; }

$INDEX

@compute @workgroup_size($WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
    let g = wid.y * nwg.x + wid.x;            // 2-D tiled grid -> workgroup index
    let n_chunks = info[2];
    let valid = g < info[0] * n_chunks;      // no early return: barriers follow
    var acc: $ACC = $IDENT;
    if (valid) {
        let p0 = base(g / n_chunks);   // once per workgroup, not per element
        let start = (g % n_chunks) * info[3];
        let stop = min(info[1], start + info[3]);
        for (var r = start + lid; r < stop; r = r + ${WG}u) {
            let raw = a[p0 + roff(r)];
            acc = combine(acc, $LOAD);
        }
    }
    sh[lid] = acc;
    workgroupBarrier();
    for (var s = ${WG}u / 2u; s > 0u; s = s / 2u) {
        if (lid < s) { sh[lid] = combine(sh[lid], sh[lid + s]); }
        workgroupBarrier();
    }
    if (valid && lid == 0u) {
        let v = sh[0];
        out[g] = $FINAL;
    }
}
