# journeybot: `make run` plays a workshop in the terminal, `make test` runs
# every test (integration tests use the Redis on 127.0.0.1:6379; `make redis`
# starts one).
GO       ?= go
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS  := -s -w -X github.com/journeybot/journeybot/internal/app.Version=$(VERSION)
PKGS     := ./...

.PHONY: build image run test lint bench drills fuzz redis clean

# build: the static binary, with the time zone database inside (reviews
# run in each facilitator's zone, and an image FROM scratch has none).
build:
	CGO_ENABLED=0 $(GO) build -trimpath -tags timetzdata -ldflags '$(LDFLAGS)' -o bin/journeybot ./cmd/journeybot

# image: the container image journeybot:dev, FROM scratch, without a
# registry: the binary built here, its root file system laid out by
# deploy/rootfs.sh, Docker installed and started when missing.
IMAGE ?= journeybot:dev
image: build
	sh deploy/rootfs.sh bin/image bin/journeybot
	bash .ci/docker.sh
	docker build -q -f deploy/Dockerfile.scratch --build-arg VERSION=$(VERSION) -t $(IMAGE) bin/image

run:
	$(GO) run ./cmd/journeybot console

test:
	$(GO) test -race -count=1 $(PKGS)

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet $(PKGS)

# bench: the Go benchmarks (chart rendering, store writes), then the
# end-to-end tables (event path vs a baseline, charts under load, scale,
# fault drills, failovers, nudge planning) against its own redis-server and a fake Slack on loopback;
# about 12 minutes. Needs redis-server (`make redis` installs it when
# missing). BENCHFLAGS is passed on, e.g. BENCHFLAGS='-parts drills'.
bench:
	$(GO) test -run '^$$' -bench . -benchmem -count=1 $(PKGS)
	$(GO) run ./cmd/journeybot-bench $(BENCHFLAGS)

# drills: the bench's kill -9 fault drills at toy sizes, as a test (they
# restart the bot a dozen times, so `make test` leaves them out).
drills:
	$(GO) test -race -count=1 -run TestSmoke ./internal/bench -drills

# fuzz: each target for FUZZTIME; the inputs it finds stay in Go's cache
# (go env GOCACHE)/fuzz, and a failing one is written to testdata/fuzz,
# where `make test` replays it.
FUZZTIME ?= 60s
fuzz:
	$(GO) test -run '^$$' -fuzz FuzzParseLine -fuzztime $(FUZZTIME) ./internal/workshop
	$(GO) test -run '^$$' -fuzz FuzzRender -fuzztime $(FUZZTIME) ./internal/chart
	$(GO) test -run '^$$' -fuzz FuzzEventsHandler -fuzztime $(FUZZTIME) ./internal/slack
	$(GO) test -run '^$$' -fuzz FuzzCommandsHandler -fuzztime $(FUZZTIME) ./internal/slack
	$(GO) test -run '^$$' -fuzz FuzzInteractionsHandler -fuzztime $(FUZZTIME) ./internal/slack

redis:
	bash .ci/redis.sh

clean:
	rm -rf bin
