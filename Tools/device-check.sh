#!/usr/bin/env bash
# A check on a machine with a real GPU and no Swift toolchain (the device tool's machine):
#   here:  bash Tools/device-check.sh pack   # release build; binaries + the Swift runtime they load
#                                            # -> .device/augur.tar.xz (about 40 MB, git-ignored)
#   there: bash Tools/device-check.sh run    # carry .device (and .gl, the Vulkan loader's .debs)
# `run` unpacks, runs every test (real-model tests skip: no model travels) and times random models
# of Qwen2.5-Coder-1.5B's and 0.5B's shapes and tensor types (the verify-cost curve kernel by kernel
# per matvec configuration, plain decoding, fixed-length draft rounds, prompt lookup).
# Results go to $OUT (or /tmp/augur-device): summary.txt, tests.txt and results.jsonl (each step's
# JSON, a line each). MATVEC_CONFIGS
# (space-separated AUGUR_MATVEC values) are timed in the real pass; the best runs the rest.
# KERNELS=1 adds the kernel microbenchmarks; TESTS=0 skips the tests.
# QUICK=1 skips the tests and kernel benchmarks and uses small shapes (a dry run on lavapipe).
#
# Real models do not fit one call (64 MiB travel per call), so they go in 60 MiB parts, one call
# each, into .build/device-models/ there (ignored, so kept while the machine stays warm, 30 s idle):
#   here:  bash Tools/device-check.sh part MODEL.gguf N   # part N -> .device/part; prints the count
#   there: bash Tools/device-check.sh receive NAME N      # carry [".device/part"] only
# and once every part is there, `run` also benchmarks the real pair on HumanEval 0-7 (the prompts
# travel in .device/humaneval.jsonl, written by `pack`) when NAME is qwen2.5-coder-1.5b.gguf and
# qwen2.5-coder-0.5b.gguf. `receive` refuses a part out of order; `run` checks the sizes.
set -uo pipefail
cd "$(dirname "$0")/.."

