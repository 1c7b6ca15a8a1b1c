// Sort family, running extremes of a few long lines (cummax, cummin), work
// parallel: reduce, then scan.  Keys ($$CKEY) as in cum_extreme.wgsl; the running
// pick is the lexicographic max of (key, index), so combining is associative and
// (0, 0) is its identity.  Blocks of WG elements; info[0] picks the pass:
//   0: each workgroup folds its block into (tk, ti)[line * nb + block];
//   1: one invocation per line turns those totals into exclusive prefixes;
//   2: each workgroup scans its block in shared memory (Hillis-Steele), folds
//      in its prefix and stores the values (copied from the input) and indices.
// info = [pass, lines, n, nb, inner, offset, dim_stride, nk, kept_shape[nk], kept_stride[nk]]
$enable
@group(0) @binding(0) var<storage, read> a: array<$TA>;
@group(0) @binding(1) var<storage, read_write> tk: array<u32>;
@group(0) @binding(2) var<storage, read_write> ti: array<u32>;
@group(0) @binding(3) var<storage, read_write> oval: array<$TA>;
@group(0) @binding(4) var<storage, read_write> oidx: array<i32>;
@group(0) @binding(5) var<storage, read> info: array<u32>;
$helpers
var<workgroup> wk: array<u32, $WG>;
var<workgroup> wi: array<u32, $WG>;

// whether (kb, ib) wins over (ka, ia)
fn beats(ka: u32, ia: u32, kb: u32, ib: u32) -> bool {
    return kb > ka || (kb == ka && ib > ia);
}

fn line_base(l: u32) -> u32 {
    let nk = info[7];
    var p = info[5];
    var rem = l;
    for (var d = nk; d > 0u; d = d - 1u) {
        let size = info[7u + d];
        p = p + (rem % size) * info[7u + nk + d];
        rem = rem / size;
    }
    return p;
}

@compute @workgroup_size($WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
    let g = wid.y * nwg.x + wid.x;
    let lines = info[1];
    let n = info[2];
    let nb = info[3];
    if (info[0] == 1u) {
        let l = g * ${WG}u + lid;
        var ck = 0u;
        var ci = 0u;
        for (var b = 0u; l < lines && b < nb; b = b + 1u) {
            let t = l * nb + b;
            let k = tk[t];
            let i = ti[t];
            tk[t] = ck;
            ti[t] = ci;
            if (beats(ck, ci, k, i)) { ck = k; ci = i; }
        }
        return;    // (no early return above: later passes have barriers)
    }
    if (g >= lines * nb) { return; }
    let l = g / nb;
    let p = (g % nb) * ${WG}u + lid;
    let base = line_base(l);
    var k = 0u;
    var i = 0u;
    if (p < n) {
        let raw = a[base + p * info[6]];
        k = $CKEY;
        i = p;
    }
    wk[lid] = k;
    wi[lid] = i;
    workgroupBarrier();
    if (info[0] == 0u) {
        for (var s = ${WG}u / 2u; s > 0u; s = s / 2u) {
            if (lid < s && beats(wk[lid], wi[lid], wk[lid + s], wi[lid + s])) {
                wk[lid] = wk[lid + s];
                wi[lid] = wi[lid + s];
            }
            workgroupBarrier();
        }
        if (lid == 0u) {
            tk[g] = wk[0];
            ti[g] = wi[0];
        }
        return;
    }
    for (var s = 1u; s < ${WG}u; s = s * 2u) {
        if (lid >= s && beats(k, i, wk[lid - s], wi[lid - s])) {
            k = wk[lid - s];
            i = wi[lid - s];
        }
        workgroupBarrier();
        wk[lid] = k;
        wi[lid] = i;
        workgroupBarrier();
    }
    if (beats(k, i, tk[g], ti[g])) {   // the prefix of the blocks before
        k = tk[g];
        i = ti[g];
    }
    if (p < n) {
        let inner = info[4];
        let o = (l / inner) * n * inner + l % inner + p * inner;
        oval[o] = a[base + i * info[6]];
        oidx[o] = i32(i);
    }
}
