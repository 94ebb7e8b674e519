# Two commands do everything on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test venv clean browser

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# The stamp files re-install only when pyproject.toml changes.
# The play extra is the web server of `ganforge play`; the test extra includes it.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[play]'
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $@ $(VENV)/.installed

venv: $(VENV)/.installed

demo: $(VENV)/.installed
	$(BIN)/ganforge demo

# The report test opens pages in headless Chromium; install Debian's package where we can
# (root with apt-get), else that one test is skipped with its reason.
browser:
	@command -v chromium >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >/dev/null 2>&1; } || \
	  echo "make: chromium could not be installed; the browser test will be skipped"

# pytest exits 5 when it collected no tests: that is a failure here, never a pass. One pytest-xdist
# worker per logical core (a 2-vCPU VM may report one physical core), each on one thread
# (tests/conftest.py): 410 s instead of 770 s on two cores.
test: $(VENV)/.installed-test browser
	$(BIN)/python -m pytest -q -n logical --dist worksteal; rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "make test: no tests ran" >&2; exit 1; fi; exit $$rc

clean:
	rm -rf $(VENV) runs
