// nonzero as a stream compaction in two passes of the same kernel (PASS).
// Each workgroup owns a block of WG * PER consecutive elements of x (C order,
// contiguous from offset); each invocation PER of them.  Invocations count
// their nonzeros and scan the counts across the workgroup in shared memory.
//   PASS 1: the last invocation writes the block's total to blocks[g].
//   PASS 2: blocks holds the inclusive scan of the totals (the host scans them
//           and reads the grand total); each nonzero element writes its
//           coordinates to column (earlier blocks + earlier invocations +
//           earlier elements) of out, an (nd, count) int32 array.
// Floats are tested by bit pattern (NaN is nonzero, -0.0 is zero): compilers
// may turn x != 0.0 into an ordered compare that calls NaN zero.
// info = [n, nd, count, offset, shape[nd]]
$enable
@group(0) @binding(0) var<storage, read> a: array<$TA>;
@group(0) @binding(1) var<storage, read_write> blocks: array<i32>;
@group(0) @binding(2) var<storage, read_write> out: array<i32>;
@group(0) @binding(3) var<storage, read> info: array<u32>;
var<workgroup> sh: array<u32, $WG>;
$helpers

const PASS: u32 = ${PASS}u;
const PER: u32 = ${PER}u;

fn is_nonzero(k: u32) -> bool { return $TEST; }

@compute @workgroup_size($WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
    let g = wid.y * nwg.x + wid.x;
    let n = info[0];
    let first = (g * ${WG}u + lid) * PER;      // no early return: barriers follow
    var c = 0u;
    for (var e = 0u; e < PER; e = e + 1u) {
        if (first + e < n && is_nonzero(info[3] + first + e)) { c = c + 1u; }
    }
    sh[lid] = c;
    workgroupBarrier();
    for (var off = 1u; off < ${WG}u; off = off * 2u) {   // Hillis-Steele inclusive scan
        var t = sh[lid];
        if (lid >= off) { t = t + sh[lid - off]; }
        workgroupBarrier();
        sh[lid] = t;
        workgroupBarrier();
    }
    if (PASS == 1u) {
        if (lid == ${WG}u - 1u && g * ${WG}u * PER < n) { blocks[g] = i32(sh[lid]); }
        return;
    }
    if (c == 0u) { return; }
    var pos = sh[lid] - c;
    if (g > 0u) { pos = pos + u32(blocks[g - 1u]); }
    let nd = info[1];
    let count = info[2];
    for (var e = 0u; e < PER; e = e + 1u) {
        let i = first + e;
        if (i < n && is_nonzero(info[3] + i)) {
            var rem = i;
            for (var d = nd; d > 0u; d = d - 1u) {
                let size = info[3u + d];
                out[(d - 1u) * count + pos] = i32(rem % size);
                rem = rem / size;
            }
            pos = pos + 1u;
        }
    }
}
