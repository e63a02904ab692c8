#!/bin/bash
# A dataset as a Slurm job array: one shard per array task, all writing into the description's output.dir
# (a shared file system). Each task makes the images i with i % N == its index; a task that is requeued or
# rerun skips the images it already made (their SHA-256 is in its manifest) and remakes the rest, bit for bit.
#
#   sbatch --array=0-7 examples/slurm-array.sh examples/dataset-sweep.json
#   # when every task has finished:
#   nanobragg dataset verify examples/dataset-sweep.json     # missing/corrupt images; writes frames/manifest.json
#
# The shard index is SLURM_ARRAY_TASK_ID - SLURM_ARRAY_TASK_MIN (0-based whatever the array's first number:
# --array=1-8 works as --array=0-7 does) and the shard count SLURM_ARRAY_TASK_COUNT; the array needs step 1
# (not --array=0-15:2); a throttle (--array=0-7%2) is fine. `dataset plan` first gives the time per image.
#SBATCH --job-name=nanobragg-dataset
#SBATCH --cpus-per-task=4
#SBATCH --mem=4G
#SBATCH --time=02:00:00
#SBATCH --output=nanobragg-%A_%a.log
set -euo pipefail
DESCRIPTION=${1:?usage: sbatch --array=0-N-1 slurm-array.sh DESCRIPTION.json}
# `nanobragg` is the package bin (npm install -g, or node /path/to/out/bin/nanobragg.mjs)
NANOBRAGG=${NANOBRAGG:-nanobragg}
# all the task's CPUs for one shard; or --backend wasm with --cpus-per-task=1 and a wider array
exec $NANOBRAGG dataset run "$DESCRIPTION" --backend wasm-threads --threads "${SLURM_CPUS_PER_TASK:-1}"
