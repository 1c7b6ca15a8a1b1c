// Inserted where the elementwise and strided-copy templates say EACH_ELEMENT:
// opens a loop over the elements i this invocation handles (the template closes
// it).  Each invocation takes EPT elements a grid apart: fewer invocations,
// which CPU-emulated adapters (SwiftShader, lavapipe) pay for, and reads that
// stay coalesced on a GPU.  Needs wid, nwg, lid and info[0] = n.
    let g = (wid.y * nwg.x + wid.x) * ${WG}u + lid;   // 2-D tiled grid -> linear index
    let threads = nwg.x * nwg.y * ${WG}u;
    for (var k = 0u; k < ${EPT}u; k = k + 1u) {
        let i = g + k * threads;
        if (i >= info[0]) { return; }
