import * as pulumi from "@pulumi/pulumi";
import * as YAML from "yaml";
import { K3S_SERVER_DATA_DIR, pinnedCaHash, secureJoinToken, SERVER_CA_CERT_PATH, SERVER_CA_KEY_PATH, ServerCaFiles, serverCaHash } from "./server-ca";
import { ApiServerOidc, auditApiServerArgs, auditPolicy, K3S_AUDIT_POLICY_PATH, oidcApiServerArgs } from "./api-audit";

/**
 * How nodes in different places reach each other.
 * - `private`: flannel VXLAN over a private network; one site only.
 * - `wireguard-native`: flannel's WireGuard backend between nodes' external IPs.
 * - `tailscale`: k3s's Tailscale integration (`vpn-auth`), for nodes behind NAT.
 * Source: docs.k3s.io, "Distributed hybrid or multicloud cluster" (read 2026-11-25).
 */
export const OVERLAYS = ["private", "wireguard-native", "tailscale"] as const;
export type Overlay = (typeof OVERLAYS)[number];

/** Everything one node needs to install k3s and join (or start) the cluster. */
export interface K3sNodeBootstrap {
    /** k3s release, e.g. `v1.34.9+k3s1`; the installer is fetched at this same tag. */
    version: string;
    role: "server" | "agent";
    /** Kubernetes node name (with `awsInstanceIdentity`, only the name the rendered files mention). */
    nodeName: string;
    /**
     * Members of an EC2 Auto Scaling group share one launch template, so they cannot be given names
     * beforehand: at boot each reads its instance id and zone from IMDSv2, names itself after the
     * instance and sets the kubelet's provider id `aws:///<zone>/<instance-id>`, which is how the
     * cluster autoscaler maps nodes to their group (its AWS provider expects that format).
     * Source: kubernetes/autoscaler cluster-autoscaler/cloudprovider/aws/README.md (read 2026-11-25).
     */
    awsInstanceIdentity?: boolean;
    /**
     * The node runs one of Oracle's platform images, whose iptables rules reject inbound traffic
     * behind the VCN's security lists; the installer removes those two rules. Never on edge machines.
     */
    ociImage?: boolean;
    /**
     * The first server's supervisor URL (`https://<ip>:6443`). Absent on the server that
     * initialises the cluster.
     */
    serverUrl?: string;
    /** The token this node joins with (secret): the server token on servers, the agent token on agents. */
    token: string;
    /**
     * Servers only: the agent token (secret) agents join with (k3s `agent-token`). An agent's
     * configuration then never holds the server token, which admits servers and reads the
     * cluster's datastore (docs.k3s.io/cli/token, "Server" and "Agent" tokens).
     */
    agentToken?: string;
    /**
     * The initial server only: the cluster's server CA (server-ca.ts), written where k3s looks for
     * it before its first start, so the CA every joining node's token pins is the cluster's.
     */
    serverCa?: ServerCaFiles;
    /** Node labels, `key=value`. */
    labels: Record<string, string>;
    /** Node taints, `key=value:Effect`. */
    taints: string[];
    /** The overlay every node of the cluster uses. Default `private`. */
    overlay?: Overlay;
    /** The address other sites reach this node at (`node-external-ip`), for `wireguard-native`. */
    externalIp?: string;
    /** Tailscale auth key (secret), for `tailscale`. */
    tailscaleAuthKey?: string;
    /**
     * The node's SSH host key (ED25519, OpenSSH format; the private half secret), installed by
     * cloud-init's `ssh_keys` so that Pulumi knows it before it first connects.
     */
    sshHostKey?: { privateKeyOpenssh: string; publicKeyOpenssh: string };
    /** Tailscale client version installed from Tailscale's apt repository, for `tailscale`. */
    tailscaleVersion?: string;
    /** Cluster-wide settings; servers only (agents learn them from the server). */
    cluster?: {
        podCidr: string;
        serviceCidr: string;
        /** Extra names and addresses the API serving certificate is valid for. */
        tlsSans: string[];
        /** Scheduled snapshots of the embedded etcd, kept on the server and copied to the stack's bucket. */
        etcdSnapshots?: EtcdSnapshotSchedule;
        /** People sign in to the API server with this issuer (components/k3s/api-audit.ts). */
        apiOidc?: ApiServerOidc;
    };
}

/**
 * How often each server snapshots its embedded etcd, and how many snapshots it keeps on disk. The
 * copies in the bucket are pruned by k3s too, by a count across all servers, which the S3 settings
 * carry (`etcd-s3-retention`, see `etcdS3Settings`).
 */
export interface EtcdSnapshotSchedule {
    /** Hours between snapshots, a divisor of 24. */
    everyHours: number;
    /** Snapshots kept on each server's disk. */
    keep: number;
}

/**
 * The kube-system Secret k3s reads its S3 settings from, before every snapshot, list, prune, delete
 * and reconcile (never for a restore, which takes \`--etcd-s3-*\` flags: pkg/etcd/etcd.go L406-413),
 * so credentials rotate without a restart and the bucket may come after the servers. It
 * is read only while no other \`etcd-s3-*\` setting is given in the config file
 * (k3s-io/k3s@v1.34.9+k3s1 (5f72184f): pkg/etcd/s3/s3.go L124-151, pkg/etcd/s3/config_secret.go L37).
 */
