import type { StackValidationPolicy } from "@pulumi/policy";
import { admissionOutcome } from "./admission-policies";

/**
 * k3s deploys its local-path provisioner itself, into kube-system, where Pod Security is not
 * enforced, with a token that may create pods there (k3s manifests/local-storage.yaml): a thief of
 * it runs a pod with the host's `/`. No chart stands for it in the plan, so this rule asks any stack
 * with a cluster for the admission policy that holds that account to its helper pods, by
 * evaluating the plan's policies for such a pod (security review s25 F3).
 */
export const localPathFenced: StackValidationPolicy = {
    name: "local-path-fenced",
    description: "A stack with a cluster holds a ValidatingAdmissionPolicy, with a Deny binding, that refuses k3s's local-path provisioner a pod with the host's / in kube-system.",
    enforcementLevel: "mandatory",
    validateStack: (args, report) => {
        const namespaces = args.resources.filter((r) => r.type === "kubernetes:core/v1:Namespace");
        if (namespaces.length === 0) return;
        const outcome = admissionOutcome(args.resources, {
            group: "", version: "v1", resource: "pods", operation: "CREATE", namespace: "kube-system", name: "helper-pod-create-probe",
            username: "system:serviceaccount:kube-system:local-path-provisioner-service-account",
            object: { metadata: { name: "helper-pod-create-probe", namespace: "kube-system" }, spec: {
                serviceAccountName: "local-path-provisioner-service-account",
                containers: [{ name: "helper-pod", image: "busybox", command: ["sh", "-c", "chroot /host"], securityContext: { privileged: true }, volumeMounts: [{ name: "host", mountPath: "/host" }] }],
                volumes: [{ name: "host", hostPath: { path: "/" } }],
            } },
        });
        if (!outcome.denied) {
            report("nothing holds k3s's local-path provisioner to its helper pods: its token may create pods in kube-system, where Pod Security is not enforced, so whoever takes it runs a privileged pod with the host's / (root on a node); add the admission policy components/k3s/local-path-admission.ts renders", namespaces[0].urn);
        }
    },
};
