import { strict as assert } from "assert";
import { securityPolicies } from "../../policies/security/policies";
import {
    awsIamNoAdminStatement,
    awsImdsv2Required,
    awsKmsKeyRotation,
    awsNoPublicAdminIngress,
} from "../../policies/security/aws";
import { namespacePodSecurityEnforced, serviceExposedOnlyByIngress } from "../../policies/security/cluster";
import { helmReleaseTrustedRepository, helmReleaseVersionPinned } from "../../policies/security/helm";
import { ociLegacyImdsDisabled, ociNoPublicAdminIngress } from "../../policies/security/oci";
import { podImagePinned, podNoLiteralSecretEnv, podServiceAccountToken, podImageDigest } from "../../policies/security/pod-credentials";
import {
    podDropAllCapabilities,
    podNoHostNamespaces,
    podHostNetworkOnlyK3s,
    podNoHostPath,
    podNoHostPort,
    podNoPrivileged,
    podNoPrivilegeEscalation,
    podReadOnlyRootFilesystem,
    podRunAsNonRoot,
    podSeccompProfile,
} from "../../policies/security/pod-isolation";
import { compliantContainer, compliantPod, CRON_JOB, cronJob, DAEMON_SET, DEPLOYMENT, deployment, JOB, messages, POD, record } from "./harness";

const INSTANCE = "aws:ec2/instance:Instance";
const LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate";

/** The gpu-0 instance of the hybrid plan. */
function ec2(props: Record<string, any> = {}): Record<string, any> {
    return {
        ami: "ami-offline8e036391a",
        instanceType: "g5.xlarge",
        metadataOptions: { httpEndpoint: "enabled", httpPutResponseHopLimit: 1, httpTokens: "required" },
        rootBlockDevice: { deleteOnTermination: true, encrypted: true, volumeSize: 200, volumeType: "gp3" },
        subnetId: "offline-groundwork-public-0",
        vpcSecurityGroupIds: ["offline-groundwork-nodes"],
        ...props,
    };
}

/** A Deployment whose single container has `change` applied. */
function withContainer(change: (c: Record<string, any>) => void): Record<string, any> {
    const c = compliantContainer();
    change(c);
    return deployment({ ...compliantPod(), containers: [c] });
}

/** A Deployment whose pod spec has `change` applied. */
function withPod(change: (p: Record<string, any>) => void): Record<string, any> {
    const p = compliantPod();
    change(p);
    return deployment(p);
}

const C0 = 'spec.template.spec.containers[0] "litellm"';