export const ETCD_S3_CONFIG_SECRET = "etcd-snapshot-bucket";

/**
 * The server config keys for etcd snapshots (pkg/cli/cmds/server.go L385-510 at that tag): a
 * five-field cron in the server's local time, local retention by count, S3 on, its settings from
 * \`ETCD_S3_CONFIG_SECRET\`. Compression stays off: a compressed snapshot fails to restore in
 * this release (pkg/etcd/etcd.go L1550-1561; k3s-io/k3s#14526).
 */
export function etcdSnapshotConfig(schedule: EtcdSnapshotSchedule): Record<string, unknown> {
    return {
        "etcd-snapshot-schedule-cron": `0 */${schedule.everyHours} * * *`,
        "etcd-snapshot-retention": schedule.keep,
        "etcd-s3": true,
        "etcd-s3-config-secret": ETCD_S3_CONFIG_SECRET,
    };
}

/** The tag on every cloud node (OCI freeform tag, AWS tag) naming its k3s role; the security pack reads it. */
export const K3S_ROLE_TAG = "groundwork-k3s-role";

/**
 * The tag on a cloud server saying how many hours apart its config snapshots etcd: the data pack
 * reads it, as the install script that holds the schedule is secret (it carries the token). Hours,
 * not the cron, since AWS tag values may not hold `*`.
 */
export const ETCD_SNAPSHOT_TAG = "groundwork-etcd-snapshot-hours";

/** A cloud node's k3s tags: its role, and on servers the etcd snapshot interval their config sets. */
export function k3sNodeTags(role: "server" | "agent", etcdSnapshots?: EtcdSnapshotSchedule): Record<string, string> {
    return { [K3S_ROLE_TAG]: role, ...(role === "server" && etcdSnapshots && { [ETCD_SNAPSHOT_TAG]: String(etcdSnapshots.everyHours) }) };
}

/**
 * The cluster's join secrets: servers join with `server`, agents only ever see `agent`, and every
 * joining node pins the server CA by `serverCaHash` (server-ca.ts).
 */
export interface JoinTokens {
    server: pulumi.Input<string>;
    agent: pulumi.Input<string>;
    serverCaHash: pulumi.Input<string>;
}

/**
 * The token a node of this role joins with, and (servers) the agent token it accepts, chosen
 * before they are combined into the node's user data or script: an agent's then never depends on
 * the server token, which the security pack checks in the dependency graph. The initial server
 * joins nothing and keeps the bare passwords (k3s checks no hash there: pkg/cluster/bootstrap.go
 * L115-118); every other node gets the secure form, its agent token included, which a joining
 * server sends when it compares its config with the cluster's (bootstrap.go L509-522).
 */
export function joinTokensFor(role: "server" | "agent", tokens: JoinTokens, initial = false): { token: pulumi.Input<string>; agentToken?: pulumi.Input<string> } {
    if (initial) return { token: tokens.server, agentToken: tokens.agent };
    const secure = (user: "server" | "node", password: pulumi.Input<string>) =>
        pulumi.all([tokens.serverCaHash, password]).apply(([hash, pw]) => secureJoinToken(hash, user, pw));
    return role === "server" ? { token: secure("server", tokens.server), agentToken: secure("node", tokens.agent) } : { token: secure("node", tokens.agent) };
}

/** A node's join settings, resolved: the URL it joins, the tokens `joinTokensFor` chose, the CA and the Tailscale key. */
export type JoinSettings = Pick<K3sNodeBootstrap, "serverUrl" | "token" | "agentToken" | "serverCa" | "tailscaleAuthKey" | "tailscaleVersion">;

/**
 * Resolves one node's join settings: the initial server joins no URL and alone gets the server
 * CA; every node gets the tokens of its role and, under `tailscale`, the auth key.
 */
export function joinSettings(node: { role: "server" | "agent"; initial: boolean }, tokens: JoinTokens, serverUrl: pulumi.Input<string> | undefined, serverCa: pulumi.Input<ServerCaFiles> | undefined, tailscale: TailscaleJoin | undefined): pulumi.Output<JoinSettings> {
    const join = joinTokensFor(node.role, tokens, node.initial);
    return pulumi
        .all([join.token, join.agentToken, tailscale?.authKey, node.initial ? undefined : serverUrl, node.initial ? serverCa : undefined])
        .apply(([token, agentToken, tailscaleAuthKey, url, ca]) => ({ serverUrl: url, token, agentToken, serverCa: ca, tailscaleAuthKey, tailscaleVersion: tailscale?.version }));
}

/** How a node joins the tailnet: the auth key (secret) and the client version to install. */
export interface TailscaleJoin {
    authKey: pulumi.Input<string>;
    version: string;
}

/**
 * Tailscale client pinned by default. Evidence: tailscale/tailscale@v1.94.2 (a stable release tag;
 * newest seen v1.102.3), installed from Tailscale's stable apt repository (checked 2026-11-27).
 */
export const DEFAULT_TAILSCALE_VERSION = "1.94.2";

