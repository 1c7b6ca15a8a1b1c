// Fast f32 matmul for contiguous (or transposed-contiguous) operands:
// out[b] (M x N, row-major) = A[b] @ B[b].  A 16x16 workgroup computes a
// 128x128 tile; each invocation keeps an 8x8 block of accumulators in 16 vec4
// registers (rows ty*4+i and 64+ty*4+i, column quads tx and 16+tx), K walked in
// slices of BK through workgroup memory stored k-major as vec4, so the inner
// loop reads 4 vec4 and issues 64 FMAs.  Operands are bound as vec4 arrays:
// the host routes here only when offsets, batch strides, K and N (and M for a
// transposed A) are multiples of 4; everything else takes matmul.wgsl.
// A template: the LOAD_A / LOAD_B fields load one slice for "A row-major (M x K)"
// or "A stored transposed (K x M)" (likewise B), filled by matmul_ops.py.
// info = [M, N, K, batch, tiles_n, tiles_m, off_a4, off_b4, bstride_a4, bstride_b4].
@group(0) @binding(0) var<storage, read> a: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read> b: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> out: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> info: array<u32>;

const BM: u32 = 128u;
const BN: u32 = 128u;
const BK: u32 = ${BK}u;       // 8 or 16 (16 fills the portable 16 KiB of workgroup memory)
const KQ: u32 = ${BK}u / 4u;  // k-quads per slice

var<workgroup> As: array<vec4<f32>, ${TILE}>;   // [k][m/4]: BK x BM/4
var<workgroup> Bs: array<vec4<f32>, ${TILE}>;   // [k][n/4]: BK x BN/4

@compute @workgroup_size(16, 16)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_id) lid3: vec3<u32>,
        @builtin(local_invocation_index) t: u32) {
    let g = wid.y * nwg.x + wid.x;
    let M = info[0];
    let N = info[1];
    let K = info[2];
    let tiles = info[4] * info[5];
    if (g >= tiles * info[3]) { return; }
    let bi = g / tiles;
    let tt = g % tiles;
    let row0 = (tt / info[4]) * BM;
    let col0 = (tt % info[4]) * BN;
    let oa = info[6] + bi * info[8];      // in vec4 units
    let ob = info[7] + bi * info[9];
    let tx = lid3.x;
    let ty = lid3.y;

    var c00 = vec4<f32>(0.0); var c01 = vec4<f32>(0.0); var c02 = vec4<f32>(0.0); var c03 = vec4<f32>(0.0);
    var c04 = vec4<f32>(0.0); var c05 = vec4<f32>(0.0); var c06 = vec4<f32>(0.0); var c07 = vec4<f32>(0.0);
    var c10 = vec4<f32>(0.0); var c11 = vec4<f32>(0.0); var c12 = vec4<f32>(0.0); var c13 = vec4<f32>(0.0);
    var c14 = vec4<f32>(0.0); var c15 = vec4<f32>(0.0); var c16 = vec4<f32>(0.0); var c17 = vec4<f32>(0.0);

    for (var k0 = 0u; k0 < K; k0 = k0 + BK) {
        for (var it = 0u; it < KQ / 2u; it = it + 1u) {
            let e = t + it * 256u;   // this invocation's load slot
            ${LOAD_A}
            ${LOAD_B}
        }
        workgroupBarrier();
        for (var k = 0u; k < BK; k = k + 1u) {
            let a0 = As[k * 32u + ty];
            let a1 = As[k * 32u + 16u + ty];
            let b0 = Bs[k * 32u + tx];
            let b1 = Bs[k * 32u + 16u + tx];
            c00 = fma(vec4<f32>(a0.x), b0, c00); c10 = fma(vec4<f32>(a0.x), b1, c10);
            c01 = fma(vec4<f32>(a0.y), b0, c01); c11 = fma(vec4<f32>(a0.y), b1, c11);
            c02 = fma(vec4<f32>(a0.z), b0, c02); c12 = fma(vec4<f32>(a0.z), b1, c12);
            c03 = fma(vec4<f32>(a0.w), b0, c03); c13 = fma(vec4<f32>(a0.w), b1, c13);
            c04 = fma(vec4<f32>(a1.x), b0, c04); c14 = fma(vec4<f32>(a1.x), b1, c14);
            c05 = fma(vec4<f32>(a1.y), b0, c05); c15 = fma(vec4<f32>(a1.y), b1, c15);
            c06 = fma(vec4<f32>(a1.z), b0, c06); c16 = fma(vec4<f32>(a1.z), b1, c16);
            c07 = fma(vec4<f32>(a1.w), b0, c07); c17 = fma(vec4<f32>(a1.w), b1, c17);
        }
        workgroupBarrier();
    }

    let nq = N / 4u;
    let ob_out = bi * M * nq;
    let q0 = col0 / 4u + tx;
    let q1 = q0 + 16u;
    let r0 = row0 + ty * 4u;
    let r1 = r0 + 64u;
    store(ob_out, r0, q0, q1, M, nq, c00, c10);
    store(ob_out, r0 + 1u, q0, q1, M, nq, c01, c11);
    store(ob_out, r0 + 2u, q0, q1, M, nq, c02, c12);
    store(ob_out, r0 + 3u, q0, q1, M, nq, c03, c13);
    store(ob_out, r1, q0, q1, M, nq, c04, c14);
    store(ob_out, r1 + 1u, q0, q1, M, nq, c05, c15);
    store(ob_out, r1 + 2u, q0, q1, M, nq, c06, c16);
    store(ob_out, r1 + 3u, q0, q1, M, nq, c07, c17);
}

fn store(base: u32, r: u32, q0: u32, q1: u32, M: u32, nq: u32, v0: vec4<f32>, v1: vec4<f32>) {
    if (r >= M) { return; }
    if (q0 < nq) { out[base + r * nq + q0] = v0; }
    if (q1 < nq) { out[base + r * nq + q1] = v1; }
}
