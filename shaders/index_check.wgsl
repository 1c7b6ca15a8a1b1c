// Bounds check of an index array (any strided view): flag[slot] becomes the
// smallest linear position i whose value lies outside [lo, hi); the host reads
// every array's flag with one read and names the first bad value.
// info = [n, nd, offset, lo (i32 bits), hi (i32 bits), slot, shape[nd], strides[nd]]
@group(0) @binding(0) var<storage, read> idx: array<i32>;
@group(0) @binding(1) var<storage, read_write> flag: array<atomic<u32>>;
@group(0) @binding(2) var<storage, read> info: array<u32>;

@compute @workgroup_size($WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
    let i = (wid.y * nwg.x + wid.x) * ${WG}u + lid;
    if (i >= info[0]) { return; }
    let nd = info[1];
    var rem = i;
    var p = info[2];
    for (var d = nd; d > 0u; d = d - 1u) {
        let size = info[5u + d];
        p = p + (rem % size) * info[5u + nd + d];
        rem = rem / size;
    }
    let x = idx[p];
    if (x < bitcast<i32>(info[3]) || x >= bitcast<i32>(info[4])) {
        atomicMin(&flag[info[5]], i);
    }
}
