import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { awsPolicies } from "./aws";
import { clusterPolicies } from "./cluster";
import { helmPolicies } from "./helm";
import { ociPolicies } from "./oci";
import { podCredentialPolicies } from "./pod-credentials";
import { podIsolationPolicies } from "./pod-isolation";
import { meshAdmitsOutsideCallers } from "./mesh-admission";
import { apiServerReachesWebhooks } from "./api-server-ingress";
import { meshServerPerPort } from "./mesh-servers";
import { k3sServerTokenOnlyOnServers } from "./k3s-tokens";
import { cloudKeyJustified } from "./cloud-keys";
import { podSecurityAdmission } from "./pod-security-admission";
import { routePolicies } from "./routes";
import { networkPolicies } from "./network-policies";
import { pullRequestJobsWithoutSecrets } from "./workflows";
import { notebooksAdmitNamedPeople } from "./sso-admission";
import { ingressReadsOwnNamespace } from "./ingress-secrets";
import { meshTrustAnchorConfined } from "./mesh-trust-anchor";
import { notebookServersDenyByDefault } from "./notebook-isolation";
import { serviceExternalIpsDenied } from "./service-external-ips";
import { serviceTypesDenied } from "./service-types";
import { nodeRegistrationFenced } from "./node-registration";
import { meshOptOutDenied } from "./mesh-opt-out";
import { localPathFenced } from "./local-path";
import { controllerWritesFenced } from "./controller-fences";
import { cloudHostKeysPinnedAtBoot } from "./ssh-host-keys";

/** The security pack's policies, importable without starting the PolicyPack's gRPC server. */
export const securityPolicies: (ResourceValidationPolicy | StackValidationPolicy)[] = [
    ...awsPolicies,
    ...ociPolicies,
    ...podIsolationPolicies,
    ...podCredentialPolicies,
    ...clusterPolicies,
    ...helmPolicies,
    podSecurityAdmission,
    meshAdmitsOutsideCallers,
    apiServerReachesWebhooks,
    meshServerPerPort,
    k3sServerTokenOnlyOnServers,
    cloudKeyJustified,
    ...routePolicies,
    ...networkPolicies,
    pullRequestJobsWithoutSecrets,
    notebooksAdmitNamedPeople,
    ingressReadsOwnNamespace,
    meshTrustAnchorConfined,
    notebookServersDenyByDefault,
    serviceExternalIpsDenied,
    serviceTypesDenied,
    nodeRegistrationFenced,
    meshOptOutDenied,
    localPathFenced,
    controllerWritesFenced,
    cloudHostKeysPinnedAtBoot,
];