/**
 * Fingerprint of the key that signs Tailscale's package repositories ("Tailscale Inc. (Package
 * repository signing key) <info@tailscale.com>"). A node trusts the key it downloads only if the
 * file holds this key and no other. Tailscale publishes no fingerprint page (tailscale/tailscale#13284
 * and #15898, both open, ask for one); the evidence, read 2026-11-28: dnf importing it from
 * pkgs.tailscale.com/stable/rhel/9/repo.gpg as "Fingerprint: 2596 A99E AAB3 3821 893C 0A79 458C A832
 * 957F 5868" (tailscale/tailscale#13284), and apt naming the same signer, NO_PUBKEY 458CA832957F5868,
 * for the stable Ubuntu and Debian repositories (tailscale/tailscale#4389, #4912, #11890). A key
 * rotation by Tailscale stops new installs with an error naming both fingerprints.
 */
export const TAILSCALE_REPOSITORY_KEY_FINGERPRINT = "2596A99EAAB33821893C0A79458CA832957F5868";

/**
 * Packaged components servers do not deploy (`disable:`): Groundwork owns the RuntimeClasses (the
 * nvidia one carries GPU scheduling) and the ingress controller (its own pinned Traefik, meshed,
 * in groundwork-ingress; k3s's would listen on 80/443 routing nothing). The rest (CoreDNS,
 * local-path, metrics-server, ServiceLB) run, modelled in components/rendered/k3s-packaged.ts.
 */
export const K3S_DISABLED: readonly string[] = ["runtimes", "traefik"];

/** Where the node's k3s configuration and installer are written. */
export const K3S_CONFIG_PATH = "/etc/rancher/k3s/config.yaml";
export const K3S_INSTALL_SCRIPT_PATH = "/usr/local/sbin/groundwork-k3s-install";
/** Where a node that names itself at boot writes its name and provider id (a k3s config drop-in). */
export const AWS_INSTANCE_IDENTITY_DROP_IN = "/etc/rancher/k3s/config.yaml.d/10-groundwork-aws-instance.yaml";

/**
 * sha256 of k3s's `install.sh` at each release tag Groundwork installs, so a node runs the installer
 * only if it is the one read here. v1.34.9+k3s1: vitorsavian/k3s@5f72184f:install.sh, the commit that
 * `k3s version v1.34.9+k3s1 (5f72184f)` names (k3s-io/k3s itself is too large to fetch here; read
 * 2026-11-27). A new version needs its line, read at its tag.
 */
export const K3S_INSTALLER_SHA256: Readonly<Record<string, string>> = {
    "v1.34.9+k3s1": "40b487f0d8ef4f5d1bf422e7bb6228cc7789c40ecc66c5ab067d396bbee9816e",
};

/** How long k3s may take to start, or to restart for a new config; its installer gets twice as long (it downloads k3s first). */
export const K3S_START_TIMEOUT_SECONDS = 900;

/** Where servers keep the API server's admission configuration (Pod Security defaults). */
export const K3S_POD_SECURITY_PATH = "/etc/rancher/k3s/pod-security.yaml";

/**
 * The cluster-wide Pod Security defaults, for a namespace that sets no level of its own: enforce
 * `baseline`, which refuses host namespaces (hostNetwork, hostPID, hostIPC), hostPath volumes,
 * host ports and privileged containers. Only kube-system, where
 * k3s runs its own pods (ServiceLB's host ports, local-path's hostPath helpers), is exempt;
 * Groundwork's namespaces all set their level. So no pod outside kube-system and the node agents'
 * namespaces labelled privileged on purpose (linkerd-cni, nvidia-device-plugin, kured,
 * system-upgrade, groundwork-node-metrics) can share a node's network, where the metadata
 * service's hop limit would not stop it; of those, only system-upgrade's Jobs do (README).
 * Format: kubernetes.io/docs/tasks/configure-pod-container/enforce-standards-admission-controller
 * (pod-security.admission.config.k8s.io/v1 needs 1.25+; read 2026-11-27). k3s sets no
 * admission-control-config-file of its own (no match in k3s-io/k3s@v1.34.9+k3s1, commit 5f72184f, pkg/).
 */
export function podSecurityAdmissionConfig(): string {
    return YAML.stringify({
        apiVersion: "apiserver.config.k8s.io/v1",
        kind: "AdmissionConfiguration",
        plugins: [{
            name: "PodSecurity",
            configuration: {
                apiVersion: "pod-security.admission.config.k8s.io/v1",
                kind: "PodSecurityConfiguration",
                // enforce only: a warn or audit default would also apply to every namespace that sets only
                // `enforce` (all of Groundwork's), and warn on the privileged ones at each apply.
                defaults: { enforce: "baseline", "enforce-version": "latest" },
                exemptions: { usernames: [], runtimeClasses: [], namespaces: ["kube-system"] },
            },
        }],
    });
}

