// Sort family, unique values of a sorted flat array (unique_values / _counts /
// _inverse / _all): one invocation per sorted element.  Two passes, filled
// from rustorch/backends/webgpu/sort_ops.py ($$BINDINGS, $$BODY):
//   mark:    flags[p] = 1 where a new value starts (keys differ from the
//            previous element's; every NaN starts its own, NaN != NaN);
//   scatter: with gid = the inclusive running sum of the flags, each group's
//            first element stores the value, its input index (the first
//            occurrence: the sort is stable) and its start; every element
//            stores its group into the inverse at its input index.
// info = [n]
$enable
$BINDINGS
$helpers

@compute @workgroup_size($WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
    let p = (wid.y * nwg.x + wid.x) * ${WG}u + lid;
    if (p >= info[0]) { return; }
    $BODY
}
