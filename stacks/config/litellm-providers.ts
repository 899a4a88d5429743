/**
 * The provider prefixes LiteLLM routes a `provider/model` by: the values of its `LlmProviders` enum,
 * which `litellm.provider_list` is made from. A model whose first segment is none of these is
 * refused at call time with "LLM Provider NOT provided. Pass in the LLM provider you are trying to
 * call" (get_llm_provider), so a Hugging Face id such as `meta-llama/Llama-3.3-70B-Instruct` or a
 * vendor name such as `nvidia/…` (LiteLLM's is `nvidia_nim`) never reaches a model.
 *
 * Sources, read in the code index on 2026-11-29 (copies of BerriAI/litellm, none at the gateway's
 * v1.85.0 tag exactly): litellm/types/utils.py `class LlmProviders` (commit 001c64f2), and the
 * OpenAI-compatible providers LiteLLM resolves from litellm/llms/openai_like/providers.json by
 * prefix before the enum (commit 00eb60c0; review s21c D1), plus providers older releases had and
 * the enum has since dropped (anyscale, palm, aleph_alpha, notdiamond; review s21c D1) and one its
 * tests resolve (cheaperinference). A provider newer than every copy read would be refused: add it here.
 */
export const LITELLM_PROVIDERS: readonly string[] = [
    "openai", "chatgpt", "openai_like", "jina_ai", "xai", "zai", "custom_openai", "text-completion-openai",
    "cohere", "cohere_chat", "clarifai", "anthropic", "anthropic_text", "bytez", "replicate", "reducto",
    "runwayml", "aws_polly", "huggingface", "together_ai", "openrouter", "datarobot", "vertex_ai",
    "vertex_ai_beta", "gemini", "ai21", "baseten", "black_forest_labs", "azure", "azure_text", "azure_ai",
    "sagemaker", "sagemaker_chat", "sagemaker_nova", "bedrock", "vllm", "nlp_cloud", "petals", "oobabooga",
    "ollama", "ollama_chat", "deepinfra", "perplexity", "mistral", "milvus", "groq", "a2a", "gigachat",
    "nvidia_nim", "nvidia_riva", "soniox", "cerebras", "ai21_chat", "volcengine", "codestral",
    "text-completion-codestral", "dashscope", "modelscope", "moonshot", "publicai", "v0", "morph",
    "lambda_ai", "inception", "text-completion-inception", "deepseek", "sambanova", "maritalk", "voyage",
    "cloudflare", "xinference", "fireworks_ai", "friendliai", "featherless_ai", "watsonx", "watsonx_text",
    "triton", "predibase", "databricks", "empower", "github", "ragflow", "compactifai",
    "docker_model_runner", "custom", "litellm_proxy", "hosted_vllm", "tencent", "llamafile", "lm_studio",
    "galadriel", "nebius", "infinity", "deepgram", "elevenlabs", "novita", "aiohttp_openai", "langfuse",
    "humanloop", "topaz", "sap", "assemblyai", "charity_engine", "github_copilot", "snowflake",
    "gradient_ai", "meta_llama", "nscale", "pg_vector", "s3_vectors", "helicone", "hyperbolic", "recraft",
    "fal_ai", "stability", "heroku", "aiml", "cometapi", "oci", "auto_router", "vercel_ai_gateway",
    "dotprompt", "manus", "wandb", "ovhcloud", "scaleway", "lemonade", "amazon_nova", "a2a_agent",
    "langgraph", "langflow", "minimax", "synthetic", "apertis", "nano-gpt", "poe", "chutes", "neosantara",
    "parasail", "xiaomi_mimo", "tensormesh", "libertai", "pinstripes", "darkbloom", "meta", "litellm_agent",
    "cursor", "bedrock_mantle", "gdc",
    // litellm/llms/openai_like/providers.json (the keys not also in the enum).
    "veniceai", "abliteration", "llamagate", "gmi", "sarvam", "aihubmix", "crusoe", "salad_cloud",
    // Dropped from the enum, present in releases before it.
    "anyscale", "palm", "aleph_alpha", "notdiamond", "cheaperinference",
];

/**
 * Providers that serve no model: prompt stores, vector stores, agent runners and LiteLLM's own
 * router (the enum's comments and their `litellm/` packages: prompt management under
 * `integrations/`, vector stores under `vector_stores/`, agents under `a2a_protocol/`). A route to
 * one of them never answers a chat request.
 */
export const NOT_A_MODEL_PROVIDER: readonly string[] = [
    "langfuse", "humanloop", "dotprompt", "pg_vector", "s3_vectors", "milvus", "a2a", "a2a_agent",
    "langgraph", "langflow", "litellm_agent", "auto_router",
];

/**
 * Servers one runs oneself, which LiteLLM reaches at their address (`api_base`), never at a
 * vendor's: a hosted entry gives a key alone, so the address is missing. hosted_vllm, for one, takes
 * it from `api_base` or `HOSTED_VLLM_API_BASE` and from nothing else (litellm/llms/hosted_vllm/chat/
 * transformation.py `_get_openai_compatible_provider_info`, code index, read 2026-11-29); `vllm/` is
 * LiteLLM's deprecated in-process vLLM SDK route, `hosted_vllm/` the one for a server
 * (docs.litellm.ai/docs/providers/vllm, updated 2026-10-09). A model served in the cluster belongs
 * under `inference.models`.
 */
export const SELF_RUN_SERVERS: readonly string[] = [
    "hosted_vllm", "vllm", "openai_like", "custom_openai", "custom", "lm_studio", "llamafile", "xinference",
    "oobabooga", "petals", "triton", "litellm_proxy", "docker_model_runner", "lemonade",
];
