// Reduction family, serial variant: one invocation per output element folds its
// whole (short) reduced extent in order.  Many outputs with few elements each
// (a conv's weight gradient summed over a batch of 64) would otherwise start a
// 256-wide workgroup per output.  Same info layout and helpers as reduce.wgsl:
// info = [n_out, m, n_chunks, chunk, total_m, nk, nr, offset,
//         kept_shape[nk], kept_stride[nk], red_shape[nr], red_stride[nr]]
$enable
@group(0) @binding(0) var<storage, read> a: array<$TA>;
@group(0) @binding(1) var<storage, read_write> out: array<$TO>;
@group(0) @binding(2) var<storage, read> info: array<u32>;
$helpers

fn combine(x: $ACC, y: $ACC) -> $ACC { return $COMBINE; }

$INDEX

@compute @workgroup_size($WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
    let o = (wid.y * nwg.x + wid.x) * ${WG}u + lid;
    if (o >= info[0]) { return; }
    let p0 = base(o);
    var acc: $ACC = $IDENT;
    for (var r = 0u; r < info[1]; r = r + 1u) {
        let raw = a[p0 + roff(r)];
        acc = combine(acc, $LOAD);
    }
    let v = acc;
    out[o] = $FINAL;
}