pack() {
    set -e
    swift build -c release --build-tests -Xswiftc -enable-testing
    local stage
    stage=$(mktemp -d)
    mkdir -p "$stage/bin" "$stage/lib" .device
    cp .build/release/{augur,augur-bench,make-tiny-model,AugurPackageTests.xctest} "$stage/bin/"
    for b in "$stage"/bin/*; do ldd "$b" | awk '/=>/ {print $3}' | grep '/swift/' || true; done |
        sort -u | xargs -I{} cp {} "$stage/lib/"
    tar -C "$stage" -cf - bin lib | xz -T2 -6 > .device/augur.tar.xz
    local humaneval=${AUGUR_MODELS:-$HOME/.cache/augur/models}/datasets/HumanEval.jsonl
    [[ -f $humaneval ]] && head -8 "$humaneval" > .device/humaneval.jsonl
    rm -rf "$stage"
    ls -la .device/augur.tar.xz
}

# step NAME SECONDS OUTPUT COMMAND...: runs with a time limit, logs its exit status and seconds.
step() {
    local name=$1 limit=$2 output=$3
    shift 3
    local start=$SECONDS
    echo "== $name: $*" | tee -a "$summary"
    timeout "$limit" "$@" > "$output" 2>> "$summary"
    local rc=$?
    echo "-- $name: rc=$rc in $((SECONDS - start)) s" | tee -a "$summary"
}

run() {
    local out=${OUT:-/tmp/augur-device}
    mkdir -p "$out"
    summary=$out/summary.txt
    if compgen -G ".gl/*.deb" > /dev/null; then
        for f in .gl/*.deb; do dpkg -x "$f" /; done
        ldconfig
    fi
    local icd=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
    [[ -f $icd ]] && export VK_DRIVER_FILES=$icd
    local root=/tmp/augur-device-bin
    mkdir -p "$root"
    tar -C "$root" -xJf .device/augur.tar.xz || { echo "cannot unpack .device/augur.tar.xz" | tee -a "$summary"; exit 1; }
    export LD_LIBRARY_PATH=$root/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
    local bin=$root/bin
    (nvidia-smi -L; nproc; date -u) >> "$summary" 2>&1
    timeout 60 "$bin/augur" info >> "$summary" 2>&1
    if [[ -z ${QUICK:-} && ${TESTS:-1} != 0 ]]; then
        step tests 180 "$out/tests.txt" env NO_COLOR=1 stdbuf -oL -eL "$bin/AugurPackageTests.xctest" --testing-library swift-testing
        [[ -n ${KERNELS:-} ]] && step kernels 75 "$out/kernels.jsonl" "$bin/augur-bench" --json --no-verify-cost
    fi
    local models=/tmp/augur-device-models target draft
    mkdir -p "$models"
    target=$models/qwen1.5b-shape.gguf
    draft=$models/qwen0.5b-shape.gguf
    if [[ -n ${QUICK:-} ]]; then
        "$bin/make-tiny-model" "$target" --layers 4 --hidden 256 --feed-forward 512 --heads 2 --kv-heads 1 --vocabulary 4096 --type q4_k --output-type q6_k
        "$bin/make-tiny-model" "$draft" --layers 2 --hidden 128 --feed-forward 256 --heads 2 --kv-heads 1 --vocabulary 4096 --type q5_0 --output-type q8_0
    else
        "$bin/make-tiny-model" "$target" --layers 28 --hidden 1536 --feed-forward 8960 --heads 12 --kv-heads 2 --vocabulary 151936 --context 4096 --type q4_k --output-type q6_k
        "$bin/make-tiny-model" "$draft" --layers 24 --hidden 896 --feed-forward 4864 --heads 14 --kv-heads 2 --vocabulary 151936 --context 4096 --type q5_0 --output-type q8_0
    fi >> "$summary" 2>&1
    local prompts=$models/prompts.txt
    printf '%s\n' "def fibonacci(n):" "Write a function that sorts a list of integers in place." > "$prompts"
    # Matvec configurations in the real pass: the verify-cost curve, kernel by kernel, for each;
    # the one with the cheapest 1- and 6-token passes runs the rest. By default the rows a lane
    # computes (the preferred 4 against 2 and 8) and the columns a pass (8 against 4 and 16).
    local sweep=$out/matvec-sweep.jsonl
    local base=lanes=32,workgroup=128
    : > "$sweep"
    for config in ${MATVEC_CONFIGS:-$base,rows=4,columns=8 $base,rows=2,columns=8 $base,rows=8,columns=8 $base,rows=4,columns=4 $base,rows=4,columns=16}; do
        step "matvec $config" 60 "$models/verify.json" env AUGUR_MATVEC="$config" "$bin/augur" bench --model "$target" \
            --prompts "$prompts" --verify-cost 1,2,4,6,8,12,16 --profile --json
        local curve
        curve=$(tr -d '\n' < "$models/verify.json")
        printf '{"config":"%s","curve":%s}\n' "$config" "${curve:-null}" >> "$sweep"
    done
    AUGUR_MATVEC=$(python3 Tools/device-sweep.py "$sweep" 2>> "$summary" | tee -a "$summary" | tail -1)
    export AUGUR_MATVEC
    echo "chosen AUGUR_MATVEC=$AUGUR_MATVEC" >> "$summary"
    real "$bin" "$out"
    step plain-1.5b 40 "$out/plain.json" "$bin/augur" generate "def fibonacci(n):" --model "$target" --max-tokens 128 --json
    step plain-0.5b 40 "$out/plain-draft.json" "$bin/augur" generate "def fibonacci(n):" --model "$draft" --max-tokens 128 --json
    cat "$out/plain.json" "$out/plain-draft.json" | sed 's/"text":"[^"]*",//' >> "$summary"
    step draft-rounds 75 "$out/draft-rounds.json" "$bin/augur" bench --model "$target" --draft-model "$draft" --prompts "$prompts" --max-tokens 64 --sweep 1,2,4,8 --stop-probability 1 --json
    step lookup 45 "$out/lookup.json" "$bin/augur" bench --model "$target" --lookup --prompts "$prompts" --max-tokens 128 --json
    bundle "$out"
    echo "== done" >> "$summary"
}

# bundle OUT: the JSON results in one file, results.jsonl ({"file": NAME, "result": ...} a line),
# since the device tool gives back at most 8 files.
bundle() {
    local out=$1 f
    for f in "$out"/*.json "$out"/*.jsonl; do
        [[ $f == "$out/results.jsonl" ]] && continue
        [[ -s $f ]] || { rm -f "$f"; continue; }
        if [[ $f == *.jsonl ]]; then
            while IFS= read -r line; do printf '{"file":"%s","result":%s}\n' "${f##*/}" "$line"; done < "$f"
        else
            printf '{"file":"%s","result":%s}\n' "${f##*/}" "$(tr -d '\n' < "$f")"
        fi
        rm -f "$f"
    done >> "$out/results.jsonl"
}

partBytes=$((60 * 1048576))
deviceModels=.build/device-models

