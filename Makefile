# zmqactor build targets. Tools are pinned and run with `go run module@version`.
# `make test` and `make demo` install what they need (as root, with apt-get).

BUF         := go run github.com/bufbuild/buf/cmd/buf@v1.75.0
STATICCHECK := go run honnef.co/go/tools/cmd/staticcheck@v0.8.2
APT_PACKAGES := libzmq3-dev pkg-config python3-zmq
# pyzmq is checked with Debian's python3: the python3 on PATH may be another.
export PYTHON ?= /usr/bin/python3

.PHONY: help deps test lint generate check-generate demo bench

help:
	@echo "make demo      run the main demo (examples/demo)"
	@echo "make test      install what is missing, vet, build, run every test with -race"
	@echo "make lint      gofmt, go vet, staticcheck, buf lint/format, generated code up to date"
	@echo "make generate  regenerate messages/ from proto/"
	@echo "make bench     run the benchmarks"
	@echo "make deps      apt-get install $(APT_PACKAGES) when missing"

deps:
	@missing=""; for p in $(APT_PACKAGES); do \
		dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		if [ "$$(id -u)" = 0 ]; then SUDO=; \
		elif command -v sudo >/dev/null; then SUDO=sudo; \
		else echo "need root to install:$$missing" >&2; exit 1; fi; \
		$$SUDO apt-get update -q && \
		$$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q $$missing; \
	fi

test: deps
	go vet ./...
	go build ./...
	go test -race -count=1 -timeout 14m ./...

lint: check-generate
	@files=$$(gofmt -l $$(git ls-files '*.go' | grep -v '\.pb\.go$$')); \
	if [ -n "$$files" ]; then echo "gofmt would change:"; echo "$$files"; exit 1; fi
	go vet ./...
	$(STATICCHECK) ./...
	$(BUF) lint
	$(BUF) format -d --exit-code

generate:
	$(BUF) generate

# Regenerates messages/ and fails if that changed anything.
check-generate: generate
	@if [ -n "$$(git status --porcelain -- messages)" ]; then \
		echo "messages/ is not up to date with proto/: run make generate and commit"; \
		git status --porcelain -- messages; git diff -- messages | head -50; exit 1; \
	fi

demo: deps
	go run ./examples/demo

bench: deps
	go test -run '^$$' -bench . -benchmem ./...
