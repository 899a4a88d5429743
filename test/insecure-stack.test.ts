import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { PolicyReport, ReportedViolation } from "../plan/policy-report";
import { planCli } from "./helpers";

/**
 * The insecure fixture (test/fixtures/insecure/) breaks rules on purpose. Planned offline through
 * `npm run plan -- --program`, every policy pack must catch it: the plan exits 3 and its report
 * names each expected violation with its pack, level, resource and message.
 */

const FIXTURE = "test/fixtures/insecure";

interface Expected {
    pack: string;
    policy: string;
    level: "mandatory" | "advisory";
    /** `type` and logical name of the resource, or null for a stack-wide violation. */
    resource: { type: string; name: string } | null;
    /** A part of the message that names the broken field. */
    message: string;
}

const INSTANCE = "aws:ec2/instance:Instance";
const DEPLOYMENT = "kubernetes:apps/v1:Deployment";
const CONFIG_MAP = "kubernetes:core/v1:ConfigMap";
const ROUTE = "kubernetes:traefik.io/v1alpha1:IngressRoute";

const EXPECTED: Expected[] = [
    // what charts and operators render (test/fixtures/insecure/charts.ts), through their models
    { pack: "security", policy: "pod-security-admission", level: "mandatory", resource: { type: "kubernetes:apps/v1:StatefulSet", name: "insecure-data/qdrant" }, message: 'rejected by namespace "insecure-data" (Pod Security restricted): spec.template.spec.initContainers[0] "ensure-dir-ownership"' },
    { pack: "reliability", policy: "pod-placement-schedulable", level: "mandatory", resource: { type: "kubernetes:batch/v1:Job", name: "insecure-certs/cert-manager-startupapicheck" }, message: "post-install hook Job insecure-certs/cert-manager-startupapicheck fits no node: aws-server-0 lacks groundwork.dev/placement=gpu; gpu-0 has nvidia.com/gpu=present:NoSchedule" },
    { pack: "security", policy: "mesh-admits-outside-callers", level: "mandatory", resource: { type: "kubernetes:core/v1:Pod", name: "insecure-data/vectors-db-1" }, message: "port 8000 of Pod insecure-data/vectors-db-1 is called by kubelet (HTTPS probe) and the cnpg operator from unmeshed cnpg-system, which default-inbound-policy all-authenticated refuses" },
    // security
    { pack: "security", policy: "aws-ec2-imdsv2-required", level: "mandatory", resource: { type: INSTANCE, name: "gpu-node" }, message: 'metadataOptions.httpTokens is "unset"' },
    { pack: "security", policy: "aws-ec2-imdsv2-required", level: "mandatory", resource: { type: INSTANCE, name: "gpu-node" }, message: 'metadataOptions.httpPutResponseHopLimit is "unset"' },
    { pack: "security", policy: "aws-ec2-imdsv2-required", level: "mandatory", resource: { type: INSTANCE, name: "training-node" }, message: 'metadataOptions.httpTokens is "optional"' },
    { pack: "security", policy: "aws-ec2-imdsv2-required", level: "mandatory", resource: { type: INSTANCE, name: "training-node" }, message: 'metadataOptions.httpPutResponseHopLimit is "unset"' },
    { pack: "security", policy: "aws-ec2-imdsv2-required", level: "mandatory", resource: { type: INSTANCE, name: "burst-node" }, message: "metadataOptions.httpPutResponseHopLimit is 2" },
    { pack: "security", policy: "aws-no-public-admin-ingress", level: "mandatory", resource: { type: "aws:ec2/securityGroup:SecurityGroup", name: "wide-open" }, message: "ingress[0] admits 0.0.0.0/0 to port(s) 22" },
    { pack: "security", policy: "aws-no-public-admin-ingress", level: "mandatory", resource: { type: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", name: "wide-open-api" }, message: "admits 0.0.0.0/0 to port(s) 6443" },
    { pack: "security", policy: "aws-kms-key-rotation", level: "mandatory", resource: { type: "aws:kms/key:Key", name: "unrotated" }, message: "enableKeyRotation must be true" },
    { pack: "security", policy: "aws-iam-no-admin-statement", level: "mandatory", resource: { type: "aws:iam/userPolicy:UserPolicy", name: "ci-robot-admin" }, message: 'Statement[0] allows Action "*" on Resource "*"' },
    { pack: "security", policy: "oci-legacy-imds-disabled", level: "mandatory", resource: { type: "oci:Core/instance:Instance", name: "etcd-server" }, message: "instanceOptions.areLegacyImdsEndpointsDisabled must be true" },
    { pack: "security", policy: "oci-no-public-admin-ingress", level: "mandatory", resource: { type: "oci:Core/securityList:SecurityList", name: "wide-open" }, message: 'ingressSecurityRules[0] ("ssh from anywhere") admits 0.0.0.0/0 to port(s) 22' },
    { pack: "security", policy: "pod-no-privileged", level: "mandatory", resource: { type: DEPLOYMENT, name: "legacy-api" }, message: "securityContext.privileged must not be true" },
    { pack: "security", policy: "pod-image-pinned", level: "mandatory", resource: { type: DEPLOYMENT, name: "legacy-api" }, message: 'image "nginx:latest" is tagged latest' },
    { pack: "security", policy: "pod-image-digest", level: "advisory", resource: { type: DEPLOYMENT, name: "legacy-api" }, message: 'image "nginx:latest" has no digest' },
    { pack: "security", policy: "pod-no-host-path", level: "mandatory", resource: { type: DEPLOYMENT, name: "legacy-api" }, message: 'volumes[0] "host-root": hostPath "/" is not allowed' },
    { pack: "security", policy: "pod-no-literal-secret-env", level: "mandatory", resource: { type: DEPLOYMENT, name: "legacy-api" }, message: 'env[0] "DB_PASSWORD" has a literal value' },
    { pack: "security", policy: "pod-no-host-namespaces", level: "mandatory", resource: { type: DEPLOYMENT, name: "legacy-api" }, message: "spec.template.spec.hostNetwork must not be true" },
    { pack: "security", policy: "pod-host-network-only-k3s", level: "mandatory", resource: { type: DEPLOYMENT, name: "legacy-api" }, message: "spec.template.spec.hostNetwork is true in namespace" },
    { pack: "security", policy: "pod-run-as-non-root", level: "mandatory", resource: { type: DEPLOYMENT, name: "legacy-api" }, message: "securityContext.runAsUser must not be 0" },
    { pack: "security", policy: "namespace-pod-security-enforced", level: "mandatory", resource: { type: "kubernetes:core/v1:Namespace", name: "apps" }, message: 'namespace "insecure-apps" is "unset"' },
    { pack: "security", policy: "namespace-network-policy", level: "mandatory", resource: { type: "kubernetes:core/v1:Namespace", name: "apps" }, message: "namespace insecure-apps has no NetworkPolicy selecting all its pods" },
    { pack: "security", policy: "metadata-egress-blocked", level: "mandatory", resource: { type: "kubernetes:core/v1:Namespace", name: "apps" }, message: "pods in namespace insecure-apps can reach the instance metadata service at 169.254.169.254" },
    { pack: "security", policy: "cloud-key-justified", level: "mandatory", resource: { type: "aws:iam/accessKey:AccessKey", name: "ci-deployer" }, message: "AccessKey ci-deployer is a long-lived key on user ci-deployer, which does not say why a role would not do" },
    { pack: "security", policy: "cloud-key-justified", level: "mandatory", resource: { type: "aws:iam/userPolicy:UserPolicy", name: "ci-deployer" }, message: "user ci-deployer's policy ci-deployer allows *" },
    { pack: "security", policy: "cloud-key-justified", level: "mandatory", resource: { type: "oci:Identity/user:User", name: "uploader" }, message: "CustomerSecretKey uploader: user uploader may also hold API signing keys, auth tokens, a console password, SMTP credentials" },
    { pack: "security", policy: "cloud-key-justified", level: "mandatory", resource: { type: "oci:Identity/policy:Policy", name: "uploaders" }, message: "(object-family across the whole compartment: no where condition on a target) by policy uploaders" },
    { pack: "data", policy: "bucket-versions-kept-from-keys", level: "mandatory", resource: { type: "oci:Identity/policy:Policy", name: "uploaders" }, message: "Policy uploaders lets \"Allow group uploaders to manage object-family in compartment id ocid1.compartment.oc1..aaaaaaaainsecurefixture\" destroy object versions" },
    { pack: "data", policy: "bucket-versions-kept-from-keys", level: "mandatory", resource: { type: "aws:iam/userPolicy:UserPolicy", name: "ci-deployer" }, message: "UserPolicy ci-deployer allows *, which destroys object versions" },
    { pack: "security", policy: "k3s-server-token-only-on-servers", level: "mandatory", resource: { type: INSTANCE, name: "burst-node" }, message: "is built from the k3s server token (k3s-token) but is a k3s agent" },
    { pack: "security", policy: "k3s-server-token-only-on-servers", level: "mandatory", resource: { type: INSTANCE, name: "training-node" }, message: "is a k3s server whose user data is built from the k3s server token (k3s-token): the instance's metadata service serves user data" },
    { pack: "security", policy: "k3s-server-token-only-on-servers", level: "mandatory", resource: { type: INSTANCE, name: "burst-node" }, message: "is built from the k3s server CA's private key (k3s-server-ca) but is a k3s agent" },
    // its repository's workflows (test/fixtures/insecure/.github/workflows, beside the stack file)
    { pack: "security", policy: "pull-request-jobs-without-secrets", level: "mandatory", resource: null, message: "preview.yml: hands PULUMI_ACCESS_TOKEN to a pull-request workflow" },
    { pack: "security", policy: "pull-request-jobs-without-secrets", level: "mandatory", resource: null, message: "preview.yml: job preview runs the pull request's code with a token that can write (pull-requests: write)" },
    { pack: "security", policy: "pull-request-jobs-without-secrets", level: "mandatory", resource: null, message: "preview.yml: job preview gives secrets PULUMI_ACCESS_TOKEN, AWS_SECRET_ACCESS_KEY to pull-request code" },
    { pack: "security", policy: "pull-request-jobs-without-secrets", level: "mandatory", resource: null, message: "preview.yml: job preview lets pull-request code mint a cloud OIDC token" },
    { pack: "security", policy: "namespace-default-deny-ingress", level: "mandatory", resource: { type: "kubernetes:core/v1:Namespace", name: "apps" }, message: "namespace insecure-apps takes ingress from anywhere" },
    { pack: "security", policy: "namespace-default-deny-ingress", level: "mandatory", resource: { type: DEPLOYMENT, name: "kube-system/coredns" }, message: "namespace kube-system takes ingress from anywhere" },
    { pack: "security", policy: "namespace-default-deny-egress", level: "mandatory", resource: { type: "kubernetes:core/v1:Namespace", name: "apps" }, message: "pods in namespace insecure-apps may connect anywhere" },
    { pack: "security", policy: "namespace-default-deny-egress", level: "mandatory", resource: { type: DEPLOYMENT, name: "kube-system/coredns" }, message: "pods in namespace kube-system may connect anywhere" },
    { pack: "security", policy: "mesh-server-per-port", level: "mandatory", resource: { type: "kubernetes:apps/v1:StatefulSet", name: "insecure-data/qdrant" }, message: "port 6333 (http) of StatefulSet insecure-data/qdrant has no Linkerd Server" },
    { pack: "security", policy: "mesh-server-per-port", level: "mandatory", resource: { type: "kubernetes:core/v1:Pod", name: "insecure-data/vectors-db-1" }, message: "port 5432 (postgresql) of Pod insecure-data/vectors-db-1 has no Linkerd Server" },
    { pack: "security", policy: "mesh-server-per-port", level: "mandatory", resource: { type: "kubernetes:apps/v1:StatefulSet", name: "insecure-data/qdrant" }, message: "port 6060 (undeclared, the target of Service insecure-data/qdrant-debug's port 80) of StatefulSet insecure-data/qdrant has no Linkerd Server" },
    { pack: "security", policy: "namespace-pod-security-enforced", level: "mandatory", resource: { type: "kubernetes:core/v1:Namespace", name: "inference" }, message: 'namespace "insecure-inference" is "privileged"' },
    { pack: "security", policy: "helm-release-version-pinned", level: "mandatory", resource: { type: "kubernetes:helm.sh/v3:Release", name: "vault" }, message: 'version of chart "vault" is "^0.34"' },
    { pack: "security", policy: "notebooks-admit-named-people", level: "mandatory", resource: { type: "kubernetes:helm.sh/v3:Release", name: "notebooks" }, message: "hub.config.GenericOAuthenticator.allow_all is true with accounts.google.com, which signs in any account on the internet" },
    { pack: "security", policy: "helm-release-trusted-repository", level: "mandatory", resource: { type: "kubernetes:helm.sh/v3:Release", name: "vault" }, message: 'repositoryOpts.repo "http://helm.releases.hashicorp.com" is not https://' },
    { pack: "security", policy: "service-exposed-only-by-ingress", level: "mandatory", resource: { type: "kubernetes:core/v1:Service", name: "vllm-unreviewed" }, message: 'spec.type "LoadBalancer" exposes Service insecure-inference/vllm-unreviewed' },
    { pack: "security", policy: "admin-endpoint-not-public", level: "mandatory", resource: { type: ROUTE, name: "gateway-everything" }, message: "routes / of llm-gateway on websecure, beyond its public API (/v1)" },
    { pack: "security", policy: "admin-endpoint-not-public", level: "mandatory", resource: { type: ROUTE, name: "vault-public" }, message: "declares an admin audience but is served on websecure" },
    { pack: "security", policy: "admin-endpoint-not-public", level: "mandatory", resource: { type: ROUTE, name: "docs" }, message: "to admin service vault (through the alias docs) on websecure" },
    { pack: "security", policy: "ingress-reads-own-namespace", level: "mandatory", resource: { type: "kubernetes:helm.sh/v4:Chart", name: "traefik" }, message: "Traefik release traefik in insecure-ingress reads every Secret in the cluster" },
    { pack: "security", policy: "ingress-reads-own-namespace", level: "mandatory", resource: { type: ROUTE, name: "vault-public" }, message: "IngressRoute insecure-inference/vault-public is outside the ingress controller's namespace" },
    { pack: "security", policy: "notebook-servers-deny-by-default", level: "mandatory", resource: { type: "kubernetes:core/v1:Pod", name: "insecure-data/jupyter-{username}" }, message: "people's notebook servers (Pod insecure-data/jupyter-{username}) default to all-authenticated" },
    { pack: "security", policy: "mesh-trust-anchor-confined", level: "mandatory", resource: { type: "kubernetes:cert-manager.io/v1:Certificate", name: "identity-issuer" }, message: "Certificate insecure-mesh/linkerd-identity-issuer issues Linkerd's identity issuer from the namespaced Issuer mesh-root, so the trust anchor's key is a Secret in insecure-mesh" },
    // cert-manager without the policies that hold its controller and CA injector to what they do (review s23 F2, F3).
    { pack: "security", policy: "controller-writes-fenced", level: "mandatory", resource: { type: "kubernetes:helm.sh/v4:Chart", name: "cert-manager" }, message: "system:serviceaccount:insecure-certs:cert-manager may create pods and write Secrets in every namespace" },
    { pack: "security", policy: "controller-writes-fenced", level: "mandatory", resource: { type: "kubernetes:helm.sh/v4:Chart", name: "cert-manager" }, message: "system:serviceaccount:insecure-certs:cert-manager-cainjector may update every webhook configuration, APIService and CRD" },
    { pack: "security", policy: "service-external-ips-denied", level: "mandatory", resource: { type: "kubernetes:core/v1:Namespace", name: "apps" }, message: "nothing refuses a Service with spec.externalIPs" },
    { pack: "security", policy: "service-types-denied", level: "mandatory", resource: { type: "kubernetes:core/v1:Namespace", name: "apps" }, message: "nothing refuses a LoadBalancer Service outside the ingress's namespace" },
    { pack: "security", policy: "service-types-denied", level: "mandatory", resource: { type: "kubernetes:core/v1:Namespace", name: "apps" }, message: "nothing refuses a NodePort Service outside the ingress's namespace" },
    { pack: "security", policy: "node-registration-fenced", level: "mandatory", resource: { type: "kubernetes:core/v1:Namespace", name: "apps" }, message: "nothing refuses a kubelet's Node under a name the stack gives no node (groundwork-probe-stranger)" },
    { pack: "security", policy: "node-registration-fenced", level: "mandatory", resource: { type: "kubernetes:core/v1:Namespace", name: "apps" }, message: "nothing refuses system:k3s-controller a change to a Node's labels" },
    { pack: "security", policy: "cloud-host-keys-pinned-at-boot", level: "advisory", resource: { type: "command:remote:Command", name: "fixture-node-ssh-host-key" }, message: "fixture-node-ssh-host-key reads a cloud node's SSH host key over a connection that verified none" },
    { pack: "security", policy: "api-server-reaches-webhooks", level: "mandatory", resource: { type: DEPLOYMENT, name: "insecure-certs/cert-manager-webhook" }, message: "port 10250 of Deployment insecure-certs/cert-manager-webhook is called by the API server (a webhook or an aggregated API), but the NetworkPolicies that isolate its ingress (webhook-from-pods) admit it from no address" },
    { pack: "security", policy: "mesh-opt-out-denied", level: "mandatory", resource: { type: "kubernetes:core/v1:Namespace", name: "data" }, message: "nothing refuses a pod that opts out of the mesh (linkerd.io/inject: disabled) in namespace insecure-data, which Linkerd meshes" },
    { pack: "security", policy: "local-path-fenced", level: "mandatory", resource: { type: "kubernetes:core/v1:Namespace", name: "apps" }, message: "nothing holds k3s's local-path provisioner to its helper pods" },
    { pack: "security", policy: "ui-route-single-sign-on", level: "mandatory", resource: { type: ROUTE, name: "chat-open" }, message: "routes a UI without single sign-on" },
    { pack: "security", policy: "public-route-tls", level: "mandatory", resource: { type: ROUTE, name: "chat-open" }, message: "serves every entrypoint without spec.tls" },
    // reliability
    { pack: "reliability", policy: "aws-spot-max-price", level: "mandatory", resource: { type: INSTANCE, name: "gpu-node" }, message: 'instanceMarketOptions.spotOptions.maxPrice is "unset"' },
    { pack: "reliability", policy: "pod-resources-set", level: "mandatory", resource: { type: DEPLOYMENT, name: "legacy-api" }, message: "resources.requests.cpu, resources.requests.memory, resources.limits.memory missing" },
    { pack: "reliability", policy: "pod-readiness-probe", level: "mandatory", resource: { type: DEPLOYMENT, name: "legacy-api" }, message: "readinessProbe is missing" },
    { pack: "reliability", policy: "pod-liveness-probe", level: "advisory", resource: { type: DEPLOYMENT, name: "legacy-api" }, message: "livenessProbe is missing" },
    { pack: "reliability", policy: "rolling-update-keeps-ready", level: "mandatory", resource: { type: DEPLOYMENT, name: "legacy-api" }, message: "spec.strategy.type Recreate stops all 3 replica(s)" },
    { pack: "reliability", policy: "workload-disruption-budget", level: "mandatory", resource: { type: DEPLOYMENT, name: "legacy-api" }, message: "Deployment insecure-apps/legacy-api: no PodDisruptionBudget selects its pods" },
    { pack: "reliability", policy: "disruption-budget-allows-eviction", level: "advisory", resource: { type: "kubernetes:policy/v1:PodDisruptionBudget", name: "vllm-unreviewed" }, message: "spec.minAvailable 2 leaves no pod" },
    // data
    { pack: "data", policy: "ebs-encrypted", level: "mandatory", resource: { type: INSTANCE, name: "gpu-node" }, message: "rootBlockDevice.encrypted is not true" },
    { pack: "data", policy: "kms-key-deletion-window", level: "mandatory", resource: { type: "aws:kms/key:Key", name: "unrotated" }, message: "deletionWindowInDays 7, below 30" },
    { pack: "data", policy: "s3-bucket-encrypted", level: "mandatory", resource: { type: "aws:s3/bucket:Bucket", name: "open-data" }, message: "has no BucketServerSideEncryptionConfiguration" },
    { pack: "data", policy: "s3-bucket-versioning", level: "mandatory", resource: { type: "aws:s3/bucket:Bucket", name: "open-data" }, message: "has no BucketVersioning" },
    { pack: "data", policy: "s3-public-access-blocked", level: "mandatory", resource: { type: "aws:s3/bucket:Bucket", name: "open-data" }, message: "has no BucketPublicAccessBlock" },
    { pack: "data", policy: "oci-bucket-private", level: "mandatory", resource: { type: "oci:ObjectStorage/bucket:Bucket", name: "public-backups" }, message: "has accessType ObjectRead" },
    { pack: "data", policy: "oci-bucket-versioning", level: "mandatory", resource: { type: "oci:ObjectStorage/bucket:Bucket", name: "public-backups" }, message: "has versioning Disabled" },
    { pack: "data", policy: "oci-bucket-customer-key", level: "advisory", resource: { type: "oci:ObjectStorage/bucket:Bucket", name: "public-backups" }, message: "has no kmsKeyId" },
    { pack: "data", policy: "postgres-backup-configured", level: "mandatory", resource: { type: "kubernetes:postgresql.cnpg.io/v1:Cluster", name: "orders-db" }, message: "Cluster orders-db has no WAL archive" },
    { pack: "data", policy: "postgres-scheduled-backup", level: "mandatory", resource: { type: "kubernetes:postgresql.cnpg.io/v1:Cluster", name: "orders-db" }, message: "insecure-apps/orders-db has no ScheduledBackup" },
    { pack: "data", policy: "backup-retention-policy", level: "mandatory", resource: { type: "kubernetes:barmancloud.cnpg.io/v1:ObjectStore", name: "orders-db-backups" }, message: "spec.retentionPolicy is unset" },
    { pack: "data", policy: "stateful-release-persistence", level: "mandatory", resource: { type: "kubernetes:helm.sh/v3:Release", name: "vault" }, message: "server.dev.enabled is true" },
    { pack: "data", policy: "server-boot-volume-preserved", level: "advisory", resource: { type: "oci:Core/instance:Instance", name: "etcd-server" }, message: "is a k3s server but preserveBootVolume is false" },
    // cost (the budget comes from the fixture's groundwork:cost.monthlyBudgetUsd)
    { pack: "cost", policy: "monthly-budget", level: "mandatory", resource: null, message: "over the monthlyBudgetUsd of $100.00" },
    { pack: "cost", policy: "gpu-instance-allow-list", level: "mandatory", resource: { type: INSTANCE, name: "gpu-node" }, message: "instanceType p4d.24xlarge is not in allowedGpuInstanceTypes" },
    { pack: "cost", policy: "gpu-instance-allow-list", level: "mandatory", resource: { type: INSTANCE, name: "training-node" }, message: "instanceType p3.8xlarge is not in allowedGpuInstanceTypes" },
    { pack: "cost", policy: "spot-cap-below-on-demand", level: "mandatory", resource: { type: INSTANCE, name: "burst-node" }, message: "above the on-demand" },
    { pack: "cost", policy: "priced-instance-types", level: "advisory", resource: { type: INSTANCE, name: "training-node" }, message: "instanceType p3.8xlarge in us-east-1 has no price" },
    { pack: "cost", policy: "eip-attached", level: "advisory", resource: { type: "aws:ec2/eip:Eip", name: "idle-address" }, message: "Elastic IP idle-address is not attached" },
    // ai-use
    { pack: "ai-use", policy: "model-allow-list", level: "mandatory", resource: { type: DEPLOYMENT, name: "vllm-unreviewed" }, message: '--model "fixture-org/unreviewed-uncensored-70b" is not on the model allow-list' },
    { pack: "ai-use", policy: "model-revision-pinned", level: "mandatory", resource: { type: DEPLOYMENT, name: "vllm-unreviewed" }, message: '--revision "main" is a branch or tag, not a commit' },
    { pack: "ai-use", policy: "vllm-only-behind-gateway", level: "mandatory", resource: { type: "kubernetes:core/v1:Service", name: "vllm-unreviewed" }, message: 'selects vLLM pods but spec.type is "LoadBalancer"' },
    { pack: "ai-use", policy: "gateway-traces-to-langfuse", level: "mandatory", resource: { type: CONFIG_MAP, name: "llm-gateway" }, message: "litellm_settings.success_callback is [] and litellm_settings.callbacks names no Langfuse callback" },
    { pack: "ai-use", policy: "gateway-traces-to-langfuse", level: "mandatory", resource: { type: CONFIG_MAP, name: "llm-gateway" }, message: "litellm_settings.failure_callback is [] and litellm_settings.callbacks names no Langfuse callback" },
    { pack: "ai-use", policy: "gateway-secrets-by-reference", level: "mandatory", resource: { type: CONFIG_MAP, name: "llm-gateway" }, message: 'data["config.yaml"] model_list[0].litellm_params.api_key is a literal value' },
    { pack: "ai-use", policy: "gateway-secrets-by-reference", level: "mandatory", resource: { type: CONFIG_MAP, name: "llm-gateway" }, message: 'data["config.yaml"] general_settings.master_key is a literal value' },
    { pack: "ai-use", policy: "gateway-secrets-by-reference", level: "mandatory", resource: { type: CONFIG_MAP, name: "llm-gateway" }, message: 'data["config.yaml"] contains a value shaped like a credential' },
    { pack: "ai-use", policy: "restricted-data-stays-in-cluster", level: "mandatory", resource: { type: CONFIG_MAP, name: "llm-gateway" }, message: 'model_list[0] ("contracts", litellm_params.model "openai/gpt-4o") is classified "restricted" but leaves the cluster' },
    { pack: "ai-use", policy: "restricted-data-stays-in-cluster", level: "mandatory", resource: { type: CONFIG_MAP, name: "llm-gateway" }, message: 'route "local" is classified "restricted" but can fall back to model_list[2] ("hosted"' },
    { pack: "ai-use", policy: "hosted-provider-allow-list", level: "mandatory", resource: { type: CONFIG_MAP, name: "llm-gateway" }, message: 'uses provider "together_ai", which is not on the allow-list' },
    { pack: "ai-use", policy: "gateway-budgets", level: "mandatory", resource: { type: CONFIG_MAP, name: "llm-gateway-access" }, message: 'data["access.json"] teams[0] (team "research") max_budget is null' },
    { pack: "ai-use", policy: "gateway-rate-limits", level: "mandatory", resource: { type: CONFIG_MAP, name: "llm-gateway-access" }, message: 'data["access.json"] teams[0] (team "research") rpm_limit is null' },
    { pack: "ai-use", policy: "gateway-rate-limits", level: "mandatory", resource: { type: CONFIG_MAP, name: "llm-gateway-access" }, message: 'data["access.json"] keys[0] (key "research-default") tpm_limit is null' },
    { pack: "ai-use", policy: "gateway-access-scoped", level: "mandatory", resource: { type: CONFIG_MAP, name: "llm-gateway-access" }, message: 'keys[0] (key "research-default") models contains "*"' },
    { pack: "ai-use", policy: "gateway-retries-bounded", level: "advisory", resource: { type: CONFIG_MAP, name: "llm-gateway" }, message: "router_settings.timeout is null" },
];

const PACKS = ["security", "reliability", "data", "cost", "ai-use"];


const matches = (v: ReportedViolation, e: Expected) =>
    v.pack === e.pack && v.policy === e.policy && v.level === e.level && v.message.includes(e.message) &&
    (e.resource === null ? v.resource === null : v.resource?.type === e.resource.type && v.resource.name === e.resource.name);

/** The row policy-report.md writes for a violation, up to its message. */
const rowStart = (e: Expected) => `| ${e.pack} | ${e.policy} | ${e.level} | ${e.resource ? `\`${e.resource.type}\` ${e.resource.name}` : "(stack)"} | `;

describe("the insecure fixture stack", function () {
    let run: Awaited<ReturnType<typeof planCli>>;
    let report: PolicyReport;
    let markdown: string;

    before(async () => {
        const out = fs.mkdtempSync(path.join(os.tmpdir(), "groundwork-insecure-"));
        run = await planCli("--stack", "insecure", "--stack-file", `${FIXTURE}/Pulumi.insecure.yaml`, "--program", `${FIXTURE}/index.ts`, "--out", out);
        assert.ok(fs.existsSync(path.join(out, "policy-report.json")), `the plan wrote no report (exit ${run.status}):\n${run.stderr}`);
        report = JSON.parse(fs.readFileSync(path.join(out, "policy-report.json"), "utf8"));
        markdown = fs.readFileSync(path.join(out, "policy-report.md"), "utf8");
    });

    it("exits 3 (mandatory violations) after writing the report, and says why", () => {
        assert.equal(run.status, 3, run.stderr);
        assert.match(run.stdout, /^Offline plan of stack "insecure" \(project groundwork\): \d+ resources/);
        assert.match(run.stdout, /^policies: [1-9]\d* mandatory, [1-9]\d* advisory violations$/m);
        assert.match(run.stdout, /^price: \$[\d.]+ \/ month \(budget \$100\.00, OVER BUDGET\)$/m);
    });

    it("finds violations in every pack: security, reliability, data, cost and ai-use", () => {
        const evaluated = report.packs.map((p) => p.pack);
        for (const pack of PACKS) {
            assert.ok(evaluated.includes(pack), `pack ${pack} was not evaluated (packs: ${evaluated.join(", ")}); is it registered in policies/packs.ts?`);
            const found = new Set(report.violations.filter((v) => v.pack === pack).map((v) => v.policy));
            assert.ok(found.size >= 2, `pack ${pack}: expected violations of at least 2 policies, found ${[...found].join(", ") || "none"}`);
        }
        assert.ok(report.summary.mandatory > 0 && report.summary.advisory > 0, JSON.stringify(report.summary));
    });

    for (const e of EXPECTED) {
        const on = e.resource ? `${e.resource.name} (${e.resource.type})` : "the stack";
        it(`reports ${e.pack}/${e.policy} (${e.level}) on ${on}`, () => {
            const hit = report.violations.find((v) => matches(v, e));
            const same = report.violations.filter((v) => v.pack === e.pack && v.policy === e.policy).map((v) => `${v.level} ${v.resource?.name ?? "(stack)"}: ${v.message}`);
            assert.ok(hit, `policy-report.json has no ${e.level} ${e.pack}/${e.policy} on ${on} saying "${e.message}"; it has:\n  ${same.join("\n  ") || "nothing for this policy"}`);
            const row = markdown.split("\n").find((line) => line.startsWith(rowStart(e)) && line.includes(e.message.replace(/\|/g, "\\|")));
            assert.ok(row, `policy-report.md has no row starting ${JSON.stringify(rowStart(e))} with "${e.message}"`);
        });
    }
});
