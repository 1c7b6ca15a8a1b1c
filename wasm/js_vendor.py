"""Third-party JavaScript that bundle pages load: TensorFlow.js and its WebGPU
backend, the peer that web/bench.html measures rustorch against.

The files come from the npm packages pinned in wasm/package.json (``npm ci`` in
wasm/) and are copied into ``<bundle>/vendor/tfjs/`` at build time; nothing of
them is kept in the repository.  Where node_modules lacks them the copy is
skipped without an error, and bench.html says that TF.js is unavailable.
"""
import json
import os
import shutil

HERE = os.path.dirname(os.path.abspath(__file__))
NODE_MODULES = os.path.join(HERE, "node_modules")
VENDOR_DIR = "vendor/tfjs"
# (npm package, its minified UMD build): tf.min.js defines the global `tf`, the
# backend's file registers "webgpu" on it
TFJS_FILES = (("@tensorflow/tfjs", "dist/tf.min.js"),
              ("@tensorflow/tfjs-backend-webgpu", "dist/tf-backend-webgpu.min.js"))
LICENSE_NAMES = ("LICENSE", "LICENSE.txt", "LICENSE.md", "NOTICE")
NOTICE = "THIRD_PARTY_NOTICES.txt"


def missing(node_modules=NODE_MODULES):
    """Why TF.js cannot be vendored (a sentence), or None."""
    for pkg, rel in TFJS_FILES:
        path = os.path.join(node_modules, pkg, rel)
        if not os.path.exists(path):
            return f"{path} is missing (run `npm ci` in wasm/, or `bash .ci/setup`)"
    return None


def _package(node_modules, pkg):
    with open(os.path.join(node_modules, pkg, "package.json"), encoding="utf-8") as fh:
        return json.load(fh)


def copy_vendor(bundle_dir, node_modules=NODE_MODULES):
    """Copy TF.js's page files (and their licences) into ``bundle_dir/vendor/tfjs``;
    returns the copied files' paths relative to ``bundle_dir`` ([] when skipped)."""
    if missing(node_modules):
        return []
    out = os.path.join(bundle_dir, *VENDOR_DIR.split("/"))
    os.makedirs(out, exist_ok=True)
    copied, notice = [], []
    for pkg, rel in TFJS_FILES:
        src = os.path.join(node_modules, pkg)
        name = os.path.basename(rel)
        shutil.copy2(os.path.join(src, rel), os.path.join(out, name))
        copied.append(f"{VENDOR_DIR}/{name}")
        meta = _package(node_modules, pkg)
        # the npm tarballs carry the licence as each file's `@license` header; a
        # LICENSE file is copied too where a release ships one
        notice.append(f"{name}: {meta['name']} {meta['version']}, licence {meta.get('license', '?')} "
                      "(see the @license header at the top of the file)")
        for lic in LICENSE_NAMES:
            if os.path.isfile(os.path.join(src, lic)):
                target = f"{pkg.split('/')[-1]}-{lic}"
                shutil.copy2(os.path.join(src, lic), os.path.join(out, target))
                copied.append(f"{VENDOR_DIR}/{target}")
    with open(os.path.join(out, NOTICE), "w", encoding="utf-8") as fh:
        fh.write("Third-party files in this folder, copied from their npm packages:\n\n")
        fh.write("\n".join(notice) + "\n")
    copied.append(f"{VENDOR_DIR}/{NOTICE}")
    return copied
