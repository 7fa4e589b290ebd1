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

# Until the zoo/generator/report pipeline lands, the demo runs the part that exists: the
# built-in phantom, a tiny U-Net trained on the cord task, and its held-out evaluation.
DEMO ?= runs/demo
demo: build
	.build/release/weightgen phantom --out $(DEMO)/data --cases 60 --seed 1
	.build/release/weightgen train --dataset $(DEMO)/data --task cord --preset tiny --iterations 600 \
		--optimizer adam --learning-rate 3e-3 --out $(DEMO)/cord
	.build/release/weightgen evaluate --model $(DEMO)/cord --dataset $(DEMO)/data --task cord --cases validation
	@echo "weightgen demo: phantom → U-Net → evaluation done in $(DEMO). The zoo → generator → report pipeline is not yet available."

clean:
	rm -rf .build
