// Sort family, global part: one compare-exchange step (k, j) of the bitonic
// network over the padded [lines, P] scratch keys and indices, for the steps
// of long lines whose distance j is >= 2048 (shorter steps run in shared
// memory, sort.wgsl).  One invocation per pair; stages never cross a line,
// since k <= P.  j == k / 2 is the "flip" step (the halves mirrored).
// info = [pairs, k, j]
@group(0) @binding(0) var<storage, read_write> keys: array<u32>;
@group(0) @binding(1) var<storage, read_write> idx: array<u32>;
@group(0) @binding(2) var<storage, read> info: array<u32>;

@compute @workgroup_size($WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
    let t = (wid.y * nwg.x + wid.x) * ${WG}u + lid;
    if (t >= info[0]) { return; }
    let k = info[1];
    let j = info[2];
    let c = (t / j) * 2u * j;
    let w = t % j;
    let lo = c + w;
    let hi = select(c + w + j, c + k - 1u - w, j == k / 2u);
    let ka = keys[lo];
    let kb = keys[hi];
    let ia = idx[lo];
    let ib = idx[hi];
    if (kb < ka || (kb == ka && ib < ia)) {
        keys[lo] = kb;
        keys[hi] = ka;
        idx[lo] = ib;
        idx[hi] = ia;
    }
}
