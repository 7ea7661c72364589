# zmqactor build targets. Tools are pinned and run with `go run module@version`.
# `make test`, `make demo` and `make bench` first install what is missing
# (`make deps`: apt-get, as root or through sudo).

BUF         := go run github.com/bufbuild/buf/cmd/buf@v1.75.0
STATICCHECK := go run honnef.co/go/tools/cmd/staticcheck@v0.8.2

# libzmq3-dev: libzmq 4.3 and its headers for pebbe/zmq4 (cgo), found with
# pkg-config; gcc and libc6-dev: cgo and -race need a C compiler;
# python3-zmq: pyzmq, the peer of the interop tests; etcd-server: the
# membership service of the cluster tests (internal/acrossnodes), which
# start and stop etcd themselves.
APT_PACKAGES := libzmq3-dev pkg-config gcc libc6-dev python3-zmq etcd-server

# The tests run pyzmq with Debian's python3: the python3 on PATH may be
# another one (pyenv) without zmq. Override with `make test PYTHON=...`.
export PYTHON := /usr/bin/python3

.DEFAULT_GOAL := help
.PHONY: help deps test lint fmt-check check-generate generate demo bench bench-go

help:
	@echo "make demo            run the main demo (examples/demo)"
	@echo "make test            deps, go vet, go build ./..., every test with -race"
	@echo "make lint            gofmt, go vet, staticcheck, buf lint, buf format, check-generate"
	@echo "make generate        regenerate messages/ from proto/ (buf generate)"
	@echo "make check-generate  regenerate and fail if messages/ differs from git"
	@echo "make bench           raw zmq4, C and actor paths side by side: the table of BENCHMARKS.md, the sweep and its plot"
	@echo "make bench-go        every go test -bench benchmark of the packages"
	@echo "make deps            apt-get install what is missing of: $(APT_PACKAGES)"

# Installs only what `dpkg -s` does not report as installed; runs apt-get
# update once, and only then.
deps:
	@command -v dpkg >/dev/null 2>&1 || { \
		echo "deps: dpkg not found; this target needs Debian or Ubuntu." >&2; \
		echo "deps: install these yourself: $(APT_PACKAGES)" >&2; exit 1; }; \
	missing=""; \
	for p in $(APT_PACKAGES); do \
		dpkg -s $$p 2>/dev/null | grep -q '^Status: install ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = 0 ]; then SUDO=""; \
		elif command -v sudo >/dev/null 2>&1; then SUDO=sudo; \
		else echo "deps: missing:$$missing; run 'make deps' as root (no sudo here)" >&2; exit 1; fi; \
		echo "deps: installing$$missing"; \
		$$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -q && \
		$$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q $$missing || exit 1; \
	fi; \
	$(PYTHON) -c 'import zmq' 2>/dev/null || { \
		echo "deps: $(PYTHON) cannot import zmq (python3-zmq is for Debian's /usr/bin/python3)" >&2; exit 1; }

test: deps
	go vet ./...
	go build ./...
	go test -race -count=1 -timeout 14m ./...

lint:
	@$(MAKE) --no-print-directory fmt-check
	go vet ./...
	$(STATICCHECK) ./...
	$(BUF) lint
	$(BUF) format -d --exit-code
	@$(MAKE) --no-print-directory check-generate

# gofmt on every .go file except generated *.pb.go (tracked or not).
fmt-check:
	@files=$$(find . -path ./.git -prune -o -name '*.go' ! -name '*.pb.go' -print); \
	[ -n "$$files" ] || exit 0; \
	bad=$$(gofmt -l $$files) || { echo "gofmt failed" >&2; exit 1; }; \
	if [ -n "$$bad" ]; then echo "gofmt would change (run gofmt -w):" >&2; echo "$$bad" >&2; exit 1; fi; \
	echo "gofmt: ok"

generate:
	$(BUF) generate

# Regenerates messages/ and fails if it then differs from what git has
# (modified, deleted or untracked files). Meant for a clean checkout (CI):
# uncommitted edits in messages/ also fail it.
check-generate: generate
	@if [ -n "$$(git status --porcelain --untracked-files=all -- messages/)" ] || \
	    ! git diff --quiet -- messages/; then \
		echo "messages/ differs from git after buf generate: run make generate and commit messages/" >&2; \
		git status --porcelain --untracked-files=all -- messages/ >&2; \
		git --no-pager diff --stat -- messages/ >&2; \
		exit 1; \
	fi; \
	echo "check-generate: messages/ up to date"

demo: deps
	go run ./examples/demo

# The side-by-side benchmarks of BENCHMARKS.md (examples/bench, about 3
# minutes on 2 cores): prints the table, and writes the message-size sweep
# and its plot to BENCH_DIR (docs/, the committed figures, by default).
BENCH_DIR ?= docs
bench: deps
	@mkdir -p $(BENCH_DIR)
	go run ./examples/bench -out $(BENCH_DIR)/bench-sweep.csv
	go run ./examples/bench/plot -in $(BENCH_DIR)/bench-sweep.csv -o $(BENCH_DIR)/bench-throughput.png \
		-title "$$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $$(nproc) CPUs, $$(go env GOVERSION), libzmq $$(pkg-config --modversion libzmq)"

bench-go: deps
	go test -run '^$$' -bench . -benchmem ./...
