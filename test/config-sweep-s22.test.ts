import { strict as assert } from "assert";
import { keygen, lineFor, parsedAfter, problemsAfter } from "./helpers";

/**
 * Bad-input sweep s22 (research/bad-input-sweep-s22.md): values each valid alone that vLLM, the
 * cloud or LiteLLM refuses, and settings nothing reads. Each is refused before anything is made,
 * on the key to change, with what would work; each has a valid neighbour that still passes.
 */

type Edit = (v: Record<string, any>) => void;
const only = problemsAfter;
const passes = parsedAfter;

describe("bad-input sweep s22: models vLLM refuses at start", () => {
    it("refuses a context one GPU's KV cache cannot hold after the weights (M1), and takes one it can", () => {
        const found = only("cloud", (v) => {
            v.inference.models[0].maxModelLen = 131072;
            v.inference.routes.forEach((r: any) => { r.contextWindowFallbacks = []; });
        });
        assert.match(lineFor(found, "inference.models[0].maxModelLen"), /= 131072: is 131072 tokens, but after about [\d.]+ GiB of weights the 1 GPU\(s\) × [\d.]+ GiB usable hold about (\d+) tokens of meta-llama\/Llama-3\.1-8B-Instruct's KV cache \(131072 bytes a token\), and vLLM starts only when one whole sequence fits; give a maxModelLen of at most \1/);
        const most = Number(/at most (\d+)/.exec(lineFor(found, "inference.models[0].maxModelLen"))![1]);
        // 2 × 32 layers × 8 KV heads × 128 × 2 bytes = 128 KiB a token; the A10G's 21.6 GiB less ~17.9 GiB of weights.
        assert.ok(most > 25_000 && most < 35_000, String(most));
        assert.equal(passes("cloud", (v) => { v.inference.models[0].maxModelLen = 24576; v.inference.models[1].maxModelLen = 32768; }).inference!.models[0].maxModelLen, 24576);
    });

    it("refuses a context longer than the model's positions (M2), on CPU too", () => {
        assert.match(lineFor(only("cloud", (v) => { v.inference.models[1].maxModelLen = 131072; }), "inference.models[1].maxModelLen"),
            /= 131072: is more than the 32768 positions Qwen\/Qwen2\.5-0\.5B-Instruct was trained for \(max_position_embeddings in its config\.json\), and vLLM refuses a longer max_model_len at start; give at most 32768/);
        assert.match(lineFor(only("dev", (v) => { v.inference.models[0].maxModelLen = 65536; v.inference.models[0].kvCacheGbs = 8; }), "inference.models[0].maxModelLen"), /is more than the 32768 positions/);
        assert.equal(passes("cloud", (v) => { v.inference.models[1].maxModelLen = 32768; }).inference!.models[1].maxModelLen, 32768);
    });

    it("refuses fp8 where a T4 may serve it (M3), and takes it on Ampere or newer", () => {
        const onT4 = (quantization: string) => (v: Record<string, any>) => {
            v.aws.gpuNodeGroups[0].instanceType = "g4dn.xlarge";
            v.inference.models[0].quantization = quantization;
            v.inference.models[0].dtype = "float16";
            v.inference.models[1].dtype = "float16";
        };
        assert.match(lineFor(only("cloud", onT4("fp8")), "inference.models[0].quantization"),
            /= "fp8": is fp8, but large may run on T4 GPUs \(compute capability 7\.5\), where vLLM refuses fp8 at start \(it needs 8\.0 or more\); use awq or gptq there/);
        assert.equal(passes("cloud", (v) => { v.inference.models[0].quantization = "fp8"; }).inference!.models[0].quantization, "fp8");
    });
});

describe("bad-input sweep s22: clouds and budgets that cannot hold what is asked", () => {
    it("refuses two tenancies in one OCI site (M4): the key's and tenancyOcid, or another tenancy's root as the compartment", () => {
        const other = "ocid1.tenancy.oc1..aaaaaaaaothertenancyzzzz";
        const auth = () => ({ tenancyOcid: other, userOcid: "ocid1.user.oc1..aaaaaaaauser", fingerprint: "aa:bb:cc:dd:ee:ff:00:11:22:33:44:55:66:77:88:99", privateKey: "stand-in" });
        assert.match(lineFor(only("dev", (v) => { v.oci.auth = auth(); }), "oci.tenancyOcid"),
            /= "ocid1\.tenancy\.oc1\.\.aaaaaaaagroundworkdevstandin": is not auth\.tenancyOcid \(ocid1\.tenancy\.oc1\.\.aaaaaaaaothertenancyzzzz\), the tenancy the API key signs for/);
        assert.match(lineFor(only("dev", (v) => { v.oci.compartmentId = other; }), "oci.compartmentId"),
            /is another tenancy's root compartment than ocid1\.tenancy\.oc1\.\.aaaaaaaagroundworkdevstandin, where the stack makes its identity resources/);
        // The tenancy's own root is a compartment of it.
        assert.equal(passes("dev", (v) => { v.oci.compartmentId = v.oci.tenancyOcid; }).oci!.compartmentId, "ocid1.tenancy.oc1..aaaaaaaagroundworkdevstandin");
    });

    it("refuses OCI subnets too small for their nodes, counting OCI's three reserved addresses and the servers' fixed ones (M5)", () => {
        assert.match(lineFor(only("dev", (v) => { v.oci.publicSubnetCidr = "10.0.0.0/30"; }), "oci.publicSubnetCidr"),
            /= "10\.0\.0\.0\/30": is a \/30 of 4 addresses, but the servers take fixed addresses in it, host 10, short of its last; use a \/28 or larger/);
        assert.match(lineFor(only("dev", (v) => { v.oci.privateSubnetCidr = "10.0.1.0/30"; v.oci.nodes.push({ ...v.oci.nodes[1], name: "agent-2", ocpus: 1, memoryGbs: 1 }); v.oci.nodes[1].ocpus = 1; v.oci.nodes[1].memoryGbs = 11; }), "oci.privateSubnetCidr"),
            /= "10\.0\.1\.0\/30": is a \/30, whose 4 addresses leave 1 for nodes once OCI keeps its first two and its last, but 2 node\(s\) go in it; use a \/29 or larger/);
        // A server in the private subnet would take a fixed address of the public one.
        assert.match(lineFor(only("dev", (v) => { v.oci.nodes[1].role = "server"; v.oci.nodes[1].public = false; }), "oci.nodes[1].public"), /is false on agent-1, a server, but servers take fixed addresses in the public subnet/);
        assert.equal(passes("dev", (v) => { v.oci.publicSubnetCidr = "10.0.0.0/28"; }).oci!.publicSubnetCidr, "10.0.0.0/28");
    });

    it("refuses AWS subnets that cannot hold the GPU nodes at their largest (M6), and GPU groups that share a name (M7)", () => {
        const found = only("cloud", (v) => {
            v.aws.publicSubnetCidrs = ["10.1.0.0/28", "10.1.0.16/28"];
            v.aws.privateSubnetCidrs = ["10.1.0.32/28", "10.1.0.48/28"];
            v.aws.gpuNodeGroups[1].autoscaling = { min: 0, max: 30 };
            v.cost.monthlyBudgetUsd = 100000;
        });
        assert.match(lineFor(found, "aws.privateSubnetCidrs"), /leave 22 addresses for nodes once AWS keeps five of each subnet, but the GPU node groups reach 31 node\(s\) at their largest; use larger subnets/);
        assert.match(lineFor(only("cloud", (v) => { v.aws.gpuNodeGroups.push({ name: "gpu-a10g", instanceType: "g5.xlarge", count: 0 }); }), "aws.gpuNodeGroups[2].name"),
            /= "gpu-a10g": is also gpuNodeGroups\[0\]'s name; each group needs its own/);
    });

    it("refuses a budget period LiteLLM cannot date the next reset of (M8), and takes ten years", () => {
        assert.match(lineFor(only("dev", (v) => { v.inference.teams[0].budgetDuration = "3000000d"; }), "inference.teams[0].budgetDuration"),
            /= "3000000d": is longer than ten years \(3650d, 521w, 117mo\): LiteLLM dates the next reset by adding the period to today, which fails past the year 9999/);
        assert.match(lineFor(only("dev", (v) => { v.inference.teams[0].budgetDuration = "118mo"; }), "inference.teams[0].budgetDuration"), /is longer than ten years/);
        assert.equal(passes("dev", (v) => { v.inference.teams[0].budgetDuration = "3650d"; }).inference!.teams[0].budgetDuration, "3650d");
    });
});

describe("bad-input sweep s22: settings nothing reads, lists with repeats, and models no route reaches", () => {
    it("refuses a setting this stack ignores, naming it, its value and why (M9-M18)", () => {
        const cases: [string, Edit, string, RegExp][] = [
            ["dev", (v) => { v.platform ??= {}; v.platform.langfuse = { ...v.platform.langfuse, adminEmail: "someone-else@groundwork.example" }; }, "platform.langfuse.adminEmail", /= "someone-else@groundwork\.example": is ignored: with access\.sso, Langfuse's first owner is access\.sso\.administrators\[0\] \(admin@groundwork\.example\)/],
            ["edge", (v) => { v.inference.teams[0].ownersGroup = "site-owners"; }, "inference.teams[0].ownersGroup", /= "site-owners": is ignored: a team's owners sign in to Vault through groundwork:access\.sso, which this stack does not have/],
            ["cloud", (v) => { v.inference.models[0].kvCacheGbs = 8; }, "inference.models[0].kvCacheGbs", /= 8: is ignored: it sizes the CPU backend's KV cache \(VLLM_CPU_KVCACHE_SPACE\), and this model runs on a GPU/],
            ["dev", (v) => { v.inference.models[0].gpuMemoryUtilization = 0.5; }, "inference.models[0].gpuMemoryUtilization", /= 0\.5: is ignored: this model runs on CPU \(gpus: 0\)/],
            ["cloud", (v) => { delete v.access.hosts.gateway; delete v.access.hosts.gatewayAdmin; v.access.gatewayRateLimit = { average: 5, burst: 10 }; }, "access.gatewayRateLimit", /= \{"average":5,"burst":10\}: is ignored: it limits the public gateway host, and access\.hosts\.gateway routes none/],
            ["cloud", (v) => { v.apps.chat.enabled = false; v.access.sso.allowedDomains = ["groundwork.example"]; }, "access.sso.allowedDomains", /is ignored: only the chat UI reads it \(OAUTH_ALLOWED_DOMAINS\), and groundwork:apps\.chat is not on/],
            ["edge", (v) => { v.access.tls.acmeServer = "https://acme-staging-v02.api.letsencrypt.org/directory"; }, "access.tls.acmeServer", /is ignored: certificates come from the stack's own CA \(tls\.issuer private-ca\), which asks no ACME server/],
            ["edge", (v) => { v.platform ??= {}; v.platform.backups = { ...v.platform.backups, objectLock: "governance" }; }, "platform.backups.objectLock", /= "governance": is ignored: it is set on the bucket the stack makes, and backups go to the bucket platform\.postgres\.backup\.s3 names/],
            ["hybrid", (v) => { v.aws.sshAllowedCidrs = ["203.0.113.0/24"]; }, "aws.sshAllowedCidrs", /= \["203\.0\.113\.0\/24"\]: is ignored: it opens SSH to the AWS servers, and this stack has none/],
            // Edge machines' host keys always come from config (sweep s24 M3).
            ["edge", (v) => { v.cluster.sshHostKeys = "trust-on-first-use"; }, "cluster.sshHostKeys", /= "trust-on-first-use": is ignored: it says how Pulumi trusts the SSH host keys of the cloud nodes it reaches \(AWS servers, public OCI nodes\), and this stack has none: AWS GPU nodes and private OCI nodes are never reached, and edge machines are always checked against edge\.machines\[\]\.hostKey; remove it/],
        ];
        for (const [stack, edit, key, expected] of cases) {
            assert.match(lineFor(only(stack, edit), key), expected, key);
        }
        // The same settings where they are read pass: the first administrator as Langfuse's owner, in any case.
        assert.equal(passes("dev", (v) => { v.platform ??= {}; v.platform.langfuse = { ...v.platform.langfuse, adminEmail: "Admin@groundwork.example" }; }).platform.langfuse.adminEmail, "Admin@groundwork.example");
    });

    it("refuses a model or a hosted model no route targets (M19, W1), a null revision (M20), and a budget beside Always Free (M21)", () => {
        assert.match(lineFor(only("cloud", (v) => { v.inference.hosted.push({ name: "hosted-spare", model: "anthropic/claude-3-5-haiku-latest", apiKey: "sk-ant-api03-stand-in-0123456789abcdef" }); }), "inference.hosted[1].name"),
            /= "hosted-spare": is no route's target, so the gateway never calls it and its apiKey is stored for nothing/);
        assert.match(lineFor(only("dev", (v) => { v.inference.models.push({ ...v.inference.models[0], name: "spare" }); }), "inference.models[1].name"),
            /= "spare": is no route's target, so the gateway never sends it a request and its server would hold its cores and memory for nothing/);
        assert.match(lineFor(only("dev", (v) => { v.inference.models[0].revision = "0".repeat(40); }), "inference.models[0].revision"), /is git's null object id, which names no commit/);
        assert.match(lineFor(only("dev", (v) => { v.cost.monthlyBudgetUsd = 100; }), "cost.monthlyBudgetUsd"), /= 100: is above \$0, but cost\.alwaysFreeOnly holds this stack to \$0 a month/);
    });

    it("refuses a repeat in lists that had no check (M22-M26), an address twice whatever its display name", () => {
        assert.match(lineFor(only("dev", (v) => { v.platform ??= {}; v.platform.vectorDb = { ...v.platform.vectorDb }; v.platform.vectorDb.clients = ["groundwork-notebooks/notebook-user", "groundwork-notebooks/notebook-user"]; }), "platform.vectorDb.clients[1]"), /is also item \[0\]; list each service account once/);
        assert.match(lineFor(only("dev", (v) => { v.cluster.upgrades = { window: { days: ["sunday", "sunday"], startTime: "02:00", endTime: "05:00", timeZone: "Etc/UTC" } }; }), "cluster.upgrades.window.days[1]"), /is also item \[0\]; list each day once/);
        assert.match(lineFor(only("cloud", (v) => { v.inference.guardrails.entities = ["EMAIL_ADDRESS", "EMAIL_ADDRESS"]; }), "inference.guardrails.entities[1]"), /is also item \[0\]; list each entity once/);
        assert.match(lineFor(only("cloud", (v) => { v.monitoring.alerts.receiver.email.to = ["oncall@groundwork.example", "On-call <ONCALL@groundwork.example>"]; }), "monitoring.alerts.receiver.email.to[1]"), /is item \[0\]'s address again; list each recipient once/);
        const key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPJC+DaN6Ct83KzAEZXonIz79SiVl6YRZ1H4AnngHYKG";
        assert.match(lineFor(only("dev", (v) => { v.oci.sshAuthorizedKeys = [`${key} ops@laptop`, `${key} ops@desktop`]; }), "oci.sshAuthorizedKeys[1]"), /is item \[0\]'s key again; list each key once/);
    });

    it("says which time a restore target names, year 1 included (W3), and names access.replicas among the largest workloads (W4)", () => {
        assert.match(lineFor(only("dev", (v) => { v.platform ??= {}; v.platform.postgres = { ...v.platform.postgres, restore: { targetTime: "0001-01-01T00:00:00Z" } }; }), "platform.postgres.restore.targetTime"),
            /= "0001-01-01T00:00:00Z": is before any backup of this stack could have been taken/);
        assert.match(only("dev", (v) => { v.access.replicas = 5; }).join("\n"), /traefik x5 \([\d.]+ cores, [\d.]+ GiB; groundwork:access\.replicas\)/);
    });
});

describe("bad-input sweep s22: models no node of their placement admits (W2)", () => {
    it("refuses a model whose every candidate node carries a taint of the config's own, naming that key, and takes one free node", () => {
        assert.match(lineFor(only("cloud", (v) => { v.aws.gpuNodeGroups.forEach((g: any) => { g.taints = ["team=research:NoSchedule"]; }); }), "inference.models[0].name"),
            /places large on gpu nodes, but every one of them has a taint of the config's own \(aws\.gpuNodeGroups\[0\]\.taints: team=research:NoSchedule\), which models do not tolerate/);
        assert.doesNotThrow(() => passes("cloud", (v) => { v.aws.gpuNodeGroups[1].taints = ["team=research:NoSchedule"]; }));
        // PreferNoSchedule keeps no pod off.
        assert.doesNotThrow(() => passes("cloud", (v) => { v.aws.gpuNodeGroups.forEach((g: any) => { g.taints = ["team=research:PreferNoSchedule"]; }); }));
    });
});

describe("bad-input sweep s22b: addresses, ports, host keys and taints", () => {
    it("refuses operator ranges no operator connects from: loopback, link-local, multicast (s22b13, s22b15)", () => {
        assert.match(lineFor(only("dev", (v) => { v.cluster.apiAllowedCidrs = ["127.0.0.1/32"]; }), "cluster.apiAllowedCidrs[0]"), /= "127\.0\.0\.1\/32": is in the loopback range 127\.0\.0\.0\/8, from which no operator connects/);
        assert.match(lineFor(only("dev", (v) => { v.oci.sshAllowedCidrs = ["169.254.169.254/32"]; }), "oci.sshAllowedCidrs[0]"), /is in the link-local range 169\.254\.0\.0\/16, where the instance metadata service answers, from which no operator connects/);
    });

    it("refuses an edge SSH port k3s binds on the machine for itself (s22b01, s22b02)", () => {
        assert.match(lineFor(only("edge", (v) => { v.edge.machines[1].port = 6444; }), "edge.machines[1].port"), /= 6444: is a port k3s listens on at this (agent|server) \(k3s agent's load balancer to the servers\)/);
        assert.match(lineFor(only("edge", (v) => { v.edge.machines[0].port = 10257; }), "edge.machines[0].port"), /kube-proxy healthz, kube-controller-manager/);
    });

    it("takes a host key with the comment its .pub file carries, and compares the key alone (s22b04)", () => {
        const config = passes("edge", (v) => { v.edge.machines[0].hostKey = `${v.edge.machines[0].hostKey} root@edge-1`; });
        assert.match(config.edge!.machines[0].hostKey, /^ssh-ed25519 [A-Za-z0-9+/]+={0,3}$/);
    });

    it("refuses a taint the node controller sets and clears itself (s22b41), and GPU alerts without GPUs (s22b31)", () => {
        assert.match(lineFor(only("dev", (v) => { v.oci.nodes[1].taints = ["node.kubernetes.io/unschedulable:NoSchedule"]; }), "oci.nodes[1].taints[0]"), /uses node\.kubernetes\.io\/unschedulable, a key Kubernetes' node controller sets and clears by the node's state/);
        assert.match(lineFor(only("dev", (v) => { v.monitoring = { ...v.monitoring, alerts: { ...(v.monitoring?.alerts ?? {}), gpuIdle: { minutes: 30, utilizationPercent: 10 } } }; }), "monitoring.alerts.gpuIdle"), /is ignored: it watches GPU nodes/);
    });
});

describe("bad-input sweep s22b: object storage", () => {
    it("takes AWS's global endpoint for us-east-1's, refusing another region's signature there (s22b28)", () => {
        assert.match(lineFor(only("edge", (v) => { v.platform.postgres.backup.s3 = { ...v.platform.postgres.backup.s3, endpointURL: "https://s3.amazonaws.com", region: "eu-central-1" }; }), "platform.postgres.backup.s3.region"),
            /= "eu-central-1": is eu-central-1, but the endpoint is AWS's in us-east-1, which refuses requests signed for another region/);
        assert.doesNotThrow(() => passes("edge", (v) => { v.platform.postgres.backup.s3 = { ...v.platform.postgres.backup.s3, endpointURL: "https://s3.amazonaws.com", region: "us-east-1" }; }));
    });
});

describe("bad-input sweep s22b: host names no certificate is issued for", () => {
    it("refuses a reserved '--' label and an xn-- label that is not Punycode (s22b50, s22b51), and takes real internationalised names", () => {
        assert.match(lineFor(only("dev", (v) => { v.access.hosts.chat = "ab--chat.dev.groundwork.example"; }), "access.hosts.chat"), /has a label with '--' in its third and fourth characters, a form reserved for internationalised names \(RFC 5890, R-LDH\)/);
        assert.match(lineFor(only("dev", (v) => { v.access.hosts.chat = "xn--chat.dev.groundwork.example"; }), "access.hosts.chat"), /has an xn-- label that is not valid Punycode/);
        assert.doesNotThrow(() => passes("dev", (v) => { v.access.hosts.chat = "xn--bcher-kva.dev.groundwork.example"; }));
    });
});

describe("bad-input sweep s22b: RSA keys cut short (s22b05)", () => {
    it("refuses an RSA host key or authorized key whose modulus is cut off, and takes the whole one", () => {
        const whole = keygen("rsa").publicKey.trim().split(/\s+/).slice(0, 2).join(" ");
        const cut = whole.slice(0, whole.length - 40);
        assert.match(lineFor(only("edge", (v) => { v.edge.machines[0].hostKey = cut; }), "edge.machines[0].hostKey"), /is an RSA key cut short \(its data does not hold the exponent and modulus whole, RFC 4253 6\.6\)/);
        assert.match(lineFor(only("dev", (v) => { v.oci.sshAuthorizedKeys = [cut]; }), "oci.sshAuthorizedKeys[0]"), /is an RSA key cut short/);
        assert.deepEqual(passes("dev", (v) => { v.oci.sshAuthorizedKeys = [whole]; }).oci!.sshAuthorizedKeys, [whole]);
        // A whole RSA host key is refused for another reason: Pulumi's SSH client checks it only with
        // SHA-1 signatures, which OpenSSH 8.8 and later no longer offer (security review s23 F7).
        assert.deepEqual(only("edge", (v) => { v.edge.machines[0].hostKey = whole; }).map((l) => l.replace(/^.*?: /, "")), [
            "is an RSA host key, which Pulumi's SSH client can check only with SHA-1 signatures (ssh-rsa), and OpenSSH 8.8 and later no longer offer those, so no connection would be made; give the machine's ed25519 host key (ssh-keyscan -t ed25519 <host>), or its ECDSA one",
        ]);
    });
});

describe("bad-input sweep s22b: the window that moved (s22b18)", () => {
    it("names the upgrade window, with both windows' zones, when only it was set and it meets the default reboots", () => {
        assert.match(lineFor(only("dev", (v) => { v.cluster.upgrades = { window: { timeZone: "America/Godthab" } }; }), "cluster.upgrades.window"),
            /= \{"timeZone":"America\/Godthab"\}: meets the reboot window \(upgrades 04:00-06:00 America\/Godthab, with the 45 minutes an upgrade started at its end may run; reboots 07:00-08:00 Etc\/UTC\)/);
    });
});

describe("bad-input sweep s22b: a restore time no backup reaches (s22b24)", () => {
    it("refuses a target older than the retention, and takes one inside it", () => {
        const daysAgo = (n: number) => new Date(Date.now() - n * 86_400_000).toISOString().replace(/\.\d+Z$/, "Z");
        const restore = (targetTime: string) => (v: Record<string, any>) => { v.platform ??= {}; v.platform.postgres = { ...v.platform.postgres, backup: { ...v.platform.postgres?.backup, serverName: "postgres-2" }, restore: { fromServerName: "postgres", targetTime } }; };
        assert.match(lineFor(only("cloud", restore(daysAgo(400))), "platform.postgres.restore.targetTime"), /is older than the backups kept \(backup\.retentionDays \d+: nothing from before \d{4}-\d{2}-\d{2} is left\), so no base backup reaches it/);
        assert.doesNotThrow(() => passes("cloud", restore(daysAgo(2))));
    });
});
