import * as YAML from "yaml";

/** Everything one node needs to install k3s and join (or start) the cluster. */
export interface K3sNodeBootstrap {
    /** k3s release, e.g. `v1.34.3+k3s3`; the installer is fetched at this same tag. */
    version: string;
    role: "server" | "agent";
    /** Kubernetes node name. */
    nodeName: string;
    /**
     * The first server's supervisor URL (`https://<ip>:6443`). Absent on the server that
     * initialises the cluster.
     */
    serverUrl?: string;
    /** Shared cluster token (secret). */
    token: string;
    /** Node labels, `key=value`. */
    labels: Record<string, string>;
    /** Node taints, `key=value:Effect`. */
    taints: string[];
    /** Cluster-wide settings; servers only (agents learn them from the server). */
    cluster?: {
        podCidr: string;
        serviceCidr: string;
        /** Extra names and addresses the API serving certificate is valid for. */
        tlsSans: string[];
    };
}

/** Where the node's k3s configuration and installer are written by cloud-init. */
export const K3S_CONFIG_PATH = "/etc/rancher/k3s/config.yaml";
export const K3S_INSTALL_SCRIPT_PATH = "/usr/local/sbin/groundwork-k3s-install";

/** The k3s configuration file (`/etc/rancher/k3s/config.yaml`): the same keys as the CLI flags. */
export function k3sConfigFile(node: K3sNodeBootstrap): Record<string, unknown> {
    const config: Record<string, unknown> = {
        token: node.token,
        "node-name": node.nodeName,
    };
    if (node.serverUrl) {
        config.server = node.serverUrl;
    }
    const labels = Object.entries(node.labels).map(([k, v]) => `${k}=${v}`);
    if (labels.length > 0) {
        config["node-label"] = labels;
    }
    if (node.taints.length > 0) {
        config["node-taint"] = node.taints;
    }
    if (node.role === "server") {
        // Embedded etcd from the first server on, so more servers can join without a migration.
        if (!node.serverUrl) {
            config["cluster-init"] = true;
        }
        if (node.cluster) {
            config["cluster-cidr"] = node.cluster.podCidr;
            config["service-cidr"] = node.cluster.serviceCidr;
            if (node.cluster.tlsSans.length > 0) {
                config["tls-san"] = node.cluster.tlsSans;
            }
        }
        config["write-kubeconfig-mode"] = "0600";
        config["secrets-encryption"] = true;
    }
    return config;
}

/**
 * The installer: fetches k3s's own `install.sh` at the pinned tag (which verifies the binary's
 * checksum) and runs it. Safe to re-run: it exits early when the pinned version is already there.
 */
export function k3sInstallScript(node: Pick<K3sNodeBootstrap, "version" | "role">): string {
    return `#!/bin/sh
# Installs k3s ${node.version} as a ${node.role}. Written by Groundwork; safe to re-run.
set -eu

K3S_VERSION="${node.version}"
K3S_ROLE="${node.role}"
INSTALLER_URL="https://raw.githubusercontent.com/k3s-io/k3s/\${K3S_VERSION}/install.sh"

# Oracle's Ubuntu images reject all inbound traffic but SSH in iptables, behind the VCN's own
# security lists. k3s needs its ports (the security lists stay the firewall), so drop those rules.
if [ -f /etc/iptables/rules.v4 ]; then
    iptables -D INPUT -j REJECT --reject-with icmp-host-prohibited 2>/dev/null || true
    iptables -D FORWARD -j REJECT --reject-with icmp-host-prohibited 2>/dev/null || true
    sed -i '/-j REJECT --reject-with icmp-host-prohibited/d' /etc/iptables/rules.v4
fi

if command -v k3s >/dev/null 2>&1 && k3s --version | grep -qF "k3s version \${K3S_VERSION} "; then
    echo "k3s \${K3S_VERSION} is already installed"
    exit 0
fi

installer="$(mktemp)"
trap 'rm -f "$installer"' EXIT
curl -sfL --retry 10 --retry-delay 6 --retry-all-errors -o "$installer" "$INSTALLER_URL"
INSTALL_K3S_VERSION="$K3S_VERSION" INSTALL_K3S_EXEC="$K3S_ROLE" sh "$installer"
`;
}

/** The cloud-init user data (`#cloud-config`) that installs k3s on first boot. */
export function k3sCloudInit(node: K3sNodeBootstrap): string {
    const doc = {
        write_files: [
            {
                path: K3S_CONFIG_PATH,
                owner: "root:root",
                permissions: "0600",
                content: YAML.stringify(k3sConfigFile(node)),
            },
            {
                path: K3S_INSTALL_SCRIPT_PATH,
                owner: "root:root",
                permissions: "0750",
                content: k3sInstallScript(node),
            },
        ],
        runcmd: [[K3S_INSTALL_SCRIPT_PATH]],
    };
    return `#cloud-config\n# k3s ${node.role} ${node.nodeName}, rendered by Groundwork\n${YAML.stringify(doc)}`;
}
