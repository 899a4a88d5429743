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

/** The smallest KV cache worth serving with, GiB: below this vLLM refuses a useful context length. */
export const MIN_KV_CACHE_GIB = 1;

export const gib = (n: number) => `${n.toFixed(1)} GiB`;