/** The k3s configuration file (`/etc/rancher/k3s/config.yaml`): the same keys as the CLI flags. */
export function k3sConfigFile(node: K3sNodeBootstrap): Record<string, unknown> {
    const overlay = node.overlay ?? "private";
    const config: Record<string, unknown> = node.awsInstanceIdentity
        ? { token: node.token }
        : { token: node.token, "node-name": node.nodeName };
    if (node.serverUrl) {
        config.server = node.serverUrl;
    }
    if (node.externalIp) {
        config["node-external-ip"] = node.externalIp;
    }
    if (overlay === "tailscale") {
        if (!node.tailscaleAuthKey) {
            throw new Error(`node ${node.nodeName}: the tailscale overlay needs a Tailscale auth key`);
        }
        config["vpn-auth"] = `name=tailscale,joinKey=${node.tailscaleAuthKey}`;
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
            if (node.cluster.etcdSnapshots) {
                Object.assign(config, etcdSnapshotConfig(node.cluster.etcdSnapshots));
            }
        }
        if (overlay === "wireguard-native") {
            // Flannel options are server-side and must match on every server.
            config["flannel-backend"] = "wireguard-native";
            config["flannel-external-ip"] = true;
        }
        if (node.agentToken) {
            config["agent-token"] = node.agentToken;
        }
        config.disable = [...K3S_DISABLED];
        config["write-kubeconfig-mode"] = "0600";
        config["secrets-encryption"] = true;
        config["kube-apiserver-arg"] = [`admission-control-config-file=${K3S_POD_SECURITY_PATH}`, ...auditApiServerArgs(), ...(node.cluster?.apiOidc ? oidcApiServerArgs(node.cluster.apiOidc) : [])];
    }
    return config;
}

/**
 * The installer: fetches k3s's own `install.sh` at the pinned tag (which verifies the binary's
 * checksum) and runs it. Safe to re-run: with the pinned version already there it only restarts
 * k3s when GROUNDWORK_CONFIG_CHANGED=1.
 */
