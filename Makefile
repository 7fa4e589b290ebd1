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

# The pipeline at demo size, until the experiment report lands: the built-in phantom, a
# small checkpoint zoo (cord and canal), a small generator trained on it, its evaluation from
# unseen and seen initialisations, and one generated network written as a weightgen
# checkpoint and an nnU-Net model folder.
DEMO ?= runs/demo
demo: build
	.build/release/weightgen phantom --out $(DEMO)/data --cases 80 --seed 1
	.build/release/weightgen zoo create --dataset $(DEMO)/data --tasks cord,canal --runs 12 --checkpoints-per-run 10 \
		--validation-cases 8 --test-cases 16 --out $(DEMO)/zoo
	.build/release/weightgen zoo stats $(DEMO)/zoo
	.build/release/weightgen generator train --zoo $(DEMO)/zoo --out $(DEMO)/generator --config small --steps 400
	.build/release/weightgen generator evaluate --generator $(DEMO)/generator --seeds 4 --alignment-starts 1 \
		--json $(DEMO)/generator-evaluation.json
	.build/release/weightgen generate --generator $(DEMO)/generator --task cord --seed 7 --out $(DEMO)/generated-cord
	@echo "weightgen demo done in $(DEMO): zoo, generator, evaluation ($(DEMO)/generator-evaluation.json), generated network. The HTML report lands with the experiments issue."

clean:
	rm -rf .build
