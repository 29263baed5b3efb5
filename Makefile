# Switchboard. `make dev` runs everything locally; `make test` is the whole
# suite (unit + integration, with -race). Tools install themselves into bin/.
GO                ?= go
BIN               := $(CURDIR)/bin
TEMPORAL_VERSION  := v1.5.1
# The server CLI v1.5.1 embeds, built standalone for a real (PostgreSQL) server.
TEMPORAL_SERVER_VERSION := v1.29.1
STATICCHECK_VER   := v0.8.2
WORKFLOWCHECK_VER := v0.6.0
export GOBIN := $(BIN)
# The production build: `dev` (the emulator, the example bot, the local
# Temporal and PostgreSQL setup) compiled out of the server (docs/binaries.md).
PROD_TAGS         := switchboard_nodev

.PHONY: dev test tidy-check faults fuzz lint build bench fmt tools browser-deps promtool temporal-server

## dev: the whole product on this machine (Temporal + UI, PostgreSQL, API, worker, Twilio emulator)
dev:
	$(GO) run ./cmd/switchboard dev

## test: every test, unit and integration, with the race detector (after
## tidy-check, so CI fails on an untidy go.mod)
test: tidy-check $(BIN)/temporal $(BIN)/temporal-server browser-deps promtool
	$(GO) test -race -count=1 -timeout 20m ./...

## tidy-check: fails when `go mod tidy` would change go.mod or go.sum. It runs
## tidy for real and puts both files back whatever happens, so the tree is
## left as it was; the diff says what tidy wanted.
tidy-check:
	@set -e; tmp=$$(mktemp -d); trap 'cp "$$tmp/go.mod" "$$tmp/go.sum" . ; rm -rf "$$tmp"' EXIT; \
	cp go.mod go.sum "$$tmp/"; \
	$(GO) mod tidy; \
	rc=0; diff -u --label go.mod --label 'go.mod after go mod tidy' "$$tmp/go.mod" go.mod || rc=1; \
	diff -u --label go.sum --label 'go.sum after go mod tidy' "$$tmp/go.sum" go.sum || rc=1; \
	if [ $$rc -ne 0 ]; then \
		echo "tidy-check: go.mod/go.sum are not tidy: run 'go mod tidy' and commit the result (diff above)" >&2; exit 1; \
	fi; \
	echo "tidy-check: go.mod and go.sum are tidy"

## faults: the long fault tests CI runs after `make test`: 200 inbound
## webhooks/s for 60 s (latency printed; no error, no loss asserted), a
## rolling deploy with two builds, a 3-minute PostgreSQL outage, a chatty
## customer crossing continue-as-new, two serve and two worker replicas on a
## Temporal server on PostgreSQL (kills, a rolling restart onto a new build),
## then every fuzz target for FUZZTIME
## (docs/reliability.md)
LONG_TESTS := TestLoadInboundWebhooks|TestRollingDeployOldAndNewBuildsSideBySide|TestPostgresOutageCostsAHandfulOfEvents|TestChattyCustomerCrossesContinueAsNew|TestReplicasShareTheWorkAndSurviveKills|TestCampaignOf5000SurvivesKill9
faults: $(BIN)/temporal $(BIN)/temporal-server
	SWITCHBOARD_LOAD=1 $(GO) test -count=1 -timeout 45m -run '^($(LONG_TESTS))$$' -v ./integration/
	$(MAKE) fuzz

## fuzz: each fuzz target for FUZZTIME (their seed corpora run in `make test`).
## A count, not a duration: a loaded machine makes -fuzztime=10s end in
## "context deadline exceeded" (Go's fuzz coordinator), a false failure.
FUZZTIME ?= 20000x
FUZZ_TARGETS := ./api:FuzzParseInbound ./internal/domain:FuzzNormalizeE164 ./internal/domain:FuzzRenderTemplate \
	./internal/domain:FuzzRoute ./internal/domain:FuzzParseSurveyScore ./internal/bot:FuzzParseReply ./internal/domain:FuzzIsHandoffKeyword
