// Tiled batched matmul family: out[b] = A[b] @ B[b] for f32, with strided /
// transposed / batch-broadcast inputs read through strides (no copies).
// A 16x16 workgroup computes a (16*RM) x (16*RN) output tile; each invocation
// keeps RM x RN accumulators in registers (rows ly + 16*i, cols lx + 16*j, so
// neighbouring invocations touch neighbouring shared-memory words).  K is walked
// in slices of TK through workgroup memory; out-of-range rows/cols/ks load 0,
// so any M, N, K (K = 0 included: the accumulators stay 0) is correct.
// A template: rustorch/backends/webgpu/linalg_ops.py fills RM, RN, TK and sizes.
// info = [M, N, K, batch, tiles_n, tiles_m, off_a, off_b, sa_m, sa_k, sb_k, sb_n,
//         nbd, bshape[nbd], bstride_a[nbd], bstride_b[nbd]].
@group(0) @binding(0) var<storage, read> a: array<f32>;
@group(0) @binding(1) var<storage, read> b: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
@group(0) @binding(3) var<storage, read> info: array<u32>;

const RM: u32 = ${RM}u;
const RN: u32 = ${RN}u;
const TK: u32 = ${TK}u;
const BM: u32 = ${BM}u;   // 16 * RM
const BN: u32 = ${BN}u;   // 16 * RN

var<workgroup> tile_a: array<f32, ${SA}>;   // BM x TK, row-major
var<workgroup> tile_b: array<f32, ${SB}>;   // TK x BN, row-major

@compute @workgroup_size(16, 16)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_id) lid3: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
    let g = wid.y * nwg.x + wid.x;            // 2-D tiled grid -> linear workgroup id
    let M = info[0];
    let N = info[1];
    let K = info[2];
    let tiles = info[4] * info[5];
    if (g >= tiles * info[3]) { return; }     // padding groups of the tiled grid
    let bi = g / tiles;
    let t = g % tiles;
    let row0 = (t / info[4]) * BM;
    let col0 = (t % info[4]) * BN;
    let sam = info[8];
    let sak = info[9];
    let sbk = info[10];
    let sbn = info[11];

    // batch index -> element offsets of this batch's A and B (stride 0 = broadcast)
    let nbd = info[12];
    var oa = info[6];
    var ob = info[7];
    var rem = bi;
    for (var d = nbd; d > 0u; d = d - 1u) {
        let size = info[12u + d];
        let c = rem % size;
        rem = rem / size;
        oa = oa + c * info[12u + nbd + d];
        ob = ob + c * info[12u + 2u * nbd + d];
    }

    var acc: array<f32, ${RMN}>;
    for (var q = 0u; q < RM * RN; q = q + 1u) { acc[q] = 0.0; }

    for (var k0 = 0u; k0 < K; k0 = k0 + TK) {
        for (var e = lid; e < BM * TK; e = e + 256u) {
            let r = row0 + e / TK;
            let k = k0 + e % TK;
            var v = 0.0;
            if (r < M && k < K) { v = a[oa + r * sam + k * sak]; }
            tile_a[e] = v;
        }
        for (var e = lid; e < TK * BN; e = e + 256u) {
            let k = k0 + e / BN;
            let c = col0 + e % BN;
            var v = 0.0;
            if (k < K && c < N) { v = b[ob + k * sbk + c * sbn]; }
            tile_b[e] = v;
        }
        workgroupBarrier();
        for (var kk = 0u; kk < TK; kk = kk + 1u) {
            var av: array<f32, ${RM}>;
            var bv: array<f32, ${RN}>;
            for (var i = 0u; i < RM; i = i + 1u) { av[i] = tile_a[(lid3.y + 16u * i) * TK + kk]; }
            for (var j = 0u; j < RN; j = j + 1u) { bv[j] = tile_b[kk * BN + lid3.x + 16u * j]; }
            for (var i = 0u; i < RM; i = i + 1u) {
                for (var j = 0u; j < RN; j = j + 1u) {
                    acc[i * RN + j] = fma(av[i], bv[j], acc[i * RN + j]);
                }
            }
        }
        workgroupBarrier();   // the next slice overwrites the tiles
    }

    let obase = bi * M * N;
    for (var i = 0u; i < RM; i = i + 1u) {
        let r = row0 + lid3.y + 16u * i;
        for (var j = 0u; j < RN; j = j + 1u) {
            let c = col0 + lid3.x + 16u * j;
            if (r < M && c < N) { out[obase + r * N + c] = acc[i * RN + j]; }
        }
    }
}
