#!/usr/bin/env python3
"""Set up and run Kết nạp with nothing but Python 3.11.

    python3 manage.py serve   # virtualenv, dependencies, translations, database, demo; serves :5000
    python3 manage.py test    # virtualenv, dependencies, translations; runs the whole test suite

    python3 manage.py i18n    # after changing user-facing strings: update the catalogues, list the gaps

Extra arguments after `test` go to pytest (e.g. `python3 manage.py test -k rules`)."""
import hashlib
import os
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


def ensure_environment(extras):
    """Create .venv and install the project (again only when pyproject.toml changed)."""
    if sys.version_info < (3, 11):
        sys.exit("Kết nạp needs Python 3.11 or newer.")
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


def serve(args):
    ensure_environment("")
    if flask("init-db").returncode:
        sys.exit(1)
    # Loads the demo into an empty database; on one that has data it says so and we go on.
    flask("demo")
    host, port = "127.0.0.1", "5000"
    print(f"\nKết nạp is at http://{host}:{port}/  (demo accounts in README.md, password: demo)\n", flush=True)
    os.execv(PYTHON, [PYTHON, "-m", "flask", "--app", "wsgi", "run", "--host", host, "--port", port, *args])


def test(args):
    ensure_environment("test")
    result = run(PYTHON, "-m", "pytest", *args)
    sys.exit(result.returncode)


def i18n(args):
    """Re-extract the strings, merge them into the catalogues and list what lacks Vietnamese."""
    ensure_environment("test")
    check(PYTHON, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg", "-k", "_l", "-k",
          "lazy_gettext", "--no-location", "--sort-output", "-o", "messages.pot", ".")
    check(PYTHON, "-m", "babel.messages.frontend", "update", "--no-fuzzy-matching", "-i", "messages.pot",
          "-d", os.path.join("pipeline", "translations"))
    check(PYTHON, "-c", "from babel.messages.pofile import read_po; "
          "cat = read_po(open('pipeline/translations/vi/LC_MESSAGES/messages.po', 'rb'), locale='vi'); "
          "todo = [m.id for m in cat if m.id and (not m.string or m.fuzzy)]; "
          "print(len(todo), 'strings without Vietnamese'); [print('  ', t) for t in todo]")


def main():
    commands = {"serve": serve, "test": test, "i18n": i18n}
    if len(sys.argv) < 2 or sys.argv[1] not in commands:
        sys.exit(__doc__)
    commands[sys.argv[1]](sys.argv[2:])


if __name__ == "__main__":
    main()
