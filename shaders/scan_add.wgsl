// Blocked scan, pass 2 of 2: element k of a line combines its block's scan with
// the inclusive scan of the previous blocks' totals (see scan_block.wgsl).
// info = [n_lines, n, n_blocks]; prefix: [n_lines, n_blocks]; out: [n_lines, n]
@group(0) @binding(0) var<storage, read> prefix: array<$ACC>;
@group(0) @binding(1) var<storage, read_write> out: array<$ACC>;
@group(0) @binding(2) var<storage, read> info: array<u32>;

fn combine(x: $ACC, y: $ACC) -> $ACC { return $COMBINE; }

@compute @workgroup_size($WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
    let i = (wid.y * nwg.x + wid.x) * ${WG}u + lid;
    let n = info[1];
    if (i >= info[0] * n) { return; }
    let b = (i % n) / ${WG}u;
    if (b == 0u) { return; }
    out[i] = combine(prefix[(i / n) * info[2] + b - 1u], out[i]);
}
