# Set-up and the two everyday commands. Everything installs from this repository's own files:
# Python packages from PyPI (pyproject.toml), WeasyPrint's system libraries from Debian.
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PARAMS ?= parameters/

.PHONY: demo test install system-deps bench clean

demo: install            ## run every stage on the bundled sample portfolio
	$(BIN)/crmkit run $(PARAMS)

test: install            ## run the test suite (library + notebooks executed by Papermill)
	$(BIN)/python -m pytest -n 2 --dist loadfile

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	@$(MAKE) --no-print-directory system-deps
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e ".[test]"
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 >/dev/null
	touch $@

system-deps:             ## pango/harfbuzz (PDF export), chromium (browser tests), poppler-utils, when missing
	@if ldconfig -p | grep -q 'libpango-1.0.so' && ldconfig -p | grep -q 'libpangoft2-1.0.so'; then \
	  echo "system libraries present"; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0 >/dev/null; \
	else \
	  echo "warning: install libpango-1.0-0 libpangoft2-1.0-0 for PDF export"; \
	fi
	@# headless Chromium: tests/test_report.py renders the HTML report in a real browser
	@if [ -x /usr/bin/chromium ]; then \
	  echo "chromium present"; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else \
	  echo "warning: install chromium for the browser test of the HTML report (it is skipped)"; \
	fi
	@# poppler-utils: pdftoppm renders PDF pages to PNG (looking at the report), pdfinfo counts pages
	@if command -v pdftoppm >/dev/null; then \
	  echo "poppler-utils present"; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq poppler-utils >/dev/null; \
	else \
	  echo "warning: install poppler-utils to render PDF pages as images"; \
	fi

bench: install           ## print benchmark figures (1k/10k/100k clients; SIZES=1000,1000000)
	$(BIN)/python benchmarks/run_all.py $(if $(SIZES),--sizes $(SIZES))

clean:
	rm -rf outputs .pytest_cache
