# Switchboard. `make demo` runs the gateway with everything it needs;
# `make test` runs every test. Both install what is missing.
# tools/system-deps.sh puts Go in /usr/local/go when no usable one is on PATH.
GO ?= $(shell command -v go 2>/dev/null || echo /usr/local/go/bin/go)
export GOTOOLCHAIN ?= auto
TEST_FLAGS ?= -race -count=1 -timeout 30m
STATICCHECK = honnef.co/go/tools/cmd/staticcheck@v0.8.2

.PHONY: all build demo test test-short lint fuzz bench bench-calls deps-demo deps-test tools clean

all: build

build:
	$(GO) build -o switchboard ./cmd/switchboard

deps-demo:
	@tools/system-deps.sh demo

deps-test:
	@tools/system-deps.sh test

tools: deps-test
	@tools/install.sh

demo: deps-demo
	@mkdir -p .tools
	$(GO) build -o .tools/switchboard-demo ./cmd/switchboard-demo
	@.tools/switchboard-demo

test: tools
	@test -z "$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))" || { echo "gofmt needed:"; gofmt -l .; exit 1; }
	$(GO) vet ./...
	$(GO) run $(STATICCHECK) ./...
	$(GO) test $(TEST_FLAGS) ./...

# The fast tier: unit tests, parsers and fakes, without the real servers
# (Prosody, ejabberd, Redis, SIPp, Chromium, ...) that `make test` starts,
# so nothing needs installing. On a 2-core machine: ~30 s with -race once
# the build cache is warm (~2 min to compile everything from cold).
test-short:
	$(GO) test -short -race -count=1 ./...

# Short fuzzing of every parser, beyond the seed corpora `make test` runs.
FUZZTIME ?= 20s
# One target at a time; see tools/fuzz-one.sh for the rerun of Go's deadline race.
FUZZ = GO='$(GO)' FUZZTIME='$(FUZZTIME)' sh tools/fuzz-one.sh
fuzz:
	$(FUZZ) ./internal/phone FuzzNormalize
	$(FUZZ) ./billing/topup FuzzWebhook
	$(FUZZ) ./component FuzzDecode
	$(FUZZ) ./component FuzzSenderJID
	$(FUZZ) ./component FuzzCleanNick
	$(FUZZ) ./component FuzzReadFeatures
	$(FUZZ) ./carriers FuzzNumberQuery
	$(FUZZ) ./component/adhoc FuzzParseForm
	$(FUZZ) ./internal/wav FuzzDecode
	$(FUZZ) ./component/adhoc FuzzChat
	$(FUZZ) ./component/account FuzzCredit
	$(FUZZ) ./component/signup FuzzSignupInput
	$(FUZZ) ./carriers/twilio FuzzWebhook
	$(FUZZ) ./carriers/twilio FuzzSignature
	$(FUZZ) ./carriers/twilio FuzzMediaPath
	$(FUZZ) ./carriers/twilio FuzzLaMLMediaPath
	$(FUZZ) ./carriers/twilio FuzzRetryAfter
	$(FUZZ) ./carriers/twilio FuzzSidOf
	$(FUZZ) ./carriers/bandwidth FuzzCallbacks
	$(FUZZ) ./carriers/bandwidth FuzzMediaURL
	$(FUZZ) ./carriers/bandwidth FuzzFindAnswer
	$(FUZZ) ./carriers/telnyx FuzzFindAnswer
	$(FUZZ) ./carriers/sandbox FuzzAPI
	$(FUZZ) ./carriers/telnyx FuzzWebhook
	$(FUZZ) ./carriers/smpp FuzzUDH
	$(FUZZ) ./carriers/smpp FuzzReceipt
	$(FUZZ) ./carriers/smpp FuzzDeliverSM
	$(FUZZ) ./carriers/smpp FuzzReassembly
	$(FUZZ) ./jingle FuzzParseJingle
	$(FUZZ) ./jingle FuzzFromSDP
	$(FUZZ) ./jingle FuzzParseJMI
	$(FUZZ) ./jingle/bridge FuzzParsePlainSDP
	$(FUZZ) ./jingle/trunk FuzzUserOf
	$(FUZZ) ./jingle/trunk FuzzGrantedExpiry
	$(FUZZ) ./jingle/media FuzzParsePortRange
	$(FUZZ) ./jingle/media FuzzCodecs
	$(FUZZ) ./jingle/media FuzzG711
	$(FUZZ) ./jingle/trunk FuzzParseTrusted
	$(FUZZ) ./jingle/bridge FuzzConfigValues
	$(FUZZ) ./internal/policy FuzzRules
	$(FUZZ) ./internal/sms FuzzSplit
	$(FUZZ) ./internal/outbox FuzzCodec
	$(FUZZ) ./internal/tapback FuzzParse
	$(FUZZ) ./internal/mms FuzzParseMediaPath
	$(FUZZ) ./billing FuzzParseMoney
	$(FUZZ) ./billing FuzzRates

lint:
	$(GO) vet ./...
	$(GO) run $(STATICCHECK) ./...

# Throughput, latency and CPU per message through a real Prosody and Redis,
# against a no-op echo component; see internal/bench.
BENCH_MSGS ?= 10000
bench: deps-test
	$(GO) test -run '^$$' -bench . -benchtime $(BENCH_MSGS)x -timeout 30m ./internal/bench

# N concurrent bridged G.711 calls (BENCH_CALLS, default 200) for
# BENCH_SECONDS (default 20) against a bare UDP relay; see internal/benchcalls.
bench-calls: deps-test
	$(GO) test -run '^$$' -bench Calls -timeout 30m ./internal/benchcalls

clean:
	rm -f switchboard
