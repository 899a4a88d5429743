import type { ResourceValidationPolicy } from "@pulumi/policy";
import { containerLabel, EXCLUDED_NAMESPACES_SCHEMA, imageReference, PodRuleConfig, validatePods } from "../kubernetes-pods";

/** Rules about what a pod's image and credentials are. */

// kube-linter latest-tag (BlockList `.*:(latest)$`, untagged names) and Polaris tagNotSpecified:
// an image needs a tag or digest, and `latest` is not a version.
export const podImagePinned: ResourceValidationPolicy = {
    name: "pod-image-pinned",
    description: "Container images are pinned by a version tag or digest, never untagged or `latest`.",
    enforcementLevel: "mandatory",
    configSchema: { properties: { excludedNamespaces: EXCLUDED_NAMESPACES_SCHEMA } },
    validateResource: validatePods<PodRuleConfig>((pod, report) => {
        for (const c of pod.containers) {
            const image = c.container.image;
            if (typeof image !== "string") continue; // unknown during preview
            const { tag, digest } = imageReference(image);
            if (digest !== undefined) continue;
            if (tag === undefined || tag === "latest") {
                report(`${containerLabel(c)}: image "${image}" is ${tag === undefined ? "untagged" : "tagged latest"}; pin a version tag (e.g. :v0.11.0) or a digest (@sha256:...)`);
            }
        }
    }),
};

// A tag can be moved to another image; a digest cannot (SLSA, "pin dependencies by hash";
// kubernetes.io/docs/concepts/containers/images, "Image names"). Advisory until every image we and
// the charts deploy carries one: the offline plan cannot read registries to learn the digests.
export const podImageDigest: ResourceValidationPolicy = {
    name: "pod-image-digest",
    description: "Container images are pinned by digest (@sha256:...), the readable tag kept beside it.",
    enforcementLevel: "advisory",
    configSchema: { properties: { excludedNamespaces: EXCLUDED_NAMESPACES_SCHEMA } },
    validateResource: validatePods<PodRuleConfig>((pod, report) => {
        for (const c of pod.containers) {
            const image = c.container.image;
            if (typeof image !== "string") continue; // unknown during preview
            if (imageReference(image).digest === undefined) {
                report(`${containerLabel(c)}: image "${image}" has no digest; pin it as ${image}@sha256:<digest>, read from the registry for that tag`);
            }
        }
    }),
};

interface SecretEnvConfig extends PodRuleConfig {
    secretNamePattern: string;
}

// kube-linter env-var-secret (name matches `(?i).*secret.*` with a non-empty value); widened to
// the usual credential suffixes. A literal value lands in the workload spec, the Pulumi state and
// `kubectl get -o yaml`; valueFrom.secretKeyRef keeps it in a Secret.
export const podNoLiteralSecretEnv: ResourceValidationPolicy = {
    name: "pod-no-literal-secret-env",
    description: "Environment variables named like credentials take their value from a Secret, not a literal.",
    enforcementLevel: "mandatory",
    configSchema: {
        properties: {
            excludedNamespaces: EXCLUDED_NAMESPACES_SCHEMA,
            secretNamePattern: {
                type: "string",
                default: "(PASSWORD|SECRET|TOKEN|API_KEY|KEY)$",
                description: "Case-insensitive regular expression for env var names that hold credentials.",
            },
        },
    },
    validateResource: validatePods<SecretEnvConfig>((pod, report, config) => {
        const pattern = new RegExp(config.secretNamePattern ?? "(PASSWORD|SECRET|TOKEN|API_KEY|KEY)$", "i");
        for (const c of pod.containers) {
            (c.container.env ?? []).forEach((e: Record<string, any>, i: number) => {
                if (pattern.test(String(e?.name ?? "")) && typeof e.value === "string" && e.value !== "") {
                    report(`${containerLabel(c)}: env[${i}] "${e.name}" has a literal value; reference a Secret with valueFrom.secretKeyRef instead`);
                }
            });
        }
    }),
};

// kube-linter default-service-account (serviceAccount `^(|default)$`). A pod may run as the
// namespace's default account only without its API token mounted (CIS Kubernetes 5.1.5/5.1.6).
export const podServiceAccountToken: ResourceValidationPolicy = {
    name: "pod-service-account-token",
    description: "Pods either use their own service account or do not mount the default account's API token.",
    enforcementLevel: "mandatory",
    configSchema: { properties: { excludedNamespaces: EXCLUDED_NAMESPACES_SCHEMA } },
    validateResource: validatePods<PodRuleConfig>((pod, report) => {
        const account = pod.spec.serviceAccountName ?? pod.spec.serviceAccount ?? "";
        if (account !== "" && account !== "default") return;
        if (pod.spec.automountServiceAccountToken === false) return;
        report(
            `${pod.specPath}: the pod runs as the namespace's "default" service account with its API token mounted; ` +
                `set ${pod.specPath}.automountServiceAccountToken: false, or give the workload its own serviceAccountName`,
        );
    }),
};

export const podCredentialPolicies = [podImagePinned, podImageDigest, podNoLiteralSecretEnv, podServiceAccountToken];
