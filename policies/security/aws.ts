import type { ResourceValidationPolicy } from "@pulumi/policy";
import { adminPortsIn, FIX_HINT, isWorldOpen, PUBLIC_INGRESS_SCHEMA, PublicIngressConfig } from "./public-ingress";

/** AWS rules. Type tokens are compared as strings so the pack never loads @pulumi/aws. */

const INSTANCE = "aws:ec2/instance:Instance";
const LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate";

// Source: tfsec aws-ec2-enforce-http-token-imds and CIS AWS Foundations 5.6 "Ensure that EC2
// Metadata Service only allows IMDSv2" (read 2026-11-25). An instance with the endpoint disabled
// has no IMDS to abuse and passes. The hop limit is issue 12's half for pods: IMDSv2's token
// response leaves with a TTL of httpPutResponseHopLimit, so at 1 it dies at the node and a pod,
// one hop further, gets no token (docs.aws.amazon.com/AWSEC2/latest/UserGuide/instancedata-data-retrieval.html,
// "Instance metadata access considerations"). Unset, the AMI's or the account's default applies,
// which can be 2 (Amazon Linux 2023), so the rule wants it said.
export const awsImdsv2Required: ResourceValidationPolicy = {
    name: "aws-ec2-imdsv2-required",
    description: "EC2 instances and launch templates require IMDSv2 session tokens (metadataOptions.httpTokens = required) with a hop limit of 1, so pods get none.",
    enforcementLevel: "mandatory",
    validateResource: (args, report) => {
        if (args.type !== INSTANCE && args.type !== LAUNCH_TEMPLATE) return;
        const options = args.props.metadataOptions ?? {};
        if (options.httpEndpoint === "disabled") return;
        if (options.httpTokens !== "required") {
            report(
                `metadataOptions.httpTokens is ${JSON.stringify(options.httpTokens ?? "unset")}; set metadataOptions.httpTokens: "required" ` +
                    "so the instance metadata service only answers IMDSv2 (session-token) requests",
            );
        }
        const hops = options.httpPutResponseHopLimit;
        if (hops !== 1) {
            report(
                `metadataOptions.httpPutResponseHopLimit is ${JSON.stringify(hops ?? "unset")}; set it to 1 so the session token ` +
                    "never reaches a pod (a pod is one network hop past the node; unset, the AMI's or the account's default applies)",
            );
        }
    },
};

// Source: CIS AWS Foundations 5.2/5.3 (see public-ingress.ts). Covers both the standalone
// aws.vpc.SecurityGroupIngressRule and inline `ingress` blocks of aws.ec2.SecurityGroup.
export const awsNoPublicAdminIngress: ResourceValidationPolicy = {
    name: "aws-no-public-admin-ingress",
    description: "Security groups do not admit 0.0.0.0/0 or ::/0 to administration ports (SSH, Kubernetes API).",
    enforcementLevel: "mandatory",
    configSchema: PUBLIC_INGRESS_SCHEMA,
    validateResource: (args, report) => {
        const config = args.getConfig<PublicIngressConfig>();
        const check = (where: string, protocol: unknown, from: unknown, to: unknown, cidrs: unknown[]) => {
            const proto = String(protocol ?? "").toLowerCase();
            const allPorts = proto === "-1" || proto === "all";
            if (!allPorts && !["tcp", "udp", "6", "17"].includes(proto)) return;
            const ports = allPorts ? config.adminPorts ?? [] : adminPortsIn(from, to, config);
            for (const cidr of cidrs.filter((c) => isWorldOpen(c, config))) {
                if (ports.length > 0) report(`${where} admits ${cidr} to port(s) ${ports.join(", ")}; ${FIX_HINT}`);
            }
        };
        if (args.type === "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule") {
            const p = args.props;
            check("cidrIpv4/cidrIpv6", p.ipProtocol, p.fromPort, p.toPort, [p.cidrIpv4, p.cidrIpv6]);
        } else if (args.type === "aws:ec2/securityGroupRule:SecurityGroupRule") {
            const p = args.props;
            if (p.type !== "ingress") return;
            check("cidrBlocks/ipv6CidrBlocks", p.protocol, p.fromPort, p.toPort, [...(p.cidrBlocks ?? []), ...(p.ipv6CidrBlocks ?? [])]);
        } else if (args.type === "aws:ec2/securityGroup:SecurityGroup") {
            (args.props.ingress ?? []).forEach((r: Record<string, any>, i: number) =>
                check(`ingress[${i}]`, r.protocol, r.fromPort, r.toPort, [...(r.cidrBlocks ?? []), ...(r.ipv6CidrBlocks ?? [])]),
            );
        }
    },
};