export function k3sInstallScript(node: Pick<K3sNodeBootstrap, "version" | "role" | "overlay" | "tailscaleVersion" | "awsInstanceIdentity" | "ociImage">): string {
    const service = node.role === "server" ? "k3s" : "k3s-agent";
    // Only on Oracle's images: an edge machine's /etc/iptables/rules.v4 is its owner's firewall.
    const ociImage = node.ociImage
        ? `
# Oracle's Ubuntu images reject all inbound traffic but SSH in iptables, behind the VCN's own
# security lists. k3s needs its ports (the cloud firewall stays the firewall), so drop those rules.
if [ -f /etc/iptables/rules.v4 ]; then
    iptables -D INPUT -j REJECT --reject-with icmp-host-prohibited 2>/dev/null || true
    iptables -D FORWARD -j REJECT --reject-with icmp-host-prohibited 2>/dev/null || true
    sed -i '/-j REJECT --reject-with icmp-host-prohibited/d' /etc/iptables/rules.v4
fi
`
        : "";
    const tailscale = node.overlay === "tailscale"
        ? `
# k3s's Tailscale integration drives the tailscale client, which must be installed first:
# the pinned version, from Tailscale's apt repository for this distribution.
TAILSCALE_VERSION="${node.tailscaleVersion ?? DEFAULT_TAILSCALE_VERSION}"
TAILSCALE_KEY_FINGERPRINT="${TAILSCALE_REPOSITORY_KEY_FINGERPRINT}"
TAILSCALE_KEYRING="/usr/share/keyrings/tailscale-archive-keyring.gpg"
TAILSCALE_LIST="/etc/apt/sources.list.d/tailscale.list"

# The fingerprints of the primary keys in an OpenPGP file, as gpg reads them, space-separated.
key_fingerprints() {
    GNUPGHOME="$1" gpg --batch --show-keys --with-colons "$2" 2>/dev/null \\
        | awk -F: '$1 == "pub" { primary = 1; next } $1 == "fpr" && primary { print $10; primary = 0 }' | tr '\\n' ' ' | sed 's/ $//'
}

# apt trusts every key in the keyring, so it holds Tailscale's signing key and nothing else. A
# keyring that already holds exactly the pinned key is kept; otherwise the key is downloaded and
# kept only if gpg finds exactly the pinned key in it. What is installed is gpg's own export of
# that key: a packet gpg does not list (a key without a user ID, which gpgv would still trust)
# cannot ride along.
tailscale_keyring() {
    gpg_home="$(mktemp -d)"
    source="$TAILSCALE_KEYRING"
    if [ ! -f "$source" ] || [ "$(key_fingerprints "$gpg_home" "$source")" != "$TAILSCALE_KEY_FINGERPRINT" ]; then
        source="$gpg_home/download.gpg"
        curl -fsSL --retry 10 --retry-all-errors "$1" -o "$source"
        found="$(key_fingerprints "$gpg_home" "$source")"
        if [ "$found" != "$TAILSCALE_KEY_FINGERPRINT" ]; then
            rm -rf "$gpg_home"
            echo "Tailscale's apt key from $1 is not the pinned $TAILSCALE_KEY_FINGERPRINT (it holds: \${found:-no key}); refusing to trust it" >&2
            exit 1
        fi
    fi
    GNUPGHOME="$gpg_home" gpg --batch --quiet --import "$source" 2>/dev/null || true
    GNUPGHOME="$gpg_home" gpg --batch --export "$TAILSCALE_KEY_FINGERPRINT" > "$gpg_home/pinned.gpg"
    if [ "$(key_fingerprints "$gpg_home" "$gpg_home/pinned.gpg")" != "$TAILSCALE_KEY_FINGERPRINT" ]; then
        rm -rf "$gpg_home"
        echo "gpg could not export Tailscale's key $TAILSCALE_KEY_FINGERPRINT from $source; refusing to trust it" >&2
        exit 1
    fi
    # apt reads the keyring and the list as its unprivileged _apt user: whatever umask this runs
    # under (the remote install sets 077), they must be world-readable, as Tailscale's own installer
    # makes them (tailscale/tailscale@v1.102.3:scripts/installer.sh L559-562, the fix of tailscale#15133).
    install -m 0644 "$gpg_home/pinned.gpg" "$TAILSCALE_KEYRING"
    rm -rf "$gpg_home"
}

tailscale_installed() {
    tailscale version 2>/dev/null | head -n 1 | grep -qxF "$TAILSCALE_VERSION"
}

if ! command -v apt-get >/dev/null 2>&1; then
    if ! tailscale_installed; then
        echo "installing Tailscale needs apt (Debian or Ubuntu); install tailscale $TAILSCALE_VERSION yourself" >&2
        exit 1
    fi
elif [ -f "$TAILSCALE_LIST" ] || ! tailscale_installed; then
    # Also on a machine already at the version: its keyring and list may predate these checks.
    # shellcheck disable=SC1091
    . /etc/os-release
    if ! command -v gpg >/dev/null 2>&1; then
        apt-get update
        DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y --no-install-recommends gpg
    fi
    tailscale_keyring "https://pkgs.tailscale.com/stable/$ID/$VERSION_CODENAME.noarmor.gpg"
    # The source line is written here, not downloaded: a fetched one could name another keyring or
    # say [trusted=yes]. Its text is Tailscale's own list's (tailscale/tailscale@v1.102.3:
    # clientupdate/clientupdate_test.go L59, the .tailscale-keyring.list its installer fetches).
    printf '# Tailscale packages for %s %s\\ndeb [signed-by=/usr/share/keyrings/tailscale-archive-keyring.gpg] %s %s main\\n' \\
        "$ID" "$VERSION_CODENAME" "https://pkgs.tailscale.com/stable/$ID" "$VERSION_CODENAME" > "$TAILSCALE_LIST"
    chmod 0644 "$TAILSCALE_LIST"
    if ! tailscale_installed; then
        apt-get update
        DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y "tailscale=$TAILSCALE_VERSION"
    fi
fi
`
        : "";
    const identity = node.awsInstanceIdentity
        ? `
# One launch template serves every node of the Auto Scaling group: name this node after its EC2
# instance and give the kubelet the provider id the cluster autoscaler maps to the group.
# IMDSv2 (a session token) answers the host itself; the hop limit of 1 keeps pods out.
IDENTITY_DROP_IN="${AWS_INSTANCE_IDENTITY_DROP_IN}"
if [ ! -f "$IDENTITY_DROP_IN" ]; then
    imds_token="$(curl -fsS --retry 10 --retry-all-errors -X PUT -H "X-aws-ec2-metadata-token-ttl-seconds: 300" http://169.254.169.254/latest/api/token)"
    instance_id="$(curl -fsS --retry 10 --retry-all-errors -H "X-aws-ec2-metadata-token: $imds_token" http://169.254.169.254/latest/meta-data/instance-id)"
    zone="$(curl -fsS --retry 10 --retry-all-errors -H "X-aws-ec2-metadata-token: $imds_token" http://169.254.169.254/latest/meta-data/placement/availability-zone)"
    mkdir -p "$(dirname "$IDENTITY_DROP_IN")"
    printf 'node-name: "%s"\\nkubelet-arg:\\n  - "provider-id=aws:///%s/%s"\\n' "$instance_id" "$zone" "$instance_id" > "$IDENTITY_DROP_IN"
    chmod 0600 "$IDENTITY_DROP_IN"
fi
`
        : "";
    return `#!/bin/sh
# Installs k3s ${node.version} as a ${node.role}. Written by Groundwork; safe to re-run.
set -eu

K3S_VERSION="${node.version}"
K3S_ROLE="${node.role}"
K3S_SERVICE="${service}"
INSTALLER_URL="https://raw.githubusercontent.com/k3s-io/k3s/\${K3S_VERSION}/install.sh"
INSTALLER_SHA256="${installerSha256(node.version)}"
# k3s's unit waits for k3s to be ready without limit (TimeoutStartSec=0: install.sh L1003 at
# 5f72184f), and a server is ready only once etcd and the API server are: a start that hangs
# fails here, naming its log, instead of holding the install (and \`pulumi up\`) forever.
START_TIMEOUT_SECONDS=${K3S_START_TIMEOUT_SECONDS}
restart_k3s() {
    if ! timeout "$START_TIMEOUT_SECONDS" systemctl restart "$K3S_SERVICE"; then
        echo "\${K3S_SERVICE} did not start within \${START_TIMEOUT_SECONDS}s; see journalctl -u \${K3S_SERVICE}" >&2
        exit 1
    fi
}

${ociImage}${tailscale}${identity}
# Installed, with its service unit (written last by the installer): make sure it is enabled and
# running, restarting it for a changed configuration. A node at another version keeps it: the
# cluster's upgrade Plans move every node to K3S_VERSION in order, drained (README, Upgrades). A
# partial install (binary but no unit, or a unit that never started) falls through to the
# installer, which is idempotent.
if command -v k3s >/dev/null 2>&1 && [ -f "/etc/systemd/system/\${K3S_SERVICE}.service" ]; then
    installed="$(k3s --version | sed -n 's/^k3s version \\([^ ]*\\) .*/\\1/p')"
    if [ "$installed" != "$K3S_VERSION" ]; then
        echo "k3s $installed is installed; the upgrade Plans take it to $K3S_VERSION"
    fi
    systemctl enable "$K3S_SERVICE" >/dev/null 2>&1 || true
    if [ "\${GROUNDWORK_CONFIG_CHANGED:-0}" = "1" ]; then
        echo "k3s is installed; restarting \${K3S_SERVICE} for the new configuration"
        restart_k3s
    elif ! systemctl is-active --quiet "$K3S_SERVICE"; then
        echo "k3s is installed but \${K3S_SERVICE} is not running; starting it"
        restart_k3s
    else
        echo "k3s is already installed and running"
    fi
    exit 0
fi

installer="$(mktemp)"
trap 'rm -f "$installer"' EXIT
curl -sfL --retry 10 --retry-delay 6 --retry-all-errors -o "$installer" "$INSTALLER_URL"
if ! echo "$INSTALLER_SHA256  $installer" | sha256sum -c --status; then
    echo "k3s's install.sh for $K3S_VERSION does not match its pinned sha256 ($INSTALLER_SHA256); refusing to run it" >&2
    exit 1
fi
# The installer downloads k3s and starts it; \`timeout\` ends the whole process group, the
# installer's systemctl with it.
if ! INSTALL_K3S_VERSION="$K3S_VERSION" INSTALL_K3S_EXEC="$K3S_ROLE" timeout "$((START_TIMEOUT_SECONDS * 2))" sh "$installer"; then
    echo "k3s's installer failed or did not finish within $((START_TIMEOUT_SECONDS * 2))s; see its output above and journalctl -u \${K3S_SERVICE}" >&2
    exit 1
fi
`;
}

