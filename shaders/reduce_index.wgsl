// Shared by reduce.wgsl and reduce_arg.wgsl (inserted as $$INDEX): where output o
// and its reduced elements sit in the strided input, from the info layout
// [n_out, m, n_chunks, chunk, total_m, nk, nr, offset, kept_shape[nk],
//  kept_stride[nk], red_shape[nr], red_stride[nr]].
// element offset of the first reduced element of output o
fn base(o: u32) -> u32 {
    let nk = info[5];
    var p = info[7];
    var rem = o;
    for (var d = nk; d > 0u; d = d - 1u) {
        let size = info[7u + d];
        p = p + (rem % size) * info[7u + nk + d];
        rem = rem / size;
    }
    return p;
}

// offset of reduced element r (C order over the reduced dims) from base(o)
fn roff(r: u32) -> u32 {
    let nk = info[5];
    let nr = info[6];
    let rb = 7u + 2u * nk;
    var p = 0u;
    var rem = r;
    for (var d = nr; d > 0u; d = d - 1u) {
        let size = info[rb + d];
        p = p + (rem % size) * info[rb + nr + d];
        rem = rem / size;
    }
    return p;
}