// Source: AWSGuard "cmk-backing-key-rotation-enabled" (pulumi/pulumi-policy-aws src/security.ts).
// AWS supports automatic rotation only for symmetric encryption keys, so asymmetric and HMAC
// key specs are not applicable (AWS KMS developer guide, "Rotating AWS KMS keys").
export const awsKmsKeyRotation: ResourceValidationPolicy = {
    name: "aws-kms-key-rotation",
    description: "Symmetric customer-managed KMS keys rotate their key material automatically.",
    enforcementLevel: "mandatory",
    validateResource: (args, report) => {
        if (args.type !== "aws:kms/key:Key") return;
        const spec = args.props.customerMasterKeySpec ?? args.props.keySpec ?? "SYMMETRIC_DEFAULT";
        if (spec !== "SYMMETRIC_DEFAULT") return;
        if (args.props.enableKeyRotation !== true) {
            report("enableKeyRotation must be true; set enableKeyRotation: true so AWS rotates the key material (yearly by default)");
        }
    },
};

const POLICY_DOCUMENTS: Record<string, (props: Record<string, any>) => [string, unknown][]> = {
    "aws:iam/userPolicy:UserPolicy": (p) => [["policy", p.policy]],
    "aws:iam/rolePolicy:RolePolicy": (p) => [["policy", p.policy]],
    "aws:iam/groupPolicy:GroupPolicy": (p) => [["policy", p.policy]],
    "aws:iam/policy:Policy": (p) => [["policy", p.policy]],
    "aws:iam/role:Role": (p) => (p.inlinePolicies ?? []).map((ip: Record<string, any>, i: number) => [`inlinePolicies[${i}].policy`, ip?.policy]),
};

const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === undefined ? [] : [v]);

// Source: CIS AWS Foundations 1.16 / AWS Security Hub IAM.1 "IAM policies should not allow full
// '*' administrative privileges" (read 2026-11-25). Documents that are not JSON yet (unknown
// during preview, or masked secrets) cannot be judged and are skipped.
export const awsIamNoAdminStatement: ResourceValidationPolicy = {
    name: "aws-iam-no-admin-statement",
    description: 'IAM user, group, role and managed policies never Allow Action "*" on Resource "*".',
    enforcementLevel: "mandatory",
    validateResource: (args, report) => {
        const documents = POLICY_DOCUMENTS[args.type];
        if (documents === undefined) return;
        for (const [field, raw] of documents(args.props)) {
            let doc: any = raw;
            if (typeof raw === "string") {
                try {
                    doc = JSON.parse(raw);
                } catch {
                    continue;
                }
            }
            list(doc?.Statement).forEach((s: any, i) => {
                if (s?.Effect !== "Allow") return;
                const allActions = list(s.Action).some((a) => a === "*" || a === "*:*");
                const allResources = list(s.Resource).includes("*");
                if (allActions && allResources) {
                    report(`${field}: Statement[${i}] allows Action "*" on Resource "*" (full administrator access); list the specific actions and resource ARNs this principal needs`);
                }
            });
        }
    },
};

export const awsPolicies = [awsImdsv2Required, awsNoPublicAdminIngress, awsKmsKeyRotation, awsIamNoAdminStatement];
