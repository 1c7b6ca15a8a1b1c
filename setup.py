"""The wheel carries the WGSL kernels: ``shaders/`` (the one source, at the top
of the tree) is copied into the built package as ``rustorch/shaders/``, where
``rustorch/backends/webgpu/kernels.py`` looks first.  Everything else about the
package is in pyproject.toml."""
import glob
import os
import shutil

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = os.path.dirname(os.path.abspath(__file__))


class BuildPyWithShaders(build_py):
    def run(self):
        super().run()
        dst = os.path.join(self.build_lib, "rustorch", "shaders")
        os.makedirs(dst, exist_ok=True)
        for f in glob.glob(os.path.join(HERE, "shaders", "*.wgsl")):
            shutil.copy(f, dst)


setup(cmdclass={"build_py": BuildPyWithShaders})
