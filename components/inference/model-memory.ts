/**
 * How much memory a model's weights take, so a model that cannot load is refused before anything
 * is created rather than found in a crash-looping pod. Weights only, plus a margin for vLLM's own
 * activations and CUDA graphs; the KV cache comes on top.
 */

export const DTYPES = ["auto", "bfloat16", "float16", "float32"] as const;
export type Dtype = (typeof DTYPES)[number];
export const QUANTIZATIONS = ["awq", "gptq", "fp8"] as const;
export type Quantization = (typeof QUANTIZATIONS)[number];

/** Bytes per parameter: 4-bit AWQ/GPTQ ≈ 0.5, FP8 1, 16-bit 2 (`auto` loads the checkpoint's, 16-bit for current models), FP32 4. */
export function bytesPerParameter(dtype: Dtype, quantization?: Quantization): number {
    if (quantization === "awq" || quantization === "gptq") return 0.5;
    if (quantization === "fp8") return 1;
    return dtype === "float32" ? 4 : 2;
}

/** Margin over the raw weights for activations, CUDA graphs and the runtime (vLLM's profiling run). */
const OVERHEAD = 1.2;

/** GiB the loaded model needs before any KV cache: weights × margin. */
export function weightsGib(parametersBillions: number, dtype: Dtype, quantization?: Quantization): number {
    return (parametersBillions * 1e9 * bytesPerParameter(dtype, quantization) * OVERHEAD) / 2 ** 30;
}

/**
 * GiB the checkpoint takes on disk, which the model's cache volume must hold: 4-bit AWQ/GPTQ 0.5
 * bytes a parameter, FP8 at least 1 (a 16-bit checkpoint vLLM quantises at load is 2), else 16-bit
 * (the assumption weightsGib makes too; a float32 load of a 16-bit checkpoint downloads 16 bits).
 */
export function checkpointGib(parametersBillions: number, quantization?: Quantization): number {
    return (parametersBillions * 1e9 * bytesPerParameter("auto", quantization)) / 2 ** 30;
}

/**
 * What vLLM's CPU server holds beside the weights and the KV cache, GiB: its API server and engine
 * processes each import torch before any weight loads. A measurement of the v0.30.0 CPU build
 * (a public kind-cluster note in the code index, read through sweep s21-23b, 2026-11-29) found
 * about 0.86 + 0.46 + 0.75 GB in its three processes, and a Qwen2.5-0.5B in bf16 with a 1 GiB
 * KV cache OOMKilled at 4 GiB. That is v0.30.0; the stacks pin v0.28.0, of the same V1 engine's
 * process layout (not verified). Not measured here: an estimate to keep a pod from a limit it dies at.
 */
export const CPU_RUNTIME_GIB = 2;

/** Host memory a GPU model's pod needs at least, GiB: vLLM's processes, plus 2 for the CUDA context and loading buffers (an estimate). */
export const GPU_HOST_MEMORY_FLOOR_GIB = CPU_RUNTIME_GIB + 2;

/** The smallest KV cache worth serving with, GiB: below this vLLM refuses a useful context length. */
export const MIN_KV_CACHE_GIB = 1;

export const gib = (n: number) => `${n.toFixed(1)} GiB`;