fuzz:
	@set -e; for t in $(FUZZ_TARGETS); do \
		pkg=$${t%%:*}; fn=$${t##*:}; echo "fuzz $$fn in $$pkg for $(FUZZTIME)"; \
		$(GO) test -run '^$$' -fuzz "^$$fn$$" -fuzztime $(FUZZTIME) $$pkg; \
	done

## build: the production switchboard binary into bin/ (as the image builds it: no dev)
build:
	$(GO) build -tags $(PROD_TAGS) -o $(BIN)/switchboard ./cmd/switchboard

## bench: throughput, latency, history cost and scale against the raw Temporal baseline,
## a few minutes (BENCH_FLAGS="--conversations 100000 --split" for the 100k scale target);
## the bench is its own binary, bin/switchboard-bench
bench: $(BIN)/temporal
	$(GO) build -o $(BIN)/switchboard-bench ./cmd/switchboard-bench
	$(BIN)/switchboard-bench $(BENCH_FLAGS)

## lint: gofmt, go vet, staticcheck and Temporal's workflowcheck
lint: $(BIN)/staticcheck $(BIN)/workflowcheck
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(BIN)/staticcheck ./...
	$(BIN)/workflowcheck ./workflows/...

fmt:
	gofmt -w $$(git ls-files '*.go')

# The pinned Temporal CLI (server 1.29 + UI) cannot be downloaded prebuilt
# here: it is built from source once, which takes a while on 2 cores.
$(BIN)/temporal:
	@echo "building Temporal CLI $(TEMPORAL_VERSION) into bin/ (first time only, about 6 minutes on 2 cores)..."
	$(GO) install github.com/temporalio/cli/cmd/temporal@$(TEMPORAL_VERSION)

# The standalone Temporal server and its schema tool (go.temporal.io/server
# has no replace directives: a plain go install builds both), renamed as
# Temporal's images name them. internal/devenv builds them the same way
# when a test or `switchboard dev --temporal=server` needs them.
$(BIN)/temporal-server $(BIN)/temporal-sql-tool &:
	@echo "building Temporal server $(TEMPORAL_SERVER_VERSION) and temporal-sql-tool into bin/ (first time only, about 6 minutes on 2 cores, 20 s to a minute with a warm Go build cache)..."
	@set -e; mkdir -p $(BIN); tmp=$$(mktemp -d "$(BIN)/.go-install-XXXXXX"); trap 'rm -rf "$$tmp"' EXIT; \
	GOBIN="$$tmp" $(GO) install go.temporal.io/server/cmd/server@$(TEMPORAL_SERVER_VERSION) \
		go.temporal.io/server/cmd/tools/sql@$(TEMPORAL_SERVER_VERSION); \
	mv "$$tmp/server" $(BIN)/temporal-server; mv "$$tmp/sql" $(BIN)/temporal-sql-tool

## temporal-server: a real Temporal server on PostgreSQL in the foreground
## (deploy/temporal/config/switchboard.yaml; docs/production.md): creates
## the temporal and temporal_visibility databases and their schema, then the
## default namespace and the Sb* attributes once the frontend answers on
## 127.0.0.1:7233. PostgreSQL from POSTGRES_SEEDS/DB_PORT/POSTGRES_USER/
## POSTGRES_PWD, else 127.0.0.1:5432 as postgres; any variable of the config
## (DBNAME, FRONTEND_GRPC_PORT, ...) may be set.
temporal-server: $(BIN)/temporal-server $(BIN)/temporal-sql-tool $(BIN)/temporal
	@set -e; \
	export POSTGRES_SEEDS="$${POSTGRES_SEEDS:-127.0.0.1}" POSTGRES_USER="$${POSTGRES_USER:-postgres}" \
		DYNAMIC_CONFIG_FILE_PATH="$${DYNAMIC_CONFIG_FILE_PATH:-$(CURDIR)/deploy/temporal/dynamicconfig/development.yaml}"; \
	dir=$$(cd / && $(GO) mod download -json go.temporal.io/server@$(TEMPORAL_SERVER_VERSION) | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$$/\1/p'); \
	SQL_TOOL=$(BIN)/temporal-sql-tool SCHEMA_DIR="$$dir/schema/postgresql/v12" deploy/temporal/setup-schema.sh; \
	TEMPORAL_CLI=$(BIN)/temporal TEMPORAL_ADDRESS="127.0.0.1:$${FRONTEND_GRPC_PORT:-7233}" deploy/temporal/setup-namespace.sh & \
	exec $(BIN)/temporal-server --root deploy/temporal --config config --env switchboard --allow-no-auth start

## browser-deps: Debian's chromium and playwright-core (tests/browser) for the browser test
browser-deps: tests/browser/node_modules/.installed
	@command -v chromium >/dev/null || (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium)

## promtool: Debian's promtool (package prometheus), for the tests that check
## deploy/prometheus (promtool check config, check rules)
promtool:
	@command -v promtool >/dev/null || (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends prometheus)

tests/browser/node_modules/.installed: tests/browser/package.json tests/browser/package-lock.json
	cd tests/browser && npm ci --no-audit --no-fund
	@touch $@

$(BIN)/staticcheck:
	$(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VER)

$(BIN)/workflowcheck:
	$(GO) install go.temporal.io/sdk/contrib/tools/workflowcheck@$(WORKFLOWCHECK_VER)
