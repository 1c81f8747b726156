#!/usr/bin/env bash
# The GPU checks, in one run on a machine with a CUDA GPU and torch installed:
#   SKFF_DATA=/folder/with/mnist bash benchmarks/gpu_checks.sh OUT_DIR [PART...]
# PART is any of: tests exact profile hinton throughput seeds accuracy (default:
# all but seeds and accuracy). "exact" compares one epoch of replayed (CUDA graph) steps with
# eager ones from the same seed. Each writes its JSON and log into OUT_DIR; a part that fails does not
# stop the others. "accuracy" trains hinton-100 and hinton-4x2000 side by side
# (two processes on the one GPU), so their times are not solo timings.
set -u
out=${1:?usage: gpu_checks.sh OUT_DIR [PART...]}
shift
parts=${*:-tests exact profile hinton throughput}
mkdir -p "$out"
export PYTHONPATH=$PWD${PYTHONPATH:+:$PYTHONPATH} PYTHONUNBUFFERED=1
data=${SKFF_DATA:?set SKFF_DATA to the folder with MNIST}
py=${PYTHON:-python3}
device=${DEVICE:-cuda}  # DEVICE=cpu tries the script without a GPU
steps=${STEPS:-300}

$py - <<'EOF' 2>&1 | tee "$out/environment.log"
import numpy, sklearn, torch
print("torch", torch.__version__, "sklearn", sklearn.__version__, "numpy", numpy.__version__)
if torch.cuda.is_available():
    print("GPU", torch.cuda.get_device_name(), torch.cuda.get_device_capability())
    # A float32 product's error against float64: about 1e-6 in float32, about
    # 1e-3 where the environment makes cuBLAS use TensorFloat-32 anyway.
    import sys
    sys.path.insert(0, "benchmarks")
    from _machine import float32_matmul_settings
    a, b = torch.randn(2, 1024, 1024, dtype=torch.float64, device="cuda")
    exact = a @ b
    error = ((a.float() @ b.float()).double() - exact).norm() / exact.norm()
    print("float32 matmul", float32_matmul_settings("cuda"),
          "relative error", f"{error:.1e}")
EOF
for part in $parts; do
    echo "=== $part ($(date +%T))"
    started=$SECONDS
    case $part in
    tests)
        $py -m pytest -q -p no:cacheprovider tests/test_cuda.py 2>&1 | tee "$out/test_cuda.log" | tail -25 ;;
    exact)
        $py benchmarks/replay_check.py 2>&1 | tee "$out/exact.log" | tail -4 ;;
    profile)
        $py benchmarks/step_profile.py --device "$device" --recipe default --recipe hinton \
            --steps "$steps" --data-home "$data" \
            --output "$out/step_profile_cuda.json" 2>&1 | grep -v "^STAGE" | tail -8 ;;
    hinton)
        # hinton-combined trains as hinton does and reports every readout's error.
        $py benchmarks/mnist_accuracy.py hinton-combined --device "$device" --data-home "$data" \
            --output "$out/mnist_accuracy_cuda.json" 2>&1 | tee "$out/hinton.log" | tail -5 ;;
    throughput)
        $py benchmarks/throughput.py --quick --device "$device" --data-home "$data" \
            --output "$out/throughput_cuda.json" 2>&1 | tee "$out/throughput.log" | tail -8 ;;
    seeds)
        # Is the GPU's hinton error (seed 0) a seed's luck? Compare with the CPU
        # seeds in benchmarks/results/mnist_accuracy.json.
        for seed in 1 2; do
            $py benchmarks/mnist_accuracy.py hinton-combined --seed $seed --device "$device" \
                --data-home "$data" --output "$out/mnist_accuracy_cuda_seed$seed.json" \
                2>&1 | tee "$out/hinton-seed$seed.log" | tail -4
        done ;;
    accuracy)
        for config in hinton-100 hinton-4x2000; do
            $py benchmarks/mnist_accuracy.py $config --device "$device" --data-home "$data" \
                --note "trained beside another run on the same GPU" \
                --output "$out/mnist_accuracy_cuda_$config.json" >"$out/$config.log" 2>&1 &
        done
        wait
        tail -n 2 "$out"/hinton-100.log "$out"/hinton-4x2000.log ;;
    *) echo "unknown part $part" ;;
    esac
    echo "=== $part took $((SECONDS - started)) s"
done
