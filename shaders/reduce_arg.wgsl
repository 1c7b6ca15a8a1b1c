// Arg-reduction family (argmax, argmin): like reduce.wgsl, but each partial is a
// (value, index) pair; ties keep the smaller index (torch's first occurrence) and
// NaN beats every number (torch returns the first NaN).  The first pass reads the
// input and takes indices from the reduced position; later passes read the
// partial values and indices of the previous pass.
// info = [n_out, m, n_chunks, chunk, total_m, nk, nr, offset,
//         kept_shape[nk], kept_stride[nk], red_shape[nr], red_stride[nr]]
$enable
@group(0) @binding(0) var<storage, read> a: array<$TA>;
$IDX_IN
@group(0) @binding($B_VAL) var<storage, read_write> oval: array<$ACC>;
@group(0) @binding($B_IDX) var<storage, read_write> oidx: array<i32>;
@group(0) @binding($B_INFO) var<storage, read> info: array<u32>;
$helpers
var<workgroup> sv: array<$ACC, $WG>;
var<workgroup> si: array<u32, $WG>;

// whether (vb, ib) should replace (va, ia)
fn better(va: $ACC, ia: u32, vb: $ACC, ib: u32) -> bool { $BETTER }

$INDEX

@compute @workgroup_size($WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
    let g = wid.y * nwg.x + wid.x;
    let n_chunks = info[2];
    let valid = g < info[0] * n_chunks;
    var bv: $ACC = $IDENT;
    var bi: u32 = 0xffffffffu;               // loses every tie against a real index
    if (valid) {
        let p0 = base(g / n_chunks);   // once per workgroup, not per element
        let start = (g % n_chunks) * info[3];
        let stop = min(info[1], start + info[3]);
        for (var r = start + lid; r < stop; r = r + ${WG}u) {
            let ia = p0 + roff(r);
            let raw = a[ia];
            let v = $LOAD;
            let j = $LOAD_IDX;
            if (better(bv, bi, v, j)) { bv = v; bi = j; }
        }
    }
    sv[lid] = bv;
    si[lid] = bi;
    workgroupBarrier();
    for (var s = ${WG}u / 2u; s > 0u; s = s / 2u) {
        if (lid < s && better(sv[lid], si[lid], sv[lid + s], si[lid + s])) {
            sv[lid] = sv[lid + s];
            si[lid] = si[lid + s];
        }
        workgroupBarrier();
    }
    if (valid && lid == 0u) {
        oval[g] = sv[0];
        oidx[g] = bitcast<i32>(si[0]);
    }
}