function installerSha256(version: string): string {
    const sha = K3S_INSTALLER_SHA256[version];
    if (!sha) throw new Error(`k3s ${version}: no pinned sha256 of its install.sh; add it to K3S_INSTALLER_SHA256, read at the tag`);
    return sha;
}

/**
 * Security updates install themselves daily and never reboot the machine: kured reboots it,
 * drained, inside the reboot window, when /var/run/reboot-required appears. The keys are
 * unattended-upgrades' own (mvo5/unattended-upgrades@2.13 data/20auto-upgrades L1-2,
 * data/50unattended-upgrades.Ubuntu L94-96; Canonical's ubuntu-server-documentation
 * how-to/software/automatic-updates.md L49-53, L328).
 */
export const UNATTENDED_UPGRADES_CONF = `APT::Periodic::Update-Package-Lists "1";
APT::Periodic::Unattended-Upgrade "1";
Unattended-Upgrade::Automatic-Reboot "false";
`;

/** Where an edge machine gets the same settings (apt reads apt.conf.d in lexical order). */
export const EDGE_UNATTENDED_UPGRADES_PATH = "/etc/apt/apt.conf.d/52groundwork-unattended-upgrades";

/** A file's text as base64, which cloud-init and `base64 -d` turn back into exactly its bytes (the CA's hash depends on them). */
const base64Of = (text: string) => Buffer.from(text, "utf8").toString("base64");

/**
 * What every cloud node's first boot does besides k3s: daily security updates (reboots left to
 * kured) and, where Pulumi made it, the node's SSH host key.
 */
function firstBootSettings(sshHostKey: K3sNodeBootstrap["sshHostKey"]): Record<string, unknown> {
    return {
        // cc_package_update_upgrade_install installs it (first boot, before runcmd) and cc_apt_configure
        // writes `apt.conf` to /etc/apt/apt.conf.d/94cloud-init-config (canonical/cloud-init@26.2
        // cc_apt_configure.py L54-55, L1029-1054); no reboot from cloud-init (package_reboot_if_required false).
        packages: ["unattended-upgrades"],
        apt: { conf: UNATTENDED_UPGRADES_CONF },
        // cloud-init cc_ssh: with `ssh_keys` it installs these host keys (and deletes the image's,
        // ssh_deletekeys) instead of generating new ones (cloudinit/config/cc_ssh.py, schema
        // `ssh_keys`: ed25519_private / ed25519_public).
        ...(sshHostKey ? { ssh_keys: { ed25519_private: sshHostKey.privateKeyOpenssh, ed25519_public: sshHostKey.publicKeyOpenssh.trim() } } : {}),
    };
}

/**
 * The cloud-init user data (`#cloud-config`) that installs k3s on an agent's first boot. Servers
 * never get one: an instance's user data is served by its metadata service and readable by anyone
 * allowed to describe the instance, so a server's join secrets (the server token, which makes its
 * holder a server, and the initial server's CA key) travel over SSH instead (`k3sServerFirstBoot`,
 * `k3sRemoteInstall`). An agent's holds the agent token, which joins agents only.
 */
export function k3sCloudInit(node: K3sNodeBootstrap): string {
    if (node.role !== "agent" || node.agentToken !== undefined || node.serverCa !== undefined) {
        throw new Error(`node ${node.nodeName}: only agents install k3s from user data; a server takes its tokens and CA over SSH (k3sRemoteInstall after k3sServerFirstBoot)`);
    }
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
        ...firstBootSettings(node.sshHostKey),
    };
    return `#cloud-config\n# k3s ${node.role} ${node.nodeName}, rendered by Groundwork\n${YAML.stringify(doc)}`;
}

