# hookfront — make targets. `make test` is what CI runs (.ci/run).
GO            ?= go
STATICCHECK   := honnef.co/go/tools/cmd/staticcheck@v0.8.2
BIN           := bin/hookfront

.PHONY: all build test lint vet fmt-check staticcheck unit demo bench bench-cluster clean

all: build

build:
	$(GO) build -o $(BIN) ./cmd/hookfront

test: lint unit

lint: vet fmt-check staticcheck

vet:
	$(GO) vet ./...

fmt-check:
	@out="$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))"; \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

staticcheck:
	$(GO) run $(STATICCHECK) ./...

unit:
	$(GO) test -race -count=1 ./...

# demo runs the built binary, not `go run`: on Ctrl-C go run exits 1 although the demo stopped
# cleanly, and make reports an error. DEMO_ARGS passes flags (--listen ADDR, --dir DIR).
demo: build
	$(BIN) demo $(DEMO_ARGS)

# bench: the load comparison against a bare httputil.ReverseProxy (hookfront-bench), then the Go
# benchmarks of the hot paths. Loopback only, bounded in time (a few minutes on 2 cores).
bench:
	$(GO) run ./cmd/hookfront-bench
	$(GO) test -run '^$$' -bench . -benchmem ./...

# bench-cluster: 1 and 3 replicas with and without the shared cache tier on a local
# redis-server (Debian's redis-server package): origin requests per 10,000 viewer requests over
# a Zipf-distributed key set, hit ratio, latency added, CPU per local hit. Loopback only, bounded.
bench-cluster:
	$(GO) run ./cmd/hookfront-bench -cluster

clean:
	rm -rf bin
