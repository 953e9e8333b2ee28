"""The build step pyproject.toml cannot say: compile the message catalogues.

The compiled catalogues (pipeline/translations/*/LC_MESSAGES/messages.mo) are build products and
not in git; without them the interface is English. Every build (`pip install .`, a wheel, an
editable install) compiles each messages.po into the package with Babel (a build requirement), so
however Kết nạp is installed it speaks Vietnamese. A built package also carries the templates
(MANIFEST.in puts them in the sdist). Everything else is in pyproject.toml."""
import importlib.util
import os
import shutil

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = os.path.dirname(os.path.abspath(__file__))
CATALOGUES = os.path.join("pipeline", "translations")


def catalogues_module():
    """pipeline/base/catalogues.py, loaded by its path: importing the package would need its
    dependencies, which a build does not install."""
    spec = importlib.util.spec_from_file_location(
        "ketnap_build_catalogues", os.path.join(HERE, "pipeline", "base", "catalogues.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class build_py_with_catalogues(build_py):
    def run(self):
        super().run()
        # An editable install serves the package from the source tree: compile there.
        target = os.path.join(HERE if self.editable_mode else self.build_lib, CATALOGUES)
        catalogues_module().compile_all(os.path.join(HERE, CATALOGUES), target)
        if not self.editable_mode:
            # The templates live beside the package in the source tree (templates/); an installed
            # package carries them inside it, where pipeline/app.py looks first.
            shutil.copytree(os.path.join(HERE, "templates"), os.path.join(self.build_lib, "pipeline", "templates"),
                            dirs_exist_ok=True)


setup(cmdclass={"build_py": build_py_with_catalogues})
