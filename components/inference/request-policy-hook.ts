/**
 * The gateway's request-policy hook (components/inference/request-policy.ts says what it decides
 * and why), as the Python module LiteLLM loads from its config directory:
 * `litellm_settings.callbacks: ["groundwork_request_policy.request_policy"]` loads the attribute
 * `request_policy` of `<config dir>/groundwork_request_policy.py` (litellm/proxy/types_utils/utils.py
 * `get_instance_fn`). The proxy calls `async_pre_call_hook` only when the instance's own class
 * defines it (proxy/utils.py `ProxyLogging.pre_call_hook`); a returned dict replaces the request,
 * a returned string refuses it with HTTP 400 (`process_pre_call_hook_response`).
 */
export const REQUEST_POLICY_HOOK = `"""Groundwork's request policy for the LiteLLM proxy: guardrails, cache and data classes per request."""
import json
import os
import re

from litellm.integrations.custom_logger import CustomLogger

POLICY_FILE = os.environ.get("GROUNDWORK_REQUEST_POLICY") or os.path.join(os.path.dirname(os.path.abspath(__file__)), "request-policy.json")
# Cache controls a caller may still send: skip the cache, or accept only fresh answers.
CALLER_CACHE_CONTROLS = ("no-cache", "no-store", "s-maxage")
# Routing a caller may not bring: fallbacks of its own (one could take data off the cluster), a
# router built from its own model list (user_config), and test triggers that skip the model.
CALLER_ROUTING = ("fallbacks", "context_window_fallbacks", "content_policy_fallbacks", "user_config", "mock_response",
                  "mock_testing_fallbacks", "mock_testing_context_fallbacks", "mock_testing_content_policy_fallbacks",
                  # A cache key of the caller's own is used as it is, past the team's namespace.
                  "cache_key", "preset_cache_key",
                  # Where traces go, and whether they go: a caller's host would receive the project's keys.
                  "langfuse_host", "litellm_disabled_callbacks",
                  # Whether the call is logged at all, or its text (security review s24 S3); global_disable_no_log_param
                  # in the config makes LiteLLM ignore the first too.
                  "no-log", "turn_off_message_logging")
# Where the call goes and on whose credentials: LiteLLM's own call parameters (litellm/types/utils.py
# all_litellm_params, stored copies), which the proxy passes from the body to the router. A model_list of
# the caller's is matched by model name inside completion(), which then sends the route's provider key to
# the entry's api_base (BerriAI/litellm#30585, after v1.85.0; security review s26 H1); the others point a
# call elsewhere, on other credentials, price it themselves, or retry it without end.
CALLER_DEPLOYMENT = ("model_list", "deployments", "litellm_params", "model_info", "model_config", "base_model", "hf_model_name",
                     "api_key", "api_base", "base_url", "api_version", "api_type", "organization", "custom_llm_provider",
                     "headers", "extra_headers", "extra_body", "provider_specific_header", "litellm_credential_name", "use_litellm_proxy",
                     "configurable_clientside_auth_params", "allowed_openai_params", "use_in_pass_through",
                     "azure", "azure_ad_token", "azure_ad_token_provider", "azure_username", "azure_password", "azure_scope",
                     "tenant_id", "client_id", "client_secret", "region_name",
                     "aws_access_key_id", "aws_secret_access_key", "aws_session_token", "aws_region_name", "aws_profile_name",
                     "aws_role_name", "aws_session_name", "aws_web_identity_token", "aws_bedrock_runtime_endpoint", "aws_sts_endpoint",
                     "vertex_project", "vertex_location", "vertex_credentials", "vertex_ai_project", "vertex_ai_location",
                     "input_cost_per_token", "output_cost_per_token", "input_cost_per_second", "output_cost_per_second",
                     "num_retries", "max_retries", "retry_policy", "retry_strategy", "fallback_depth", "max_fallbacks", "cooldown_time",
                     "rpm", "tpm", "max_parallel_requests", "weight", "fastest_response", "max_budget", "budget_duration",
                     "caching", "caching_groups", "ttl", "client", "use_client", "logger_fn", "verbose", "self", "id",
                     "gcs_bucket_name", "gcs_path_service_account", "langsmith_api_key", "langsmith_project", "langsmith_base_url",
                     "humanloop_api_key", "arize_api_key", "arize_space_key",
                     # Logging callbacks of the caller's own, and where they send the call's log (review s25b R1).
                     "success_callback", "failure_callback", "callbacks", "service_callback",
                     # A router test trigger, and prompt management the stack does not use (review s25b R3).
                     "mock_timeout", "prompt_id", "prompt_variables", "prompt_label", "prompt_version")
# Any other destination or credential of a logging integration a later LiteLLM reads from the request
# (posthog_host, braintrust_host, slack_webhook_url...): dropped by its name's ending. Langfuse's are
# the team's (CALLER_TRACE_KEYS) and judged there.
CALLER_DESTINATION = re.compile(r"(_host|_url|_api_key|_secret|_secret_key|_token|_project|_bucket_name|_service_account)$")
# A value LiteLLM would read from the gateway's own environment (litellm get_secret: "os.environ/NAME").
ENVIRONMENT_REFERENCE = "os.environ/"
# Where the request's own text is, which may speak of anything.
REQUEST_TEXT = ("messages", "prompt", "input")
# What LiteLLM puts in the request itself: the raw request kept for logging, its logging object, secrets it read.
LITELLM_OWN = ("proxy_server_request", "litellm_logging_obj", "secret_fields")
# A caller's masks on its own trace: the Langfuse logger hides the prompt or answer when the metadata asks.
CALLER_TRACE_MASKS = ("mask_input", "mask_output")
# The same logging controls LiteLLM also reads from the call's metadata, and the headers that redact a
# trace's text (litellm redact_messages.py; review s24c F4, F5: read in stored copies, not at v1.85.0).
CALLER_LOGGING_METADATA = ("turn_off_message_logging", "langfuse_host")
CALLER_LOGGING_HEADERS = ("x-litellm-enable-message-redaction", "litellm-enable-message-redaction",
                          # Switches callbacks off where LiteLLM's licence allows it (security review s24b F6).
                          "x-litellm-disable-callbacks")
# A team without its own Langfuse project traces to the platform's: a caller may not send its own keys.
CALLER_TRACE_KEYS = ("langfuse_public_key", "langfuse_secret", "langfuse_secret_key")
# Where a caller can say who the end user is, besides the mapped header: LiteLLM reads the first it
# finds during auth, in this order after its own two headers (x-litellm-customer-id,
# x-litellm-end-user-id): body user, litellm_metadata.user, metadata.user_id, safety_identifier
# (litellm/proxy/auth/auth_utils.py get_end_user_id_from_request_body); the Langfuse callback also
# takes metadata.trace_user_id and a langfuse_trace_user_id header (research/l4-facts-s16.md).
CALLER_END_USER = ("user", "safety_identifier", "user_api_key_end_user_id")
CALLER_END_USER_METADATA = ("user_id", "user", "trace_user_id")
# What the key's end user set when auth looked it up: its budgets and limits, which LiteLLM copied.
END_USER_LIMITS = ("end_user_rpm_limit", "end_user_tpm_limit", "end_user_max_budget")
# Where LiteLLM writes the end user and their budgets into a call's metadata (add_litellm_data_to_request).
END_USER_SLOTS = ("user_api_key_end_user_id", "user_api_end_user_max_budget", "user_api_key_end_user_model_max_budget")


def names_environment(value, depth=0):
    """Whether a value, its keys or anything inside names os.environ/..."""
    if depth > 32:
        return True
    if isinstance(value, str):
        return ENVIRONMENT_REFERENCE in value
    if isinstance(value, dict):
        return any(names_environment(k, depth + 1) or names_environment(v, depth + 1) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return any(names_environment(v, depth + 1) for v in value)
    return False


def texts(data):
    """The request's text: chat messages (plain or in parts), a completion prompt, embedding input."""
    found = []
    for message in data.get("messages") or []:
        content = message.get("content") if isinstance(message, dict) else None
        if isinstance(content, str):
            found.append(content)
        elif isinstance(content, list):
            found.extend(part.get("text", "") for part in content if isinstance(part, dict) and isinstance(part.get("text"), str))
    for key in ("prompt", "input"):
        value = data.get(key)
        found.extend([value] if isinstance(value, str) else [v for v in value if isinstance(v, str)] if isinstance(value, list) else [])
    return "\\n".join(found)


class RequestPolicy(CustomLogger):
    def __init__(self, policy_file=POLICY_FILE):
        super().__init__()
        with open(policy_file) as f:
            self.policy = json.load(f)
        detect = self.policy["detect"]
        self.pii = {name: re.compile(p) for name, p in detect["pii"].items()}
        self.injection = {name: re.compile(p, re.IGNORECASE) for name, p in detect["promptInjection"].items()}

    def strictest(self, *modes):
        return max(modes, key=self.policy["modes"].index)

    def decide(self, team_id, data):
        """The request as it goes on, or a string saying why it is refused."""
        caller = data.get("cache") if isinstance(data.get("cache"), dict) else {}
        # Nothing is cached unless decided below, and a caller's own namespace never survives.
        data["cache"] = {"no-cache": True, "no-store": True}
        for key in CALLER_ROUTING + CALLER_DEPLOYMENT:
            data.pop(key, None)
        for key in [k for k in data if isinstance(k, str) and CALLER_DESTINATION.search(k) and not k.startswith("langfuse_")]:
            data.pop(key, None)
        # A reference to the gateway's environment would be read as the secret it names (review s25b R1).
        if any(names_environment(value) for key, value in data.items() if key not in REQUEST_TEXT + LITELLM_OWN):
            return "the request names %s..., the gateway's own environment, outside its messages; send values, not references" % ENVIRONMENT_REFERENCE
        model = data.get("model")
        route = self.policy["routes"].get(model) if isinstance(model, str) else None
        if route is None:
            # Exactly one route per request: LiteLLM would run "a,b" as a batch of two, unguarded.
            return "model %s is not a route of this gateway; routes: %s" % (json.dumps(model), ", ".join(sorted(self.policy["routes"])))
        team = self.policy["teams"].get(team_id) if team_id else None
        own_project = bool(team and team.get("ownProject"))
        if not own_project:
            for key in CALLER_TRACE_KEYS:
                data.pop(key, None)
        # From both metadata, and from the call's logging object, onto which LiteLLM may have copied them
        # before this hook runs (its standard_callback_dynamic_params, in stored copies; review s24d F2).
        logging_keys = CALLER_LOGGING_METADATA + (() if own_project else CALLER_TRACE_KEYS)
        params = getattr(data.get("litellm_logging_obj"), "standard_callback_dynamic_params", None)
        for held in (data.get("metadata"), data.get("litellm_metadata"), params):
            if isinstance(held, dict):
                for key in logging_keys:
                    held.pop(key, None)
        request = data.get("proxy_server_request") if isinstance(data.get("proxy_server_request"), dict) else {}
        for headers in (request.get("headers"), *((m or {}).get("headers") for m in (data.get("metadata"), data.get("litellm_metadata")) if isinstance(m, dict))):
            if isinstance(headers, dict):
                for name in [h for h in headers if str(h).lower() in CALLER_LOGGING_HEADERS]:
                    headers.pop(name, None)
        classes = self.policy["classes"]
        if team and classes.index(route["classification"]) < classes.index(team["dataClass"]):
            return "route %s carries %s data at most; team %s sends %s data" % (model, route["classification"], team_id, team["dataClass"])

        off = {"pii": "off", "promptInjection": "off", "responses": "off"}
        pii = self.strictest(route["pii"], (team or off)["pii"])
        injection = self.strictest(route["promptInjection"], (team or off)["promptInjection"])
        responses = "mask" if "mask" in (route["responses"], (team or off)["responses"]) else "off"
        names = self.policy["guardrails"]
        chosen = ([names["piiBlock"]] if pii == "block" else [names["piiMask"]] if pii == "mask" else [])
        chosen += [names["promptInjectionBlock"]] if injection == "block" else []
        chosen += [names["piiMaskResponses"]] if responses == "mask" else []

        findings = {}
        if "log" in (pii, injection):
            text = texts(data)
            if pii == "log":
                findings["pii"] = sorted(name for name, pattern in self.pii.items() if pattern.search(text))
            if injection == "log":
                findings["prompt_injection"] = sorted(name for name, pattern in self.injection.items() if pattern.search(text))
        # LiteLLM reads the list from the request's root, then metadata, then litellm_metadata
        # (custom_guardrail.py get_guardrail_from_metadata): whatever a caller put in any of them
        # is kept, and the one list goes where LiteLLM keeps its own metadata for this call:
        # litellm_metadata on Responses and /v1/messages (their 'metadata' is the provider's, sent on).
        buckets = [data.get(k) for k in ("metadata", "litellm_metadata") if isinstance(data.get(k), dict)]
        requested = []
        for given in [data.pop("guardrails", None)] + [b.pop("guardrails", None) for b in buckets]:
            requested += [g for g in given if isinstance(g, str) and g not in requested] if isinstance(given, list) else []
        key = "litellm_metadata" if isinstance(data.get("litellm_metadata"), dict) else "metadata"
        if not isinstance(data.get(key), dict):
            data[key] = {}
        metadata = data[key]
        metadata["guardrails"] = requested + [n for n in chosen if n not in requested]
        # What the guardrails were asked to do, on the call's Langfuse trace (generation metadata).
        metadata["groundwork_guardrails"] = dict({"pii": pii, "prompt_injection": injection, "responses": responses}, **({"found": findings} if findings else {}))

        if route.get("cacheTtlSeconds") and team:
            controls = {k: v for k, v in caller.items() if k in CALLER_CACHE_CONTROLS}
            # Per team, and so per data class: one team never reads another's answers.
            data["cache"] = dict(controls, **{"use-cache": True, "ttl": route["cacheTtlSeconds"], "namespace": "%s.%s" % (team["dataClass"], team_id)})
        return data

    def attribute(self, key, data):
        """The call's end user: the person the chat UI's key names in its header, else nobody.

        LiteLLM takes the end user from whatever the caller sends, with any key. Spend logs, customer
        spend, Prometheus and the Langfuse trace read it later from the call's metadata, after this
        hook, so it is set there; and every caller-chosen source is dropped.
        """
        end_users = self.policy.get("endUsers") or {}
        trusted = any(getattr(key, "team_id", None) == k["team"] and getattr(key, "key_alias", None) == k["alias"] for k in end_users.get("keys", []))
        request = data.get("proxy_server_request") if isinstance(data.get("proxy_server_request"), dict) else {}
        headers = request.get("headers") if isinstance(request.get("headers"), dict) else {}
        person = None
        if trusted:
            lowered = {str(name).lower(): value for name, value in headers.items()}
            for name in end_users.get("headers", []):
                value = lowered.get(name.lower())
                if isinstance(value, str) and value.strip():
                    person = value.strip()
                    break
        for field in CALLER_END_USER:
            data.pop(field, None)
        for name in [h for h in headers if str(h).lower().startswith("langfuse_")]:
            headers.pop(name, None)
        for bucket in ("metadata", "litellm_metadata"):
            meta = data.get(bucket)
            if isinstance(meta, dict):
                for field in CALLER_END_USER_METADATA + CALLER_TRACE_MASKS:
                    meta.pop(field, None)
                if isinstance(meta.get("requester_metadata"), dict):
                    for field in CALLER_END_USER_METADATA:
                        meta["requester_metadata"].pop(field, None)
        # LiteLLM's own metadata for the call, as decide() finds it: litellm_metadata on Responses and
        # /v1/messages, whose 'metadata' goes to the provider. Set, never removed: the Langfuse logger
        # reads it. And wherever LiteLLM already wrote the slot: a caller sending an empty
        # litellm_metadata on /chat/completions must not leave the forged one in metadata.
        own = "litellm_metadata" if isinstance(data.get("litellm_metadata"), dict) else "metadata"
        if not isinstance(data.get(own), dict):
            data[own] = {}
        for bucket in ("metadata", "litellm_metadata"):
            meta = data.get(bucket)
            if isinstance(meta, dict) and (bucket == own or any(k in meta for k in END_USER_SLOTS)):
                meta.update(dict.fromkeys(END_USER_SLOTS), user_api_key_end_user_id=person)
        if person is None:
            data.pop("allowed_model_region", None)
        try:
            key.end_user_id = person
            for field in END_USER_LIMITS:
                if hasattr(key, field):
                    setattr(key, field, None)
        except (AttributeError, TypeError, ValueError):
            pass

    async def async_pre_call_hook(self, user_api_key_dict, cache, data, call_type):
        self.attribute(user_api_key_dict, data)
        return self.decide(getattr(user_api_key_dict, "team_id", None), data)


request_policy = RequestPolicy()
`;
