import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { oidcPrefix } from "./api-audit";

export interface OperatorAccessArgs {
    /** The identity provider's group whose members operate the platform (access.sso.operatorsGroup). */
    operatorsGroup: string;
    /** The issuer, whose prefix the API server puts on its groups (oidcPrefix). */
    issuer: string;
}

/**
 * Operators' own identities on the API server: members of the operators' group, signed in with
 * the stack's identity provider (the servers' `--oidc-*` flags, components/k3s/api-audit.ts), are
 * cluster-admin by a ClusterRoleBinding to their group, so the API server's audit log names each of
 * them instead of the one admin certificate (security review s21 L1). The group is bound with the
 * authenticator's prefix, so only the issuer's group matches, never a group a certificate names.
 */
export class OperatorAccess extends pulumi.ComponentResource {
    public readonly subject: string;

    constructor(name: string, args: OperatorAccessArgs, opts?: pulumi.ComponentResourceOptions) {
        super("groundwork:k3s:OperatorAccess", name, {}, opts);
        this.subject = `${oidcPrefix(args.issuer)}${args.operatorsGroup}`;
        new k8s.rbac.v1.ClusterRoleBinding(name, {
            metadata: { name: "groundwork-operators" },
            roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "cluster-admin" },
            subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "Group", name: this.subject }],
        }, { parent: this });
        this.registerOutputs({ subject: this.subject });
    }
}
