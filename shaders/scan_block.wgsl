// Blocked scan, pass 1 of 2: each workgroup scans one block of WG elements of one
// line in shared memory (Hillis-Steele, log2(WG) steps) and writes the block's
// total.  Used for long lines, where one invocation per line would leave the
// device idle; the host scans the totals (recursively) and scan_add.wgsl adds
// each block's prefix.  All arrays are contiguous, in the accumulator type.
// info = [n_lines, n, n_blocks]; a, out: [n_lines, n]; totals: [n_lines, n_blocks]
@group(0) @binding(0) var<storage, read> a: array<$ACC>;
@group(0) @binding(1) var<storage, read_write> out: array<$ACC>;
@group(0) @binding(2) var<storage, read_write> totals: array<$ACC>;
@group(0) @binding(3) var<storage, read> info: array<u32>;
var<workgroup> sh: array<$ACC, $WG>;

fn combine(x: $ACC, y: $ACC) -> $ACC { return $COMBINE; }

@compute @workgroup_size($WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
    let g = wid.y * nwg.x + wid.x;
    let n = info[1];
    let nb = info[2];
    let valid = g < info[0] * nb;            // no early return: barriers follow
    let line = g / nb;
    let k = (g % nb) * ${WG}u + lid;
    let inside = valid && k < n;
    var v: $ACC = $IDENT;
    if (inside) { v = a[line * n + k]; }
    sh[lid] = v;
    workgroupBarrier();
    for (var off = 1u; off < ${WG}u; off = off * 2u) {
        var t = sh[lid];
        if (lid >= off) { t = combine(sh[lid - off], t); }
        workgroupBarrier();
        sh[lid] = t;
        workgroupBarrier();
    }
    if (inside) { out[line * n + k] = sh[lid]; }
    if (valid && lid == ${WG}u - 1u) { totals[g] = sh[lid]; }
}
