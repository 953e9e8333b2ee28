#!/usr/bin/env python3
"""Set up and run Kết nạp with nothing but Python 3.11.

    python3 manage.py serve   # virtualenv, dependencies, translations, database, demo; serves :5000
    python3 manage.py test    # virtualenv, dependencies, translations; runs the whole test suite

    python3 manage.py i18n    # after changing user-facing strings: update the catalogues, list the gaps

Extra arguments after `test` go to pytest (e.g. `python3 manage.py test -k rules`)."""
import ctypes.util
import hashlib
import os
import shutil
import subprocess
import sys
import venv

ROOT = os.path.dirname(os.path.abspath(__file__))
VENV = os.path.join(ROOT, ".venv")
BIN = os.path.join(VENV, "Scripts" if os.name == "nt" else "bin")
PYTHON = os.path.join(BIN, "python")
STAMP = os.path.join(VENV, ".ketnap-installed")


def run(*args, **kwargs):
    print("+", " ".join(args), flush=True)
    return subprocess.run(args, cwd=ROOT, **kwargs)


def check(*args):
    result = run(*args)
    if result.returncode:
        sys.exit(result.returncode)


# What WeasyPrint needs to make the PDF printouts: Pango, and the fonts the print stylesheet names
# (fonts-liberation2: "Liberation Serif" with Vietnamese; fonts-dejavu-core: the ☐/☑ boxes).
SYSTEM_PACKAGES = ("libpango-1.0-0", "libpangoft2-1.0-0", "fonts-dejavu-core", "fonts-liberation2")
SYSTEM_LIBRARIES = ("pango-1.0", "pangoft2-1.0")


def missing_system_packages():
    """The Debian packages of SYSTEM_PACKAGES not installed; without dpkg, the packages whose
    libraries the loader cannot find (fonts are then not checked)."""
    if shutil.which("dpkg"):
        return [pkg for pkg in SYSTEM_PACKAGES
                if subprocess.run(["dpkg", "-s", pkg], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode]
    return [pkg for pkg, lib in zip(SYSTEM_PACKAGES, SYSTEM_LIBRARIES) if ctypes.util.find_library(lib) is None]


def ensure_system_libraries():
    """Install the PDF libraries when missing and we can (root with apt-get); otherwise say what
    is missing. Everything but the PDF printouts works without them."""
    missing = missing_system_packages()
    if not missing:
        return
    if shutil.which("apt-get") and hasattr(os, "geteuid") and os.geteuid() == 0:
        print("Installing the libraries the PDF printouts need: " + " ".join(missing), flush=True)
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        if (run("apt-get", "update", "-qq", env=env).returncode == 0 and
                run("apt-get", "install", "-y", "-qq", "--no-install-recommends", *missing, env=env).returncode == 0):
            return
    print("NOTICE: the PDF printouts need these system packages, which are missing: " + " ".join(missing) +
          "\n        (Debian/Ubuntu: sudo apt-get install " + " ".join(missing) + ")."
          "\n        Without them PDFs are refused and their tests are skipped; the rest works.", flush=True)


def ensure_environment(extras):
    """Create .venv and install the project (again only when pyproject.toml changed)."""
    if sys.version_info < (3, 11):
        sys.exit("Kết nạp needs Python 3.11 or newer.")
    ensure_system_libraries()
    if not os.path.exists(PYTHON):
        print(f"Creating the virtual environment in {VENV}", flush=True)
        venv.create(VENV, with_pip=True)
    with open(os.path.join(ROOT, "pyproject.toml"), "rb") as fh:
        wanted = hashlib.sha256(fh.read() + extras.encode()).hexdigest()
    installed = open(STAMP).read().strip() if os.path.exists(STAMP) else ""
    if installed != wanted:
        check(PYTHON, "-m", "pip", "install", "--quiet", "--upgrade", "pip")
        check(PYTHON, "-m", "pip", "install", "--quiet", "-e", f".[{extras}]" if extras else ".")
        with open(STAMP, "w") as fh:
            fh.write(wanted)
    # The compiled catalogues are build products, not sources: make them every time.
    check(PYTHON, "-m", "babel.messages.frontend", "compile", "--use-fuzzy",
          "-d", os.path.join(ROOT, "pipeline", "translations"))


def flask(*args):
    return run(PYTHON, "-m", "flask", "--app", "wsgi", *args)


# The demo's data stops on 31/10/2022: served as if that were today, its deadlines and stuck
# cases read as the story tells them. Set KETNAP_TODAY yourself to choose another day.
DEMO_TODAY = "2022-10-31"


def serve(args):
    os.environ.setdefault("KETNAP_TODAY", DEMO_TODAY)
    # The demo's admin and board accounts sign in with the published password alone (JSON, read
    # by app.config.from_prefixed_env); a real deployment keeps the setting's default.
    os.environ.setdefault("KETNAP_TWO_FACTOR_REQUIRED_ROLES", "[]")
    ensure_environment("")
    if flask("init-db").returncode:
        sys.exit(1)
    # Loads the demo into an empty database; on one that has data it says so and we go on.
    flask("demo")
    host, port = "127.0.0.1", "5000"
    print(f"\nKết nạp is at http://{host}:{port}/  (demo accounts in README.md, password: demo)\n", flush=True)
    os.execv(PYTHON, [PYTHON, "-m", "flask", "--app", "wsgi", "run", "--host", host, "--port", port, *args])


def parallel_args(args):
    """One pytest-xdist worker per core (each builds its own databases: tests/databases.py),
    unless the arguments choose otherwise (-n N, -n 0, -p no:xdist)."""
    chosen = any(arg in ("-n", "--numprocesses", "no:xdist") or arg.startswith(("-n", "--numprocesses="))
                 for arg in args)
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return [] if chosen else ["-n", str(max(1, min(cores, 8)))]


def test(args):
    ensure_environment("test")
    result = run(PYTHON, "-m", "pytest", *parallel_args(args), *args)
    sys.exit(result.returncode)


def i18n(args):
    """Re-extract the strings, merge them into the catalogues and list what lacks Vietnamese."""
    ensure_environment("test")
    check(PYTHON, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg", "-k", "_l", "-k",
          "lazy_gettext", "-k", "lazy_pgettext:1c,2", "--no-location", "--sort-output", "-o", "messages.pot", ".")
    check(PYTHON, "-m", "babel.messages.frontend", "update", "--no-fuzzy-matching", "-i", "messages.pot",
          "-d", os.path.join("pipeline", "translations"))
    check(PYTHON, "-c", "from babel.messages.pofile import read_po; "
          "cat = read_po(open('pipeline/translations/vi/LC_MESSAGES/messages.po', 'rb'), locale='vi'); "
          "todo = [m.id for m in cat if m.id and (not all(m.string if isinstance(m.string, tuple) else (m.string,)) or m.fuzzy)]; "
          "print(len(todo), 'strings without Vietnamese'); [print('  ', t) for t in todo]")


def main():
    commands = {"serve": serve, "test": test, "i18n": i18n}
    if len(sys.argv) < 2 or sys.argv[1] not in commands:
        sys.exit(__doc__)
    commands[sys.argv[1]](sys.argv[2:])


if __name__ == "__main__":
    main()
