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
fuzz:
	$(GO) test ./internal/phone -run '^$$' -fuzz FuzzNormalize -fuzztime $(FUZZTIME)
	$(GO) test ./billing/topup -run '^$$' -fuzz FuzzWebhook -fuzztime $(FUZZTIME)
	$(GO) test ./component -run '^$$' -fuzz FuzzDecode -fuzztime $(FUZZTIME)
	$(GO) test ./component -run '^$$' -fuzz FuzzSenderJID -fuzztime $(FUZZTIME)
	$(GO) test ./component -run '^$$' -fuzz FuzzCleanNick -fuzztime $(FUZZTIME)
	$(GO) test ./component -run '^$$' -fuzz FuzzReadFeatures -fuzztime $(FUZZTIME)
	$(GO) test ./carriers -run '^$$' -fuzz FuzzNumberQuery -fuzztime $(FUZZTIME)
	$(GO) test ./component/adhoc -run '^$$' -fuzz FuzzParseForm -fuzztime $(FUZZTIME)
	$(GO) test ./internal/wav -run '^$$' -fuzz FuzzDecode -fuzztime $(FUZZTIME)
	$(GO) test ./component/adhoc -run '^$$' -fuzz FuzzChat -fuzztime $(FUZZTIME)
	$(GO) test ./component/account -run '^$$' -fuzz FuzzCredit -fuzztime $(FUZZTIME)
	$(GO) test ./component/signup -run '^$$' -fuzz FuzzSignupInput -fuzztime $(FUZZTIME)
	$(GO) test ./carriers/twilio -run '^$$' -fuzz FuzzWebhook -fuzztime $(FUZZTIME)
	$(GO) test ./carriers/twilio -run '^$$' -fuzz FuzzSignature -fuzztime $(FUZZTIME)
	$(GO) test ./carriers/twilio -run '^$$' -fuzz FuzzMediaPath -fuzztime $(FUZZTIME)
	$(GO) test ./carriers/twilio -run '^$$' -fuzz FuzzLaMLMediaPath -fuzztime $(FUZZTIME)
	$(GO) test ./carriers/twilio -run '^$$' -fuzz FuzzRetryAfter -fuzztime $(FUZZTIME)
	$(GO) test ./carriers/twilio -run '^$$' -fuzz FuzzSidOf -fuzztime $(FUZZTIME)
	$(GO) test ./carriers/bandwidth -run '^$$' -fuzz FuzzCallbacks -fuzztime $(FUZZTIME)
	$(GO) test ./carriers/bandwidth -run '^$$' -fuzz FuzzMediaURL -fuzztime $(FUZZTIME)
	$(GO) test ./carriers/bandwidth -run '^$$' -fuzz FuzzFindAnswer -fuzztime $(FUZZTIME)
	$(GO) test ./carriers/telnyx -run '^$$' -fuzz FuzzFindAnswer -fuzztime $(FUZZTIME)
	$(GO) test ./carriers/sandbox -run '^$$' -fuzz FuzzAPI -fuzztime $(FUZZTIME)
	$(GO) test ./carriers/telnyx -run '^$$' -fuzz FuzzWebhook -fuzztime $(FUZZTIME)
	$(GO) test ./carriers/smpp -run '^$$' -fuzz FuzzUDH -fuzztime $(FUZZTIME)
	$(GO) test ./carriers/smpp -run '^$$' -fuzz FuzzReceipt -fuzztime $(FUZZTIME)
	$(GO) test ./carriers/smpp -run '^$$' -fuzz FuzzDeliverSM -fuzztime $(FUZZTIME)
	$(GO) test ./carriers/smpp -run '^$$' -fuzz FuzzReassembly -fuzztime $(FUZZTIME)
	$(GO) test ./jingle -run '^$$' -fuzz FuzzParseJingle -fuzztime $(FUZZTIME)
	$(GO) test ./jingle -run '^$$' -fuzz FuzzFromSDP -fuzztime $(FUZZTIME)
	$(GO) test ./jingle -run '^$$' -fuzz FuzzParseJMI -fuzztime $(FUZZTIME)
	$(GO) test ./jingle/bridge -run '^$$' -fuzz FuzzParsePlainSDP -fuzztime $(FUZZTIME)
	$(GO) test ./jingle/trunk -run '^$$' -fuzz FuzzUserOf -fuzztime $(FUZZTIME)
	$(GO) test ./jingle/trunk -run '^$$' -fuzz FuzzGrantedExpiry -fuzztime $(FUZZTIME)
	$(GO) test ./jingle/media -run '^$$' -fuzz FuzzParsePortRange -fuzztime $(FUZZTIME)
	$(GO) test ./jingle/media -run '^$$' -fuzz FuzzCodecs -fuzztime $(FUZZTIME)
	$(GO) test ./jingle/media -run '^$$' -fuzz FuzzG711 -fuzztime $(FUZZTIME)
	$(GO) test ./jingle/trunk -run '^$$' -fuzz FuzzParseTrusted -fuzztime $(FUZZTIME)
	$(GO) test ./jingle/bridge -run '^$$' -fuzz FuzzConfigValues -fuzztime $(FUZZTIME)
	$(GO) test ./internal/policy -run '^$$' -fuzz FuzzRules -fuzztime $(FUZZTIME)
	$(GO) test ./internal/sms -run '^$$' -fuzz FuzzSplit -fuzztime $(FUZZTIME)
	$(GO) test ./internal/outbox -run '^$$' -fuzz FuzzCodec -fuzztime $(FUZZTIME)
	$(GO) test ./internal/tapback -run '^$$' -fuzz FuzzParse -fuzztime $(FUZZTIME)
	$(GO) test ./internal/mms -run '^$$' -fuzz FuzzParseMediaPath -fuzztime $(FUZZTIME)
	$(GO) test ./billing -run '^$$' -fuzz FuzzParseMoney -fuzztime $(FUZZTIME)
	$(GO) test ./billing -run '^$$' -fuzz FuzzRates -fuzztime $(FUZZTIME)

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
