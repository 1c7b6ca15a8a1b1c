// Sort family, selection from sorted lines (median, nanmedian, mode): one
// invocation per line of the contiguous [lines, n] sorted values and indices
// (sort.wgsl's output with the sorted dim last).  $$PICK sets `sel` (median:
// the lower middle, or the first NaN; nanmedian: the middle of the numbers;
// mode: the longest run of equal keys) and `at` (its index position: mode
// reports the run's last occurrence); the value at `sel` and the index at
// `at` are stored.
// info = [lines, n]
$enable
@group(0) @binding(0) var<storage, read> sv: array<$TA>;
@group(0) @binding(1) var<storage, read> si: array<i32>;
@group(0) @binding(2) var<storage, read_write> oval: array<$TA>;
@group(0) @binding(3) var<storage, read_write> oidx: array<i32>;
@group(0) @binding(4) var<storage, read> info: array<u32>;
$helpers

// the first position of [b, b + n) whose key is the NaN key (n if none)
fn first_nan(b: u32, n: u32) -> u32 {
    var lo = 0u;
    var hi = n;
    while (lo < hi) {
        let mid = (lo + hi) / 2u;
        if (key_of(sv[b + mid]) < 0xffffffffu) { lo = mid + 1u; } else { hi = mid; }
    }
    return lo;
}

@compute @workgroup_size($WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
    let l = (wid.y * nwg.x + wid.x) * ${WG}u + lid;
    if (l >= info[0]) { return; }
    let n = info[1];
    let b = l * n;
    var sel = 0u;
    var at = 0u;
    $PICK
    oval[l] = sv[b + sel];
    oidx[l] = si[b + at];
}
