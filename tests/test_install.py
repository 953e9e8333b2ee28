"""Installed the way a Python user would — `pip install` (non-editable) of a fresh copy of the
sources (no compiled catalogues in it, as in a clone) into a fresh virtual environment, or a wheel
built from it — Kết nạp speaks Vietnamese and renders its pages: the build compiles the catalogues
into the package and carries the templates (setup.py).

Needs the package index (pip's own, with its cache): marked `install`, runs in CI like the rest
(`-m 'not install'` leaves it out). One environment for the session; it does not touch .venv."""
import os
import shutil
import subprocess
import textwrap
import venv
import zipfile

import pytest

pytestmark = pytest.mark.install

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CATALOGUES = ["pipeline/translations/en/LC_MESSAGES/messages.mo", "pipeline/translations/vi/LC_MESSAGES/messages.mo"]
# What a fresh clone does not have: environments, build products, local data.
NOT_IN_A_CLONE = shutil.ignore_patterns(".git", ".venv", "instance", "artifacts", "build", "dist", "*.egg-info",
                                        "__pycache__", "*.py[co]", "*.mo", "node_modules", ".pytest_cache")


def run(*args, **kwargs):
    # Nothing of this checkout on the path: the installed package alone is imported.
    env = {name: value for name, value in os.environ.items() if name not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env.update(kwargs.pop("env", {}))
    result = subprocess.run(args, capture_output=True, text=True, env=env, **kwargs)
    assert result.returncode == 0, f"{' '.join(map(str, args))}\n{result.stdout}\n{result.stderr}"
    return result.stdout


@pytest.fixture(scope="session")
def installed(tmp_path_factory):
    """`pip install` of a clean copy of the sources into a fresh environment: (its python, the
    copy, the compiled catalogues the install put in the package, the folder of it all)."""
    work = tmp_path_factory.mktemp("install")
    source = work / "source"
    shutil.copytree(ROOT, source, ignore=NOT_IN_A_CLONE)
    # Under CI=true the suite asks pip never to prompt; the same here.
    pip_env = {"PIP_NO_INPUT": "1", "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    venv.create(work / "venv", with_pip=True)
    python = str(work / "venv" / ("Scripts" if os.name == "nt" else "bin") / "python")
    run(python, "-m", "pip", "install", "--quiet", str(source), env=pip_env, cwd=work)
    # Read before any application starts (it would compile a missing catalogue itself).
    package = run(python, "-c", "import os, pipeline; print(os.path.dirname(pipeline.__file__))", cwd=work).strip()
    assert package.startswith(str(work / "venv")), package
    present = [name for name in CATALOGUES
               if os.path.isfile(os.path.join(os.path.dirname(package), *name.split("/")))]
    return python, source, present, work


def test_the_installed_package_and_a_wheel_carry_the_compiled_catalogues_and_the_templates(installed):
    python, source, present, work = installed
    assert present == CATALOGUES  # installed as built, before any start-up could compile them
    run(python, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir", str(work / "dist"), str(source),
        env={"PIP_NO_INPUT": "1", "PIP_DISABLE_PIP_VERSION_CHECK": "1"}, cwd=work)
    [wheel] = (work / "dist").glob("ket_nap-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert set(CATALOGUES) <= set(names)
    assert "pipeline/templates/base.html" in names and "pipeline/templates/accounts/login.html" in names


def test_the_installed_application_speaks_vietnamese(installed):
    """`flask init-db` on a SQLite database, then the login page through the application the
    installed package makes, as `flask run` would serve it."""
    python, source, present, work = installed
    env = {"DATABASE_URL": f"sqlite:///{work / 'ketnap.sqlite'}", "SECRET_KEY": "install test",
           "KETNAP_INSTANCE_PATH": str(work / "instance")}
    run(python, "-m", "flask", "--app", "pipeline.app:create_app", "init-db", env=env, cwd=work)
    page = run(python, "-c", textwrap.dedent("""
        from pipeline.app import create_app
        response = create_app().test_client().get("/login")
        assert response.status_code == 200, response.status_code
        print(response.get_data(as_text=True))
    """), env=env, cwd=work)
    assert "Đăng nhập" in page
    assert "Log in" not in page
