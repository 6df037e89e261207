# Takumi — build, set up and test.
#   make demo   set up, then run the main job on the default embedded model
#   make test   set up, then run every test (unit tests and real-model checks), optimized build
SHELL := /bin/bash
MODEL ?= qwen2.5-coder-0.5b-instruct
SWIFT ?= swift
CONFIG ?= release
BIN := .build/$(CONFIG)/takumi
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: all setup deps model peers prompts build test unit-test demo bench clean

all: build

setup: deps model peers

# Debian packages the build needs (libgit2 through pkg-config).
deps:
	@if ! pkg-config --exists libgit2 2>/dev/null; then \
	  echo "make: installing libgit2-dev and pkg-config" >&2; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq libgit2-dev pkg-config >/dev/null; \
	fi
	@# Vim drives the editor-filter tests (vim -Es ... :%!takumi filter).
	@if ! command -v vim >/dev/null 2>&1; then \
	  echo "make: installing vim-nox" >&2; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq vim-nox >/dev/null; \
	fi

model:
	scripts/fetch-model $(MODEL)

# Test peers for the HTTP backend (llama.cpp's server from a pinned PyPI wheel), in a venv.
peers:
	scripts/setup-peers >/dev/null

# The built-in copies of Prompts/*.md (a test fails while they differ): run after editing a template.
prompts:
	scripts/generate-builtin-prompts

build: deps
	$(SWIFT) build -c $(CONFIG) --build-tests

# The leak tests count process-wide heap bytes, so they run in a process of their own after
# the main (parallel) run, where no other test allocates beside them.
test: setup build
	TAKUMI_REQUIRE_MODEL=1 TAKUMI_BIN="$(CURDIR)/$(BIN)" $(SWIFT) test -c $(CONFIG) --skip-build --skip LeakTests
	$(SWIFT) test -c $(CONFIG) --skip-build --filter LeakTests

# Unit tests only (no model needed), debug build.
unit-test: deps
	$(SWIFT) test

demo: setup
	$(SWIFT) build -c $(CONFIG) --product takumi
	scripts/demo

bench: setup
	$(SWIFT) build -c $(CONFIG) --product takumi
	$(BIN) bench

clean:
	rm -rf .build
