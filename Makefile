# weightgen: the two commands of the README are `make demo` and `make test`.
SWIFT ?= swift
RELEASE := -c release
export OMP_WAIT_POLICY ?= PASSIVE

.PHONY: deps build test bench demo clean

deps:
	@scripts/install-deps.sh

build: deps
	$(SWIFT) build $(RELEASE)

# Numeric tests run optimised: a debug build is 10–100× slower on tensor code.
test: deps
	$(SWIFT) build $(RELEASE) --build-tests -Xswiftc -enable-testing
	$(SWIFT) test $(RELEASE) --skip-build -Xswiftc -enable-testing --disable-swift-testing

bench: build
	.build/release/weightgen bench engine

demo: build
	@echo "weightgen demo: not yet available (the experiment pipeline lands with the experiments issue)."

clean:
	rm -rf .build
