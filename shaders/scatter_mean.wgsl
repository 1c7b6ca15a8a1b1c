// scatter_reduce 'mean', last pass: each target that received k values holds
// their sum (plus itself with include_self); divide by k (+1).  Integer means
// round down (floor), like torch.  out is contiguous; cnt from scatter.wgsl.
// info = [n, include_self]
$enable
@group(0) @binding(0) var<storage, read_write> out: array<$TO>;
@group(0) @binding(1) var<storage, read> cnt: array<u32>;
@group(0) @binding(2) var<storage, read> info: array<u32>;

@compute @workgroup_size($WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
    let i = (wid.y * nwg.x + wid.x) * ${WG}u + lid;
    if (i >= info[0] || cnt[i] == 0u) { return; }
    let k = cnt[i] + info[1];
    let x = $LOAD;
    out[i] = $STORE;
}