# part FILE N (here): part N of FILE into .device/part; prints how many parts FILE has.
part() {
    local file=$1 n=$2
    mkdir -p .device
    dd if="$file" of=.device/part bs="$partBytes" skip="$n" count=1 status=none || exit 1
    echo "part $n of $(( ($(stat -c %s "$file") + partBytes - 1) / partBytes )) of $file: $(stat -c %s .device/part) bytes"
}

# receive NAME N (there): appends .device/part to $deviceModels/NAME if it is the next part.
receive() {
    local name=$1 n=$2 target=$deviceModels/$1
    [[ -f .device/part ]] || { echo "no .device/part: carry it" >&2; exit 1; }
    mkdir -p "$deviceModels"
    (( n == 0 )) && : > "$target"
    local have
    have=$(stat -c %s "$target" 2>/dev/null || echo -1)
    if (( have != n * partBytes )); then
        echo "part $n of $name refused: $have bytes there, part $n starts at $((n * partBytes))" >&2
        exit 1
    fi
    cat .device/part >> "$target"
    echo "$name: $(stat -c %s "$target") bytes"
}

# real BIN OUT: the real Qwen pair, if both arrived whole (with the chosen matvec configuration):
# plain and draft-model decoding on HumanEval 0-7, interleaved; fixed draft lengths and the
# adaptive length; the verify-cost curves of both models (the target's at each ATTENTION_SLOTS
# and with the norm fused or not, first); self-speculation and lookup.
real() {
    local bin=$1 out=$2 target=$deviceModels/qwen2.5-coder-1.5b.gguf draft=$deviceModels/qwen2.5-coder-0.5b.gguf
    local prompts=.device/humaneval.jsonl
    [[ -f $target && -f $prompts ]] || return 0
    if [[ $(stat -c %s "$target") != 1117320768 ]]; then echo "target incomplete" >> "$summary"; return 0; fi
    # First (short, and the open questions): attention's slots a step (AUGUR_ATTENTION) and the
    # RMSNorm fused into the projections or run as passes of its own (AUGUR_NORM), and SwiGLU fused
    # into the down projection or not (AUGUR_SWIGLU), each in the real pass over a HumanEval context.
    local slots norm swiglu
    for slots in ${ATTENTION_SLOTS:-4 8 16 32}; do
        step "real-attention slots=$slots" 30 "$out/real-attention-$slots.json" env AUGUR_ATTENTION=slots=$slots \
            "$bin/augur" bench --model "$target" --prompts "$prompts" --verify-cost 1,9 --profile --json
    done
    for norm in separate fused; do
        step "real-norm $norm" 30 "$out/real-norm-$norm.json" env AUGUR_NORM=$norm \
            "$bin/augur" bench --model "$target" --prompts "$prompts" --verify-cost 1,9 --profile --json
    done
    for swiglu in separate fused; do
        step "real-swiglu $swiglu" 30 "$out/real-swiglu-$swiglu.json" env AUGUR_SWIGLU=$swiglu \
            "$bin/augur" bench --model "$target" --prompts "$prompts" --verify-cost 1,9 --profile --json
    done
    if [[ $(stat -c %s "$draft" 2>/dev/null) == 491400064 ]]; then
        step real-draft 120 "$out/real-draft.json" "$bin/augur" bench --model "$target" --draft-model "$draft" \
            --prompts "$prompts" --max-tokens 64 --json
        step real-lengths 150 "$out/real-lengths.json" "$bin/augur" bench --model "$target" --draft-model "$draft" \
            --prompts "$prompts" --max-tokens 64 --sweep 1,2,3,4 --json
        step real-draft-cost 60 "$out/real-draft-cost.json" "$bin/augur" bench --model "$draft" --requantize q4_1 \
            --prompts "$prompts" --verify-cost 1,2,4 --profile --json
    fi
    step real-cost 60 "$out/real-cost.json" "$bin/augur" bench --model "$target" --prompts "$prompts" \
        --verify-cost 1,2,3,4,5,6,8,9 --profile --json
    step real-self 150 "$out/real-self.json" "$bin/augur" bench --model "$target" --self-spec --lookup --each \
        --prompts "$prompts" --max-tokens 64 --json
}

case ${1:-} in
    pack) pack ;;
    run) run ;;
    part) part "${2:?model file}" "${3:?part number}" ;;
    receive) receive "${2:?model name}" "${3:?part number}" ;;
    *) echo "usage: Tools/device-check.sh pack|run|part FILE N|receive NAME N" >&2; exit 2 ;;
esac