/**
 * A cloud server's user data: its first boot only, no k3s and nothing secret but its boot SSH host
 * key, which verifies Pulumi's first connection alone (`HostKeyHandover`). Pulumi then installs k3s
 * over SSH, verifying the key the server made itself (`k3sRemoteInstall` with `afterCloudInit`).
 */
export function k3sServerFirstBoot(node: Pick<K3sNodeBootstrap, "nodeName" | "sshHostKey">): string {
    return `#cloud-config\n# k3s server ${node.nodeName}: first boot, rendered by Groundwork; k3s is installed over SSH\n${YAML.stringify(firstBootSettings(node.sshHostKey))}`;
}

/**
 * A cloud node's user data, base64: an agent's k3s install from `agent`, or, without one, a
 * server's first boot alone, which is built from nothing but its host key and so depends on no
 * token. The host key is the one Pulumi made for the node, if it made one.
 */
export function cloudUserData(nodeName: string, agent: pulumi.Output<K3sNodeBootstrap> | undefined, hostKey?: { privateKeyOpenssh: pulumi.Input<string>; publicKeyOpenssh: pulumi.Input<string> }): pulumi.Output<string> {
    return pulumi.all([agent, hostKey?.privateKeyOpenssh, hostKey?.publicKeyOpenssh]).apply(([node, privateKeyOpenssh, publicKeyOpenssh]) => {
        const sshHostKey = privateKeyOpenssh && publicKeyOpenssh ? { privateKeyOpenssh, publicKeyOpenssh } : undefined;
        return Buffer.from(node ? k3sCloudInit({ ...node, sshHostKey }) : k3sServerFirstBoot({ nodeName, sshHostKey })).toString("base64");
    });
}

/** Shell that writes a file of the API server's only where it changed, and then asks for a restart. */
function stagedServerFile(path: string, marker: string, content: string): string {
    return `staged="$(mktemp)"
cat > "$staged" <<'${marker}'
${content.trimEnd()}
${marker}
if ! cmp -s "$staged" ${path}; then
    mv "$staged" ${path}
    GROUNDWORK_CONFIG_CHANGED=1
else
    rm -f "$staged"
fi
`;
}

/**
 * On a cloud server, the install waits for the first boot to finish: cloud-init installs the SSH
 * host key and runs apt, whose lock the installer's own apt would meet. \`status --wait\` returns
 * once cloud-init is done, 1 on an error and 2 on a recoverable one (canonical/cloud-init@26.2
 * cloudinit/cmd/status.py L232-255); either way the node is booted, and k3s's install goes on. It
 * waits without limit, so \`timeout\` bounds it.
 */
const CLOUD_INIT_TIMEOUT_SECONDS = 1200;
const CLOUD_INIT_WAIT = `# The instance's first boot (cloud-init: host key, packages) finishes first.
if command -v cloud-init >/dev/null 2>&1; then
    first_boot=0
    timeout ${CLOUD_INIT_TIMEOUT_SECONDS} cloud-init status --wait >/dev/null || first_boot=$?
    if [ "$first_boot" = 124 ]; then
        echo "cloud-init has not finished this instance's first boot within ${CLOUD_INIT_TIMEOUT_SECONDS}s (see /var/log/cloud-init-output.log); k3s is not installed beside it" >&2
        exit 1
    elif [ "$first_boot" != 0 ]; then
        echo "cloud-init reported an error on first boot (see /var/log/cloud-init.log); installing k3s anyway" >&2
    fi
fi
`;

/**
 * The same install for a machine reached over SSH: a script, fed to `sudo sh -s` on stdin, that
 * writes the config (restarting k3s only if it changed) and runs the installer.
 */
