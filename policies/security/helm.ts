import type { ResourceValidationPolicy } from "@pulumi/policy";
import { HELM_RELEASE_TYPES } from "../helm-releases";

/**
 * Helm releases: what gets installed must be reproducible and come over an authenticated channel.
 * `helm install --version` "can be a specific tag (e.g. 1.1.1) or it may reference a valid range
 * (e.g. ^2.0.0). If this is not specified, the latest version is used" (helm.sh/docs/helm/helm_install,
 * read 2026-11-25) — so an empty or ranged version silently changes what a re-run deploys.
 */


/** An exact SemVer 2 version, optionally with the `v` prefix some charts use (cert-manager: v1.21.2). */
const EXACT_VERSION = /^v?\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/;

export const helmReleaseVersionPinned: ResourceValidationPolicy = {
    name: "helm-release-version-pinned",
    description: "Helm releases pin an exact chart version (no empty version, no range).",
    enforcementLevel: "mandatory",
    validateResource: (args, report) => {
        if (!HELM_RELEASE_TYPES.includes(args.type)) return;
        const version = args.props.version;
        if (typeof version === "string" && EXACT_VERSION.test(version.trim())) return;
        const what = version === undefined || version === "" ? "empty (helm installs the latest chart)" : `"${version}", a range or not a version`;
        report(`version of chart "${args.props.chart}" is ${what}; pin the exact chart version, e.g. version: "1.6.1"`);
    },
};

/** Local chart directories vendored in the repository are reviewed like code. */
const isLocalPath = (chart: string) => chart.startsWith("./") || chart.startsWith("../") || chart.startsWith("/");

// Supply-chain rule (no single upstream check; same intent as kube-linter's image rules): a chart
// from plain http can be swapped in transit, and a bare "repo/chart" depends on whatever repository
// alias the machine running `pulumi up` happens to have configured.
export const helmReleaseTrustedRepository: ResourceValidationPolicy = {
    name: "helm-release-trusted-repository",
    description: "Helm charts come from an https:// or oci:// repository (or a vendored local path).",
    enforcementLevel: "mandatory",
    validateResource: (args, report) => {
        if (!HELM_RELEASE_TYPES.includes(args.type)) return;
        const chart = String(args.props.chart ?? "");
        const repo = args.props.repositoryOpts?.repo;
        if (typeof repo === "string" && repo !== "") {
            if (!/^(https|oci):\/\//.test(repo)) {
                report(`repositoryOpts.repo "${repo}" is not https:// or oci://; fetch chart "${chart}" over https or from an OCI registry`);
            }
            return;
        }
        if (/^(https|oci):\/\//.test(chart) || isLocalPath(chart)) return;
        report(`chart "${chart}" has no repositoryOpts.repo, so it resolves through the local helm repo config; set repositoryOpts.repo to the https:// or oci:// repository`);
    },
};

export const helmPolicies = [helmReleaseVersionPinned, helmReleaseTrustedRepository];
