# The course's commands. `make lab` and `make test` set everything up first when needed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-requirements

# JupyterLab refuses to start as root unless told; only pass the flag when that is the case.
ROOT_FLAG := $(shell [ "$$(id -u)" = 0 ] && echo --allow-root)
# 127.0.0.1 only, token authentication on (JupyterLab's default), opened on the first lesson.
LAB_FLAGS := --ip=127.0.0.1 $(ROOT_FLAG) \
	--LabApp.default_url=/lab/tree/notebooks/00_start_here.ipynb

.PHONY: setup lab test test-latest lint notebooks lessons requirements clean

setup: $(STAMP)

# Recreate the environment whenever requirements.txt changes, so it never drifts from the pins.
$(STAMP): requirements.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed, found " + sys.version.split()[0])'
	rm -rf $(VENV)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $(STAMP)

lab: setup
	$(BIN)/jupyter lab $(LAB_FLAGS)

# Every unit test, then every notebook under strict nbval, one pytest run.
PYTEST_ALL := -m pytest --nbval --nbval-sanitize-with tests/sanitize.cfg \
	--nbval-cell-timeout=120 tests notebooks

test: setup
	$(BIN)/ruff check .
	$(BIN)/python $(PYTEST_ALL)

# Early warning on new releases: the newest release of every dependency (requirements.in, and
# whatever they need) in a copy of the course (.latest/, with a .venv of its own), then the whole
# suite there. It starts with the packages whose newest release differs from the pin in
# requirements.txt; notebook 00's set-up check then reports them too. Needs the package index.
LATEST := .latest

test-latest:
	rm -rf $(LATEST)
	mkdir $(LATEST)
	tar --exclude=./.git --exclude=./.venv --exclude=./$(LATEST) -cf - . | tar -xf - -C $(LATEST)
	$(PYTHON) -m venv $(LATEST)/.venv
	cd $(LATEST) && .venv/bin/python -m pip install --quiet --upgrade pip
	cd $(LATEST) && .venv/bin/python -m pip install --quiet --upgrade --upgrade-strategy eager \
		-r requirements.in
	cd $(LATEST) && .venv/bin/python .ci/newer_releases.py requirements.txt
	cd $(LATEST) && .venv/bin/ruff check .
	cd $(LATEST) && .venv/bin/python $(PYTEST_ALL)

lint: setup
	$(BIN)/ruff check .

# Re-execute every notebook in a fresh kernel, in place, the way nbval runs it.
notebooks: setup
	$(BIN)/python -m course_app.notebook_runner notebooks/*.ipynb

# Regenerate the README lesson table from the lesson list in course_app.
lessons: setup
	$(BIN)/python -m course_app.lesson_list --write-readme README.md

# Recompile the pins after editing requirements.in (needs network access to the package index).
requirements: setup
	$(BIN)/python -m pip install --quiet pip-tools
	$(BIN)/pip-compile --quiet --strip-extras --no-header --no-emit-index-url --no-emit-find-links --output-file requirements.txt requirements.in

clean:
	rm -rf $(VENV) $(LATEST)
