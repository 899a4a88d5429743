/**
 * The attention shape of models Groundwork's stacks and docs name, as their Hugging Face
 * `config.json` gives it: enough to refuse two settings vLLM refuses at start, before anything is
 * made. A model not listed here is left to vLLM.
 *
 * - Tensor parallelism splits the attention heads across GPUs: "Total number of attention heads
 *   (…) must be divisible by tensor parallel size (…)" (vLLM ModelConfig.verify_with_parallel_config).
 * - vLLM starts only when one sequence of `--max-model-len` tokens fits the KV cache ("…KV cache is
 *   needed, which is larger than the available KV cache memory", check_enough_kv_cache_memory); on
 *   CPU that cache is VLLM_CPU_KVCACHE_SPACE. A token takes 2 (K and V) × layers × KV heads ×
 *   head size × bytes of the cache's dtype, which is the model's unless told otherwise.
 *
 * Shapes read 2026-11-29 in the code index from copies of each config.json (no Hugging Face access
 * here); each entry names what it was read from.
 */
export interface ModelShape {
    layers: number;
    attentionHeads: number;
    kvHeads: number;
    headDim: number;
    /**
     * `max_position_embeddings`: the longest `--max-model-len` vLLM takes for the model as published
     * ("User-specified max_model_len (…) is greater than the derived max_model_len", vllm
     * config/model.py, code index), unless told VLLM_ALLOW_LONG_MAX_MODEL_LEN, which Groundwork
     * never sets. Left out where the copies read disagree.
     */
    maxPositionEmbeddings?: number;
    /** Where the numbers were read. */
    source: string;
}

export const MODEL_SHAPES: Readonly<Record<string, ModelShape>> = {
    "Qwen/Qwen2.5-0.5B-Instruct": { layers: 24, attentionHeads: 14, kvHeads: 2, headDim: 64, maxPositionEmbeddings: 32768, source: "a verbatim copy of its config.json (hidden 896 = 14 × 64) and a geometry check of it, code index; 32768 positions in that copy and in a training run's printed Qwen2Config of it (sweep s22 M2)" },
    "Qwen/Qwen2.5-7B-Instruct": { layers: 28, attentionHeads: 28, kvHeads: 4, headDim: 128, source: "Qwen2-7B-Instruct's printed Qwen2Config and two fit-estimator tests of Qwen2.5-7B (hidden 3584 = 28 × 128), code index; its positions left out: copies give 32768 and 131072" },
    "meta-llama/Llama-3.1-8B-Instruct": { layers: 32, attentionHeads: 32, kvHeads: 8, headDim: 128, maxPositionEmbeddings: 131072, source: "Llama 3 8B's config.json (hidden 4096 = 32 × 128), code index; 131072 positions with the llama3 rope scaling, which vLLM does not multiply (copies of the 3.1 8B config, code index)" },
    "Qwen/Qwen2.5-1.5B-Instruct": { layers: 28, attentionHeads: 12, kvHeads: 2, headDim: 128, maxPositionEmbeddings: 32768, source: "a Qwen2 test config of its width (hidden 1536, 12 heads, 2 KV heads, head 128) and a model table giving its 28 layers, code index (sweep s21r-21); 32768 positions in three copies of its config.json and a transformers log loading it" },
    "meta-llama/Llama-3.2-1B-Instruct": { layers: 16, attentionHeads: 32, kvHeads: 8, headDim: 64, maxPositionEmbeddings: 131072, source: "a copy of Llama 3.2 1B's config (LLAMA32_1B_CONFIG: hidden 2048, head_dim 64, 131072 positions with llama3 rope scaling), code index" },
};

/** The shape on record for a Hugging Face id (compared without case, as the Hub resolves ids), or undefined. */
export function modelShape(model: string): ModelShape | undefined {
    const key = Object.keys(MODEL_SHAPES).find((k) => k.toLowerCase() === model.toLowerCase());
    return key === undefined ? undefined : MODEL_SHAPES[key];
}

/** Bytes one token takes in the KV cache at `bytesPerValue` (4 for float32, 2 for 16-bit). */
export function kvBytesPerToken(shape: ModelShape, bytesPerValue: number): number {
    return 2 * shape.layers * shape.kvHeads * shape.headDim * bytesPerValue;
}
