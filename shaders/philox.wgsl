// Philox4x32-10 (Random123's definition, as rustorch/random_philox.py): one
// invocation per 4-word block.  Block b of the stream has the 64-bit counter
// start + b (carried over two u32 words), counter words 2-3 zero, and the
// key (seed_lo, seed_hi).  WGSL has no 64-bit integers: the 32x32 -> 64-bit
// products are built from 16-bit halves.
// info = [n_words, start_lo, start_hi, key0, key1].
@group(0) @binding(0) var<storage, read_write> out: array<u32>;
@group(0) @binding(1) var<storage, read> info: array<u32>;

// (hi, lo) words of a * b
fn mulhilo(a: u32, b: u32) -> vec2<u32> {
    let al = a & 0xffffu;
    let ah = a >> 16u;
    let bl = b & 0xffffu;
    let bh = b >> 16u;
    let ll = al * bl;
    let lh = al * bh;
    let hl = ah * bl;
    let mid = (ll >> 16u) + (lh & 0xffffu) + (hl & 0xffffu);
    let hi = ah * bh + (lh >> 16u) + (hl >> 16u) + (mid >> 16u);
    return vec2<u32>(hi, a * b);
}

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
    let blk = (wid.y * nwg.x + wid.x) * 256u + lid;   // 2-D tiled grid -> block
    let n = info[0];
    if (blk >= (n + 3u) / 4u) { return; }
    let lo = info[1] + blk;
    let carry = select(0u, 1u, lo < blk);              // 64-bit counter: carry into hi
    var c0 = lo;
    var c1 = info[2] + carry;
    var c2 = 0u;
    var c3 = 0u;
    var k0 = info[3];
    var k1 = info[4];
    for (var r = 0u; r < 10u; r = r + 1u) {
        let p0 = mulhilo(c0, 0xD2511F53u);
        let p1 = mulhilo(c2, 0xCD9E8D57u);
        c0 = p1.x ^ c1 ^ k0;
        c2 = p0.x ^ c3 ^ k1;
        c1 = p1.y;
        c3 = p0.y;
        k0 = k0 + 0x9E3779B9u;
        k1 = k1 + 0xBB67AE85u;
    }
    let i = blk * 4u;
    out[i] = c0;
    if (i + 1u < n) { out[i + 1u] = c1; }
    if (i + 2u < n) { out[i + 2u] = c2; }
    if (i + 3u < n) { out[i + 3u] = c3; }
}
