# weightgen: the two commands of the README are `make demo` and `make test`.
SWIFT ?= swift
RELEASE := -c release
export OMP_WAIT_POLICY ?= PASSIVE

.PHONY: deps build build-tests test test-kernels test-slurm test-parity test-nnunet bench demo clean

deps:
	@scripts/install-deps.sh

build: deps
	$(SWIFT) build $(RELEASE)

# Numeric tests run optimised: a debug build is 10–100× slower on tensor code.
build-tests: deps
	$(SWIFT) build $(RELEASE) --build-tests -Xswiftc -enable-testing

test: build-tests
	$(SWIFT) test $(RELEASE) --skip-build -Xswiftc -enable-testing --disable-swift-testing

# The numeric tests once per OpenBLAS kernel family this CPU runs (OPENBLAS_CORETYPE), naming
# the kernel each time: tolerances must hold on every kernel, not only this machine's.
test-kernels: build-tests
	scripts/test-kernels.sh $(KERNELS)

# The Slurm jobs (zoo array with a cancelled shard, requeued generator training) on a one-node
# cluster started here and stopped after (scripts/slurm/local_cluster.sh); installs slurm-wlm and
# munge when missing. Uses the release binary the tests build, so it needs no build of its own.
test-slurm: build-tests
	scripts/slurm/test_slurm.sh

# weightgen's nnU-Net inference against nnU-Net's own on the parity suite: a Python venv with
# nnunetv2 (scripts/parity/make_venv.sh), the suite's volumes from ../shared and nnU-Net's
# predictions of them made afresh, then per volume Dice and the largest probability difference.
PARITY ?= .parity/suite
test-parity: build
	scripts/parity/make_venv.sh
	.venv-parity/bin/python scripts/parity/make_parity_suite.py --out $(PARITY)
	.venv-parity/bin/python scripts/parity/compare_parity.py --suite $(PARITY)

# A checkpoint zoo recorded by nnU-Net's own trainer (python/weightgen_nnunet) on a small phantom,
# imported, verified, checked against nnU-Net's predictions, a small generator trained on it,
# and a training killed mid-epoch imported cleanly (docs/NNUNET_RECORDER.md).
test-nnunet: build
	scripts/nnunet/record_zoo_demo.sh

bench: build
	.build/release/weightgen bench engine

# The main job: phantom → zoo → the learned optimiser and a diffusion generator → evaluation against
# baselines and the memorisation audit → HTML report (DEMO/report/index.html), at demo size
# (12 minutes from a fresh clone on a 2-core Xeon, a 5-minute build included).
# `make demo SIZE=full` runs the acceptance scale (hours); re-running resumes.
DEMO ?= runs/demo
SIZE ?= demo
demo: build
	.build/release/weightgen experiment --out $(DEMO) --size $(SIZE)

clean:
	rm -rf .build