describe("security policy pack", () => {
    it("has at least 13 policies, each named, described and leveled", () => {
        assert.ok(securityPolicies.length >= 13, `only ${securityPolicies.length} policies`);
        assert.equal(new Set(securityPolicies.map((p) => p.name)).size, securityPolicies.length);
        for (const p of securityPolicies) {
            assert.match(p.name, /^[a-z0-9]+(-[a-z0-9]+)*$/);
            assert.ok(p.description.length > 10, p.name);
            assert.ok(p.enforcementLevel === "mandatory" || p.enforcementLevel === "advisory", p.name);
        }
    });

    describe("aws-ec2-imdsv2-required", () => {
        it("passes an instance that requires session tokens", async () => {
            assert.deepEqual(await messages(awsImdsv2Required, [record(INSTANCE, ec2(), "gpu-0")]), []);
        });
        it("flags optional tokens and names the field", async () => {
            const [m, ...rest] = await messages(awsImdsv2Required, [record(INSTANCE, ec2({ metadataOptions: { httpTokens: "optional", httpPutResponseHopLimit: 1 } }))]);
            assert.equal(rest.length, 0);
            assert.match(m, /metadataOptions\.httpTokens is "optional"; set metadataOptions\.httpTokens: "required"/);
        });
        it("flags an instance without metadataOptions, for its tokens and its hop limit", async () => {
            const [tokens, hops, ...rest] = await messages(awsImdsv2Required, [record(INSTANCE, ec2({ metadataOptions: undefined }))]);
            assert.equal(rest.length, 0);
            assert.match(tokens, /httpTokens is "unset"/);
            assert.match(hops, /httpPutResponseHopLimit is "unset"; set it to 1 so the session token never reaches a pod/);
        });
        it("flags a hop limit above 1, which hands pods a token", async () => {
            const found = await messages(awsImdsv2Required, [record(LAUNCH_TEMPLATE, { metadataOptions: { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 2 } })]);
            assert.deepEqual(found.map((m) => m.split(";")[0]), ["metadataOptions.httpPutResponseHopLimit is 2"]);
        });
        it("passes an instance whose metadata endpoint is off", async () => {
            assert.deepEqual(await messages(awsImdsv2Required, [record(INSTANCE, ec2({ metadataOptions: { httpEndpoint: "disabled" } }))]), []);
        });
    });

    describe("aws-no-public-admin-ingress", () => {
        const RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule";
        const rule = (props: Record<string, any>) =>
            record(RULE, { description: "SSH", ipProtocol: "tcp", fromPort: 22, toPort: 22, securityGroupId: "offline-groundwork-nodes", ...props }, "groundwork-nodes-in-7");

        it("passes SSH from an admin CIDR and wide ports on UDP from a /32", async () => {
            const records = [rule({ cidrIpv4: "198.51.100.0/24" }), rule({ cidrIpv4: "203.0.113.161/32", ipProtocol: "udp", fromPort: 51820, toPort: 51821 })];
            assert.deepEqual(await messages(awsNoPublicAdminIngress, records), []);
        });
        it("flags SSH from 0.0.0.0/0 and the API from ::/0", async () => {
            const found = await messages(awsNoPublicAdminIngress, [rule({ cidrIpv4: "0.0.0.0/0" }), rule({ cidrIpv6: "::/0", fromPort: 6443, toPort: 6443 })]);
            assert.equal(found.length, 2);
            assert.match(found[0], /cidrIpv4\/cidrIpv6 admits 0\.0\.0\.0\/0 to port\(s\) 22; restrict the source/);
            assert.match(found[1], /admits ::\/0 to port\(s\) 6443/);
        });
        it("flags an all-protocol rule and inline security group ingress", async () => {
            const all = await messages(awsNoPublicAdminIngress, [rule({ cidrIpv4: "0.0.0.0/0", ipProtocol: "-1", fromPort: undefined, toPort: undefined })]);
            assert.match(all[0], /port\(s\) 22, 6443/);
            const sg = record("aws:ec2/securityGroup:SecurityGroup", {
                description: "nodes",
                ingress: [{ protocol: "tcp", fromPort: 0, toPort: 65535, cidrBlocks: ["10.1.0.0/16"] }, { protocol: "tcp", fromPort: 6000, toPort: 7000, cidrBlocks: ["0.0.0.0/0"] }],
            });
            assert.deepEqual(await messages(awsNoPublicAdminIngress, [sg]), [
                "ingress[1] admits 0.0.0.0/0 to port(s) 6443; restrict the source to the admin network or the other sites' addresses, or reach the node through SSM/a VPN",
            ]);
        });
        it("honours adminPorts and allowedIngressCidrs config", async () => {
            assert.deepEqual(await messages(awsNoPublicAdminIngress, [rule({ cidrIpv4: "0.0.0.0/0" })], { adminPorts: [6443] }), []);
            assert.deepEqual(await messages(awsNoPublicAdminIngress, [rule({ cidrIpv4: "0.0.0.0/0" })], { allowedIngressCidrs: ["0.0.0.0/0"] }), []);
        });
    });

    describe("aws-kms-key-rotation", () => {
        const KEY = "aws:kms/key:Key";
        it("passes the vault-unseal key with rotation on, and asymmetric keys", async () => {
            const records = [
                record(KEY, { deletionWindowInDays: 30, description: "Vault auto-unseal (Groundwork)", enableKeyRotation: true }, "vault-unseal"),
                record(KEY, { customerMasterKeySpec: "RSA_2048", keyUsage: "SIGN_VERIFY" }, "signing"),
            ];
            assert.deepEqual(await messages(awsKmsKeyRotation, records), []);
        });
        it("flags a symmetric key without rotation", async () => {
            assert.match((await messages(awsKmsKeyRotation, [record(KEY, { description: "unseal" })]))[0], /enableKeyRotation must be true; set enableKeyRotation: true/);
        });
    });

    describe("aws-iam-no-admin-statement", () => {
        const USER_POLICY = "aws:iam/userPolicy:UserPolicy";
        const doc = (statements: unknown[]) => JSON.stringify({ Version: "2012-10-17", Statement: statements });
        it("passes the scoped vault-unseal policy and unparsable documents", async () => {
            const scoped = doc([{ Effect: "Allow", Action: ["kms:Encrypt", "kms:Decrypt", "kms:DescribeKey"], Resource: "arn:offline:vault-unseal" }]);
            assert.deepEqual(await messages(awsIamNoAdminStatement, [record(USER_POLICY, { policy: scoped, user: "vault-unseal" }), record(USER_POLICY, { policy: "[secret]" })]), []);
        });
        it("flags Action * on Resource * in a user policy and a role's inline policy", async () => {
            const admin = doc([{ Effect: "Allow", Action: "s3:GetObject", Resource: "*" }, { Effect: "Allow", Action: ["*"], Resource: ["*"] }]);
            const user = await messages(awsIamNoAdminStatement, [record(USER_POLICY, { policy: admin, user: "backups" })]);
            assert.deepEqual(user, ['policy: Statement[1] allows Action "*" on Resource "*" (full administrator access); list the specific actions and resource ARNs this principal needs']);
            const role = await messages(awsIamNoAdminStatement, [record("aws:iam/role:Role", { assumeRolePolicy: "{}", inlinePolicies: [{ name: "all", policy: admin }] })]);
            assert.match(role[0], /^inlinePolicies\[0\]\.policy: Statement\[1\] allows Action "\*"/);
        });
        it("ignores Deny statements", async () => {
            assert.deepEqual(await messages(awsIamNoAdminStatement, [record(USER_POLICY, { policy: doc([{ Effect: "Deny", Action: "*", Resource: "*" }]) })]), []);
        });
    });

    describe("oci-legacy-imds-disabled", () => {
        const OCI_INSTANCE = "oci:Core/instance:Instance";
        it("passes an instance with legacy endpoints disabled", async () => {
            const props = { shape: "VM.Standard.A1.Flex", instanceOptions: { areLegacyImdsEndpointsDisabled: true } };
            assert.deepEqual(await messages(ociLegacyImdsDisabled, [record(OCI_INSTANCE, props, "server-1")]), []);
        });
        it("flags an instance that leaves IMDSv1 on", async () => {
            const [m] = await messages(ociLegacyImdsDisabled, [record(OCI_INSTANCE, { shape: "VM.Standard.A1.Flex" }, "arm-1")]);
            assert.match(m, /instanceOptions\.areLegacyImdsEndpointsDisabled must be true/);
        });
    });

    describe("oci-no-public-admin-ingress", () => {
        const LIST = "oci:Core/securityList:SecurityList";
        const ssh = (source: string) => ({ description: "SSH through a public node", protocol: "6", source, sourceType: "CIDR_BLOCK", tcpOptions: { max: 22, min: 22 } });
        const icmp = { description: "path MTU discovery", icmpOptions: { code: 4, type: 3 }, protocol: "1", source: "0.0.0.0/0", sourceType: "CIDR_BLOCK" };
        it("passes VCN-only SSH and world-open ICMP", async () => {
            assert.deepEqual(await messages(ociNoPublicAdminIngress, [record(LIST, { ingressSecurityRules: [ssh("10.0.0.0/24"), icmp] }, "groundwork-public")]), []);
        });
        it("flags SSH from 0.0.0.0/0 and TCP without a port range", async () => {
            const allTcp = { description: "everything", protocol: "6", source: "0.0.0.0/0", sourceType: "CIDR_BLOCK" };
            const found = await messages(ociNoPublicAdminIngress, [record(LIST, { ingressSecurityRules: [icmp, ssh("0.0.0.0/0"), allTcp] })]);
            assert.equal(found.length, 2);
            assert.match(found[0], /^ingressSecurityRules\[1\] \("SSH through a public node"\) admits 0\.0\.0\.0\/0 to port\(s\) 22;/);
            assert.match(found[1], /^ingressSecurityRules\[2\] \("everything"\) admits 0\.0\.0\.0\/0 to port\(s\) 22, 6443;/);
        });
        it("flags a world-open NSG ingress rule on 6443", async () => {
            const nsg = record("oci:Core/networkSecurityGroupSecurityRule:NetworkSecurityGroupSecurityRule", {
                direction: "INGRESS", protocol: "6", source: "0.0.0.0/0", sourceType: "CIDR_BLOCK", tcpOptions: { destinationPortRange: { min: 6443, max: 6443 } },
            });
            assert.match((await messages(ociNoPublicAdminIngress, [nsg]))[0], /source 0\.0\.0\.0\/0 is admitted to port\(s\) 6443/);
        });
    });

    describe("pod-no-privileged", () => {
        it("passes an unprivileged container", async () => {
            assert.deepEqual(await messages(podNoPrivileged, [record(DEPLOYMENT, deployment())]), []);
        });
        it("flags a privileged container in a CronJob with the CronJob's path", async () => {
            const c = { ...compliantContainer(), securityContext: { ...compliantContainer().securityContext, privileged: true } };
            const [m] = await messages(podNoPrivileged, [record(CRON_JOB, cronJob({ ...compliantPod(), containers: [c] }))]);
            assert.equal(m, 'spec.jobTemplate.spec.template.spec.containers[0] "litellm": securityContext.privileged must not be true; remove it and grant only the capabilities the container needs');
        });
    });

    describe("pod-no-privilege-escalation", () => {
        it("passes allowPrivilegeEscalation false", async () => {
            assert.deepEqual(await messages(podNoPrivilegeEscalation, [record(DEPLOYMENT, deployment())]), []);
        });
        it("flags an init container that leaves it unset", async () => {
            const init = { name: "wait-db", image: "busybox:1.37.0", securityContext: {} };
            const [m] = await messages(podNoPrivilegeEscalation, [record(DEPLOYMENT, withPod((p) => (p.initContainers = [init])))]);
            assert.equal(m, 'spec.template.spec.initContainers[0] "wait-db": securityContext.allowPrivilegeEscalation must be false; set it explicitly (the default allows setuid binaries to gain privileges)');
        });
        it("skips namespaces in excludedNamespaces (kube-system by default)", async () => {
            const d = withContainer((c) => delete c.securityContext.allowPrivilegeEscalation);
            d.metadata.namespace = "kube-system";
            assert.deepEqual(await messages(podNoPrivilegeEscalation, [record(DEPLOYMENT, d)]), []);
        });
    });

    describe("pod-run-as-non-root", () => {
        it("passes pod-level runAsNonRoot, and container-level runAsNonRoot on a bare Pod", async () => {
            const pod = { ...compliantPod(), securityContext: {}, containers: [{ ...compliantContainer(), securityContext: { ...compliantContainer().securityContext, runAsNonRoot: true } }] };
            assert.deepEqual(await messages(podRunAsNonRoot, [record(DEPLOYMENT, deployment()), record(POD, { metadata: { name: "debug" }, spec: pod })]), []);
        });
        it("flags a container that overrides runAsNonRoot to false", async () => {
            const [m] = await messages(podRunAsNonRoot, [record(DEPLOYMENT, withContainer((c) => (c.securityContext.runAsNonRoot = false)))]);
            assert.equal(m, `${C0}: securityContext.runAsNonRoot must be true; set it on the container or at spec.template.spec.securityContext.runAsNonRoot`);
        });
        it("flags runAsUser 0", async () => {
            const found = await messages(podRunAsNonRoot, [record(DEPLOYMENT, withPod((p) => (p.securityContext.runAsUser = 0)))]);
            assert.deepEqual(found, ["spec.template.spec.securityContext.runAsUser must not be 0 (root); use a non-zero UID"]);
        });
    });

    describe("pod-drop-all-capabilities", () => {
        it("passes drop ALL with NET_BIND_SERVICE added back", async () => {
            const d = withContainer((c) => (c.securityContext.capabilities = { drop: ["ALL"], add: ["NET_BIND_SERVICE"] }));
            assert.deepEqual(await messages(podDropAllCapabilities, [record(DEPLOYMENT, d)]), []);
        });
        it("flags a missing drop ALL and an added NET_ADMIN", async () => {
            const d = withContainer((c) => (c.securityContext.capabilities = { drop: ["NET_RAW"], add: ["NET_ADMIN"] }));
            const found = await messages(podDropAllCapabilities, [record(DEPLOYMENT, d)]);
            assert.equal(found.length, 2);
            assert.match(found[0], /securityContext\.capabilities\.drop must include "ALL"; set capabilities: \{ drop: \["ALL"\] \}/);
            assert.match(found[1], /capabilities\.add may only contain NET_BIND_SERVICE, not NET_ADMIN/);
        });
    });

    describe("pod-seccomp-profile", () => {
        it("passes RuntimeDefault at pod level and Localhost per container", async () => {
            const local = withPod((p) => {
                p.securityContext = { runAsNonRoot: true };
                p.containers[0].securityContext.seccompProfile = { type: "Localhost", localhostProfile: "profiles/vllm.json" };
            });
            assert.deepEqual(await messages(podSeccompProfile, [record(DEPLOYMENT, deployment()), record(DEPLOYMENT, local)]), []);
        });
        it("flags a pod without a profile", async () => {
            const [m] = await messages(podSeccompProfile, [record(DEPLOYMENT, withPod((p) => delete p.securityContext.seccompProfile))]);
            assert.equal(m, `${C0}: securityContext.seccompProfile.type is "unset"; set spec.template.spec.securityContext.seccompProfile.type: RuntimeDefault`);
        });
        it("flags Unconfined at pod level", async () => {
            const [m] = await messages(podSeccompProfile, [record(DEPLOYMENT, withPod((p) => (p.securityContext.seccompProfile = { type: "Unconfined" })))]);
            assert.match(m, /spec\.template\.spec\.securityContext\.seccompProfile\.type is "Unconfined"; use RuntimeDefault/);
        });
    });

    describe("pod-read-only-root-filesystem (advisory)", () => {
        it("is advisory and passes a read-only root", async () => {
            assert.equal(podReadOnlyRootFilesystem.enforcementLevel, "advisory");
            assert.deepEqual(await messages(podReadOnlyRootFilesystem, [record(DEPLOYMENT, deployment())]), []);
        });
        it("flags readOnlyRootFilesystem false", async () => {
            const [m] = await messages(podReadOnlyRootFilesystem, [record(DEPLOYMENT, withContainer((c) => (c.securityContext.readOnlyRootFilesystem = false)))]);
            assert.match(m, /securityContext\.readOnlyRootFilesystem should be true; mount an emptyDir/);
        });
    });

    describe("pod-no-host-namespaces", () => {
        it("passes a pod with its own namespaces", async () => {
            assert.deepEqual(await messages(podNoHostNamespaces, [record(DEPLOYMENT, deployment())]), []);
        });
        it("flags hostNetwork and hostPID on a Job", async () => {
            const job = { metadata: { name: "probe", namespace: "groundwork-inference" }, spec: { template: { spec: { ...compliantPod(), hostNetwork: true, hostPID: true } } } };
            assert.deepEqual(await messages(podNoHostNamespaces, [record(JOB, job)]), [
                "spec.template.spec.hostNetwork must not be true; remove it so the pod keeps its own namespace",
                "spec.template.spec.hostPID must not be true; remove it so the pod keeps its own namespace",
            ]);
        });
    });

    describe("pod-host-network-only-k3s", () => {
        const onHost = (namespace: string) => ({ metadata: { name: "node-exporter", namespace }, spec: { template: { spec: { ...compliantPod(), hostNetwork: true } } } });
        it("passes pods with their own network, and k3s's own on the host's", async () => {
            assert.deepEqual(await messages(podHostNetworkOnlyK3s, [record(DEPLOYMENT, deployment()), record(DAEMON_SET, onHost("kube-system")), record(JOB, onHost("system-upgrade"))]), []);
        });
        it("flags a host-network pod in a node agent's namespace, which pod-no-host-namespaces exempts", async () => {
            const pod = record(DAEMON_SET, onHost("groundwork-node-metrics"));
            assert.deepEqual(await messages(podNoHostNamespaces, [pod]), [], "the node agents' namespaces are outside the pod rules");
            const [m, ...rest] = await messages(podHostNetworkOnlyK3s, [pod]);
            assert.equal(rest.length, 0);
            assert.match(m, /^spec\.template\.spec\.hostNetwork is true in namespace "groundwork-node-metrics": on the node's network a pod is outside every NetworkPolicy and one step from the instance metadata service .*only kube-system, system-upgrade may share the node's\)$/);
        });
    });

    describe("pod-no-host-path", () => {
        it("passes configMap, emptyDir and PVC volumes", async () => {
            const d = withPod((p) => p.volumes.push({ name: "tmp", emptyDir: {} }, { name: "cache", persistentVolumeClaim: { claimName: "vllm-large-cache" } }));
            assert.deepEqual(await messages(podNoHostPath, [record(DEPLOYMENT, d)]), []);
        });
        it("flags a hostPath volume", async () => {
            const [m] = await messages(podNoHostPath, [record(DEPLOYMENT, withPod((p) => p.volumes.push({ name: "models", hostPath: { path: "/var/lib/models" } })))]);
            assert.equal(m, 'spec.template.spec.volumes[1] "models": hostPath "/var/lib/models" is not allowed; use a PersistentVolumeClaim, emptyDir, configMap or secret');
        });
    });

    describe("pod-no-host-port", () => {
        it("passes a containerPort without hostPort", async () => {
            assert.deepEqual(await messages(podNoHostPort, [record(DEPLOYMENT, deployment())]), []);
        });
        it("flags a hostPort", async () => {
            const [m] = await messages(podNoHostPort, [record(DEPLOYMENT, withContainer((c) => (c.ports[0].hostPort = 4000)))]);
            assert.equal(m, `${C0}: ports[0].hostPort 4000 is not allowed; expose the port through a Service instead`);
        });
    });

    describe("pod-image-pinned", () => {
        it("passes a version tag, a registry port with a tag, and a digest", async () => {
            const images = ["vllm/vllm-openai:v0.28.0", "registry.local:5000/groundwork/router:1.2.3", "ghcr.io/berriai/litellm@sha256:" + "a".repeat(64)];
            const records = images.map((image, i) => record(DEPLOYMENT, withContainer((c) => (c.image = image)), `d${i}`));
            assert.deepEqual(await messages(podImagePinned, records), []);
        });
        it("flags latest and untagged images (a registry port is not a tag)", async () => {
            const found = await messages(podImagePinned, [
                record(DEPLOYMENT, withContainer((c) => (c.image = "vllm/vllm-openai:latest")), "a"),
                record(DEPLOYMENT, withContainer((c) => (c.image = "registry.local:5000/groundwork/router")), "b"),
            ]);
            assert.match(found[0], /image "vllm\/vllm-openai:latest" is tagged latest; pin a version tag/);
            assert.match(found[1], /image "registry\.local:5000\/groundwork\/router" is untagged; pin a version tag/);
        });
    });

    describe("pod-image-digest (advisory)", () => {
        it("passes an image pinned by digest, tag beside it", async () => {
            const image = "ghcr.io/berriai/litellm-non_root:v1.85.0@sha256:" + "b".repeat(64);
            assert.deepEqual(await messages(podImageDigest, [record(DEPLOYMENT, withContainer((c) => (c.image = image)))]), []);
        });
        it("flags an image pinned by tag alone", async () => {
            const [m] = await messages(podImageDigest, [record(DEPLOYMENT, withContainer((c) => (c.image = "vllm/vllm-openai:v0.28.0")))]);
            assert.match(m, /image "vllm\/vllm-openai:v0\.28\.0" has no digest; pin it as vllm\/vllm-openai:v0\.28\.0@sha256:<digest>/);
        });
    });

    describe("pod-no-literal-secret-env", () => {
        it("passes secretKeyRef credentials and literal non-secret values", async () => {
            assert.deepEqual(await messages(podNoLiteralSecretEnv, [record(DEPLOYMENT, deployment())]), []);
        });
        it("flags literal values of credential-named variables", async () => {
            const d = withContainer((c) => c.env.push({ name: "LITELLM_SALT_KEY", value: "sk-salt-123" }, { name: "db_password", value: "hunter2" }));
            assert.deepEqual(await messages(podNoLiteralSecretEnv, [record(DEPLOYMENT, d)]), [
                `${C0}: env[2] "LITELLM_SALT_KEY" has a literal value; reference a Secret with valueFrom.secretKeyRef instead`,
                `${C0}: env[3] "db_password" has a literal value; reference a Secret with valueFrom.secretKeyRef instead`,
            ]);
        });
        it("uses the configured name pattern", async () => {
            const d = withContainer((c) => c.env.push({ name: "HF_AUTH", value: "hf_abc" }));
            assert.equal((await messages(podNoLiteralSecretEnv, [record(DEPLOYMENT, d)], { secretNamePattern: "AUTH$" })).length, 1);
        });
    });

    describe("pod-service-account-token", () => {
        it("passes a named account, and the default account without a token", async () => {
            const noToken = withPod((p) => delete p.serviceAccountName);
            assert.deepEqual(await messages(podServiceAccountToken, [record(DEPLOYMENT, deployment()), record(DEPLOYMENT, noToken)]), []);
        });
        it("flags the default account with its token mounted", async () => {
            const [m] = await messages(podServiceAccountToken, [record(DEPLOYMENT, withPod((p) => (p.serviceAccountName = "default", delete p.automountServiceAccountToken)))]);
            assert.match(m, /the pod runs as the namespace's "default" service account with its API token mounted; set spec\.template\.spec\.automountServiceAccountToken: false/);
        });
    });

    describe("service-exposed-only-by-ingress", () => {
        const SERVICE = "kubernetes:core/v1:Service";
        const CHART = "kubernetes:helm.sh/v4:Chart";
        const service = (type: string, namespace = "groundwork-inference") => ({ metadata: { name: "llm-gateway", namespace }, spec: { ports: [{ name: "http", port: 4000, targetPort: "http" }], type } });
        it("passes ClusterIP, and the ingress controller's LoadBalancer", async () => {
            assert.deepEqual(await messages(serviceExposedOnlyByIngress, [record(SERVICE, service("ClusterIP")), record(SERVICE, service("LoadBalancer", "groundwork-ingress"))]), []);
        });
        it("flags a LoadBalancer or NodePort anywhere else", async () => {
            const found = await messages(serviceExposedOnlyByIngress, [record(SERVICE, service("LoadBalancer")), record(SERVICE, service("NodePort", "langfuse"))]);
            assert.equal(found.length, 2);
            assert.match(found[0], /spec\.type "LoadBalancer" exposes Service groundwork-inference\/llm-gateway outside the cluster; use ClusterIP and route it through the ingress/);
            assert.match(found[1], /spec\.type "NodePort" exposes Service langfuse\/llm-gateway/);
        });
        it("flags a chart whose values expose a Service, and passes one that keeps it internal", async () => {
            const chart = (values: Record<string, unknown>) => record(CHART, { chart: "jupyterhub", namespace: "notebooks", values });
            assert.deepEqual(await messages(serviceExposedOnlyByIngress, [chart({ proxy: { service: { type: "ClusterIP" } } })]), []);
            const [m] = await messages(serviceExposedOnlyByIngress, [chart({ proxy: { service: { type: "LoadBalancer" } } })]);
            assert.match(m, /values proxy\.service\.type: LoadBalancer exposes chart jupyterhub's Service outside the cluster/);
        });
    });

    describe("namespace-pod-security-enforced", () => {
        const NS = "kubernetes:core/v1:Namespace";
        const ns = (name: string, labels: Record<string, string>) => record(NS, { apiVersion: "v1", kind: "Namespace", metadata: { name, labels } }, name);
        it("passes restricted and baseline namespaces and the exempt node-agent namespaces", async () => {
            const records = [
                ns("groundwork-data", { "pod-security.kubernetes.io/enforce": "restricted" }),
                ns("linkerd", { "pod-security.kubernetes.io/enforce": "baseline" }),
                ns("linkerd-cni", { "pod-security.kubernetes.io/enforce": "privileged" }),
                ns("nvidia-device-plugin", { "pod-security.kubernetes.io/enforce": "privileged" }),
            ];
            assert.deepEqual(await messages(namespacePodSecurityEnforced, records), []);
        });
        it("flags a missing label and a privileged application namespace", async () => {
            const found = await messages(namespacePodSecurityEnforced, [
                ns("groundwork-inference", { "app.kubernetes.io/managed-by": "groundwork" }),
                ns("langfuse", { "pod-security.kubernetes.io/enforce": "privileged" }),
            ]);
            assert.equal(found[0], 'metadata.labels["pod-security.kubernetes.io/enforce"] of namespace "groundwork-inference" is "unset"; set it to baseline or restricted (restricted for application namespaces)');
            assert.match(found[1], /namespace "langfuse" is "privileged"/);
        });
    });

    describe("helm-release-version-pinned", () => {
        const RELEASE = "kubernetes:helm.sh/v3:Release";
        const release = (version: unknown) => record(RELEASE, { chart: "vault", version, namespace: "vault", repositoryOpts: { repo: "https://helm.releases.hashicorp.com" } }, "vault");
        it("passes exact versions, with or without a v prefix", async () => {
            assert.deepEqual(await messages(helmReleaseVersionPinned, [release("0.34.1"), release("v1.21.2"), release("2026.9.1")]), []);
        });
        it("flags an empty version and a range", async () => {
            const found = await messages(helmReleaseVersionPinned, [release(undefined), release("^0.34.0"), release(">=1.0.0 <2.0.0")]);
            assert.equal(found[0], 'version of chart "vault" is empty (helm installs the latest chart); pin the exact chart version, e.g. version: "1.6.1"');
            assert.match(found[1], /is "\^0\.34\.0", a range or not a version/);
            assert.match(found[2], /is ">=1\.0\.0 <2\.0\.0", a range/);
        });
    });

    describe("helm-release-trusted-repository", () => {
        const RELEASE = "kubernetes:helm.sh/v3:Release";
        const release = (chart: string, repo?: string) => record(RELEASE, { chart, version: "1.1.0", ...(repo ? { repositoryOpts: { repo } } : {}) }, chart.replace(/\W/g, "-"));
        it("passes https and oci repositories, an oci chart URL and a vendored chart", async () => {
            const records = [
                release("langfuse", "https://langfuse.github.io/langfuse-k8s"),
                release("litellm-helm", "oci://ghcr.io/berriai"),
                release("oci://ghcr.io/berriai/litellm-helm"),
                release("./charts/groundwork-gateway"),
            ];
            assert.deepEqual(await messages(helmReleaseTrustedRepository, records), []);
        });
        it("flags a plain-http repository and a bare repo/chart reference", async () => {
            const found = await messages(helmReleaseTrustedRepository, [release("qdrant", "http://qdrant.github.io/qdrant-helm"), release("bitnami/redis")]);
            assert.equal(found[0], 'repositoryOpts.repo "http://qdrant.github.io/qdrant-helm" is not https:// or oci://; fetch chart "qdrant" over https or from an OCI registry');
            assert.match(found[1], /chart "bitnami\/redis" has no repositoryOpts\.repo, so it resolves through the local helm repo config/);
        });
    });
});
