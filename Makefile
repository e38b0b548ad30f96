# The course's commands. `make lab` and `make test` set everything up first when needed.
#
# PYTHON is the interpreter the environment is built with, VENV where it goes: one environment
# per interpreter, e.g. `make test PYTHON=python3.12 VENV=.venv-3.12`. An environment built by
# another Python is rebuilt, not reused (tools/environment.py keeps a stamp in it).
PYTHON ?= python3
VENV := .venv
# Python writes each module's bytecode as it first imports it, into the course's environment,
# also where the machine's settings say not to (PYTHONDONTWRITEBYTECODE, common in containers):
# otherwise every process would compile every module it imports, every time.
unexport PYTHONDONTWRITEBYTECODE
BIN := $(VENV)/bin
ENVIRONMENT := $(PYTHON) tools/environment.py --venv $(VENV)
# Before anything else, so that an old Python stops with this one line.
CHECK_PYTHON := $(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed, found " + sys.version.split()[0])'

# JupyterLab refuses to start as root unless told; only pass the flag when that is the case.
ROOT_FLAG := $(shell [ "$$(id -u)" = 0 ] && echo --allow-root)
# 127.0.0.1 only, token authentication on (JupyterLab's default), opened on the first lesson;
# jupyterlab-settings/overrides.json switches off the news pop-up and the update check.
LAB_FLAGS := --ip=127.0.0.1 $(ROOT_FLAG) \
	--LabApp.default_url=/lab/tree/notebooks/00_start_here.ipynb \
	--LabApp.app_settings_dir="$(CURDIR)/jupyterlab-settings"

.PHONY: setup setup-test lab test test-python test-busy test-latest lint notebooks lessons \
	requirements clean

# The environment holds exactly requirements.txt (uv pip sync; pip when uv cannot be had).
# Nothing is done when it is up to date.
setup:
	@$(CHECK_PYTHON)
	@$(ENVIRONMENT)

# ... plus the tools only the tests need (requirements-test.txt).
setup-test:
	@$(CHECK_PYTHON)
	@$(ENVIRONMENT) --test

lab: setup
	$(BIN)/jupyter lab $(LAB_FLAGS)

# Every test and every notebook, in three pytest runs: first the unit tests that time nothing, on
# every CPU (pytest-xdist; conftest.py marks them `parallel`); then the tests that time things
# and every notebook under strict nbval, two at a time (they mostly wait; every claim holds with
# one core busy), each notebook followed by all its cells again in the same kernel ("Run all"
# twice); last, alone, the notebooks whose claims need a free core (conftest.py's ALONE).
# Every phase runs, and its wall time is printed. `make test-busy` adds the busy laptop.
# A kernel that has not answered 20 s after its start (0.8 s as a rule, 2.2 s with no bytecode
# yet) is replaced by a new one (conftest.py), rather than after nbval's 60 s.
PYTEST := -m pytest --nbval --nbval-sanitize-with tests/sanitize.cfg --nbval-cell-timeout=120 \
	--nbval-kernel-startup-timeout=20
PYTEST_PARALLEL := $(PYTEST) -m parallel --numprocesses=auto tests
PYTEST_TWO := $(PYTEST) -m 'not parallel and not alone' --numprocesses=2 --dist loadfile
PYTEST_ALONE := $(PYTEST) -m 'alone'
TEST_PHASES = \
	"ruff" "$(1)/ruff check ." \
	"pytest: unit tests in parallel" "$(1)/python $(PYTEST_PARALLEL)" \
	"pytest: timing tests and notebooks, two at a time" "$(1)/python $(PYTEST_TWO) tests notebooks" \
	"pytest: notebooks that need a free core, alone" "$(1)/python $(PYTEST_ALONE) tests notebooks"

test: setup-test
	@$(PYTHON) tools/phases.py $(call TEST_PHASES,$(BIN))

# On another Python, what differs between versions: every notebook under strict nbval and the
# lesson tests, after a test that prints which Python the notebook kernels run. For example
# `make test-python PYTHON=$$(pyenv prefix 3.12.1)/bin/python3.12 VENV=.venv-3.12`.
PYTHON_TESTS := tests/test_python_version.py tests/lessons notebooks
test-python: setup-test
	@$(PYTHON) tools/phases.py \
		"pytest: lesson tests and notebooks on $(PYTHON), two at a time" \
		"$(BIN)/python $(PYTEST_TWO) $(PYTHON_TESTS)" \
		"pytest: notebooks that need a free core, alone" \
		"$(BIN)/python $(PYTEST_ALONE) $(PYTHON_TESTS)"

# Every notebook run to the end in a fresh kernel with one core kept busy (a `while True: pass` process, always
# stopped): no cell may fail; outputs are not compared (nbval-lax), since a busy machine prints
# its own numbers, and some claims what a busy machine shows instead (course_app.timeline).
test-busy: setup-test
	@$(PYTHON) tools/phases.py "notebooks with one core busy" \
		"$(BIN)/python tools/busy_core.py $(BIN)/python -m pytest --nbval-lax \
		--nbval-cell-timeout=300 notebooks"

# Early warning on new releases: the newest release of every dependency (requirements.in,
# requirements-test.in, and whatever they need) in a copy of the course (.latest/, with a .venv
# of its own), then the whole suite there. It starts with the packages whose newest release
# differs from the pin in requirements.txt; notebook 00's set-up check then reports them too.
# Needs the package index.
LATEST := .latest
# uv's path (installed into .cache/uv-bootstrap when missing), found once, when first needed.
UV = $(eval UV := $(shell $(PYTHON) tools/environment.py --uv-path))$(UV)

test-latest:
	@$(CHECK_PYTHON)
	rm -rf $(LATEST)
	mkdir $(LATEST)
	tar --exclude=./.git --exclude=./.venv --exclude=./.cache --exclude=./$(LATEST) -cf - . \
		| tar -xf - -C $(LATEST)
	UV_PYTHON_DOWNLOADS=never $(UV) venv --quiet --seed --python $(PYTHON) $(LATEST)/.venv
	cd $(LATEST) && $(UV) pip install --quiet --upgrade --python .venv/bin/python \
		--override requirements-overrides.txt -r requirements.in -r requirements-test.in
	cd $(LATEST) && .venv/bin/python .ci/newer_releases.py requirements.txt requirements-test.txt
	cd $(LATEST) && $(PYTHON) tools/phases.py $(call TEST_PHASES,.venv/bin)

lint: setup
	$(BIN)/ruff check .

# Re-execute every notebook in a fresh kernel, in place, the way nbval runs it.
notebooks: setup
	$(BIN)/python -m course_app.notebook_runner notebooks/*.ipynb

# Regenerate the README lesson table from the lesson list in course_app.
lessons: setup
	$(BIN)/python -m course_app.lesson_list --write-readme README.md

# Recompile the pins after editing requirements.in or requirements-test.in (needs the package
# index). Universal: one file for Linux, macOS and Windows, with markers where they differ, since
# `uv pip sync` installs exactly the listed packages. The pins already there are kept unless
# an .in file asks otherwise. The test tools are compiled with requirements.txt as constraints,
# so both files agree.
COMPILE := pip compile --quiet --universal --python-version 3.11 --no-header \
	--no-emit-index-url --no-emit-find-links --override requirements-overrides.txt

requirements:
	@$(CHECK_PYTHON)
	$(UV) $(COMPILE) --output-file requirements.txt requirements.in
	mkdir -p .cache
	grep -v '^-e ' requirements.txt > .cache/requirements-constraints.txt
	$(UV) $(COMPILE) --constraint .cache/requirements-constraints.txt \
		--output-file requirements-test.txt requirements-test.in
	sed -i.bak 's|-c .cache/requirements-constraints.txt|-c requirements.txt|' requirements-test.txt
	$(UV) $(COMPILE) --constraint .cache/requirements-constraints.txt \
		--output-file requirements-httpx2.txt requirements-httpx2.in
	sed -i.bak 's|-c .cache/requirements-constraints.txt|-c requirements.txt|' requirements-httpx2.txt
	rm -f requirements-test.txt.bak requirements-httpx2.txt.bak

clean:
	rm -rf $(VENV) $(LATEST)

# The course as a static site, from the notebooks' stored outputs (nothing is executed, nothing
# fetched): Sphinx + myst-nb + sphinx-book-theme, configured in site/conf.py. Open
# site/_build/html/index.html. Warnings (a broken link between lessons, say) stop the build.
SITE := site/_build/html
.PHONY: site test-browser lab-flags

site: setup-test
	$(BIN)/sphinx-build -q -W --keep-going -c site . $(SITE)
	@echo "The site is in $(SITE): open $(SITE)/index.html in a browser"

# The site, the JupyterLab of `make lab` and a lesson app's /docs, in a real Chromium (the
# system's `chromium`; tests/browser skip when there is none, and fail with CI=true).
test-browser: site
	COURSE_BROWSER_TESTS=1 $(BIN)/python -m pytest -p no:cacheprovider tests/browser

# `make lab`'s flags, one a line (tests/browser starts JupyterLab with them).
lab-flags:
	@printf '%s\n' $(LAB_FLAGS)