export function k3sRemoteInstall(node: K3sNodeBootstrap, options: { afterCloudInit?: boolean } = {}): string {
    const installer = k3sInstallScript(node).replace(/^#!\/bin\/sh\n/, "");
    return `#!/bin/sh
# k3s ${node.role} ${node.nodeName}, installed over SSH by Groundwork.
# One group, which the shell reads to its end before running any of it: fed on stdin, a command
# that reads stdin then finds it empty rather than eating the rest of the script (dash reads
# stdin in blocks).
{
set -eu
umask 077
${options.afterCloudInit ? CLOUD_INIT_WAIT : ""}${serverCaCheck(node)}mkdir -p "$(dirname ${K3S_CONFIG_PATH})"
staged="$(mktemp)"
cat > "$staged" <<'GROUNDWORK_K3S_CONFIG'
${YAML.stringify(k3sConfigFile(node)).trimEnd()}
GROUNDWORK_K3S_CONFIG
GROUNDWORK_CONFIG_CHANGED=0
if ! cmp -s "$staged" ${K3S_CONFIG_PATH}; then
    mv "$staged" ${K3S_CONFIG_PATH}
    GROUNDWORK_CONFIG_CHANGED=1
else
    rm -f "$staged"
fi
${node.role === "server" ? stagedServerFile(K3S_POD_SECURITY_PATH, "GROUNDWORK_POD_SECURITY", podSecurityAdmissionConfig()) + stagedServerFile(K3S_AUDIT_POLICY_PATH, "GROUNDWORK_AUDIT_POLICY", auditPolicy()) : ""}export GROUNDWORK_CONFIG_CHANGED
# Security updates daily, reboots left to kured (README, Upgrades); only where apt is the package manager.
if command -v apt-get >/dev/null 2>&1; then
    cat > ${EDGE_UNATTENDED_UPGRADES_PATH} <<'GROUNDWORK_APT'
${UNATTENDED_UPGRADES_CONF.trimEnd()}
GROUNDWORK_APT
    chmod 0644 ${EDGE_UNATTENDED_UPGRADES_PATH}
    # Never in the way of k3s: a busy dpkg lock or an offline mirror only delays the updates.
    dpkg -s unattended-upgrades >/dev/null 2>&1 || DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y unattended-upgrades \
        || echo "unattended-upgrades could not be installed now; security updates wait for the next run" >&2
fi
${installer}}
`;
}

/**
 * The remote install's server CA step, before anything else is written. On the initial server:
 * place Pulumi's CA if k3s has none yet, and refuse a server whose CA is another (a cluster made
 * before Groundwork made it). On a joining node: refuse, before its config changes, a server
 * that presents a CA other than the one its token pins, which k3s would refuse anyway
 * (pkg/clientaccess/token.go L403) after the node had dropped out. An unreachable server is left
 * to k3s's own check on a new node, and refused on a running one whose config would change.
 */
function serverCaCheck(node: K3sNodeBootstrap): string {
    const older = "if the cluster was made before Groundwork made its server CA, read the hash on its first server (sudo cut -c4-67 " + `${K3S_SERVER_DATA_DIR}/token) and set groundwork:cluster.serverCaHash to it (README, Joins pin the server CA)`;
    if (node.serverCa) {
        const hash = serverCaHash(node.serverCa.certPem);
        return `# The cluster's server CA, made by Pulumi, in place before k3s first starts.
# Written as a token writes it (K10<hash>), so that the hash, which is public, is never a
# key-like token of its own in this secret script (the plan's leak check reads those).
PINNED_CA="K10${hash}"
if [ ! -e ${SERVER_CA_CERT_PATH} ] && [ ! -e ${SERVER_CA_KEY_PATH} ]; then
    (umask 022 && mkdir -p "$(dirname ${K3S_SERVER_DATA_DIR})")
    mkdir -p "$(dirname ${SERVER_CA_CERT_PATH})"
    printf '%s' '${base64Of(node.serverCa.certPem)}' | base64 -d > ${SERVER_CA_CERT_PATH}
    chmod 0644 ${SERVER_CA_CERT_PATH}
    printf '%s' '${base64Of(node.serverCa.keyPem)}' | base64 -d > ${SERVER_CA_KEY_PATH}
elif [ ! -e ${SERVER_CA_CERT_PATH} ] || [ ! -e ${SERVER_CA_KEY_PATH} ]; then
    echo "only one of ${SERVER_CA_CERT_PATH} and ${SERVER_CA_KEY_PATH} exists: k3s would make a new CA no joining node trusts; restore the other, or remove both on a server k3s has never started" >&2
    exit 1
else
    found="$(sha256sum < ${SERVER_CA_CERT_PATH} | cut -c1-64)"
    if [ "K10$found" != "$PINNED_CA" ]; then
        echo "this server's CA (sha256 $found) is not the \${PINNED_CA#K10} Pulumi made: ${older}. Nothing was changed" >&2
        exit 1
    fi
fi
`;
    }
    const pinned = pinnedCaHash(node.token);
    if (!pinned || !node.serverUrl) return "";
    return `# The server's CA must be the one this node's token pins, before the config changes.
PINNED_CA="K10${pinned}"
presented_ca="$(mktemp)"
if curl -fsSk --max-time 20 -o "$presented_ca" "${node.serverUrl}/cacerts"; then
    presented="$(sha256sum < "$presented_ca" | cut -c1-64)"
    rm -f "$presented_ca"
    if [ "K10$presented" != "$PINNED_CA" ]; then
        echo "the server at ${node.serverUrl} presents a CA whose sha256 is $presented, not the \${PINNED_CA#K10} this node's token pins: something between this machine and the server may be answering for it, or, ${older}. Nothing was changed" >&2
        exit 1
    fi
elif [ -f ${K3S_CONFIG_PATH} ] && ! grep -qF "$PINNED_CA::" ${K3S_CONFIG_PATH}; then
    rm -f "$presented_ca"
    echo "the server at ${node.serverUrl} did not answer for its CA, and this node runs k3s with a config that does not pin it yet: pinning it restarts k3s, which drops the node if the server's CA is another. Nothing was changed; run again once ${node.serverUrl}/cacerts answers from this machine" >&2
    exit 1
else
    rm -f "$presented_ca"
    echo "the server at ${node.serverUrl} did not answer for its CA now; k3s checks it when it joins" >&2
fi
`;
}

/** Removes k3s from a machine: the uninstall script k3s's installer left for its role. */
export const K3S_UNINSTALL = `#!/bin/sh
set -eu
for script in /usr/local/bin/k3s-uninstall.sh /usr/local/bin/k3s-agent-uninstall.sh; do
    if [ -x "$script" ]; then
        "$script"
    fi
done
`;
