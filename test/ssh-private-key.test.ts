import { strict as assert } from "assert";
import { placeholderFor } from "../plan/stack-file";
import { ed25519KeyIsWhole, keyBlobMatchesType, sshPrivateKeyProblem } from "../stacks/config/ssh-private-key";
import { keygen, lineFor, parse, problems, stackValues } from "./helpers";

describe("an edge machine's SSH private key (what golang.org/x/crypto/ssh ParsePrivateKey accepts)", () => {
    it("accepts every unencrypted format ssh-keygen writes", () => {
        for (const [type, format] of [["ed25519", "RFC4716"], ["rsa", "PEM"], ["rsa", "PKCS8"], ["ecdsa", "PEM"], ["ecdsa", "PKCS8"]] as const) {
            const key = keygen(type, format).privateKey;
            assert.equal(sshPrivateKeyProblem(key), undefined, `${type} ${format}:\n${key.split("\n")[0]}`);
        }
    });

    it("refuses a key with a passphrase, in the OpenSSH format and in legacy encrypted PEM", () => {
        assert.match(sshPrivateKeyProblem(keygen("ed25519", "RFC4716", "correct horse").privateKey)!, /^is encrypted with a passphrase, which the stack cannot give/);
        const legacy = keygen("rsa", "PEM", "correct horse").privateKey;
        assert.match(legacy, /Proc-Type: 4,ENCRYPTED/, "ssh-keygen -m PEM with a passphrase writes legacy encrypted PEM");
        assert.match(sshPrivateKeyProblem(legacy)!, /^is encrypted with a passphrase/);
    });

    it("refuses a public key, an encrypted PKCS#8 block and text that is no key, naming the types there are", () => {
        assert.match(sshPrivateKeyProblem(keygen("ed25519", "RFC4716").publicKey)!, /^is not a PEM private key \(no BEGIN \.\.\. PRIVATE KEY block; a public key is not the key SSH signs with\)/);
        assert.match(sshPrivateKeyProblem(keygen("rsa", "PKCS8", "correct horse").privateKey)!, /^is a PEM block of type "ENCRYPTED PRIVATE KEY", which Pulumi's SSH client cannot use; give one of: RSA PRIVATE KEY, PRIVATE KEY/);
        assert.match(sshPrivateKeyProblem("PLANTED7Q9")!, /^is not a PEM private key/);
        assert.match(sshPrivateKeyProblem("-----BEGIN OPENSSH PRIVATE KEY-----\nbm90IGEga2V5\n-----END OPENSSH PRIVATE KEY-----\n")!, /whose body is not an OpenSSH key/);
    });

    it("lets the offline plan's stand-in pass, so edge stacks plan without their keys", () => {
        assert.equal(sshPrivateKeyProblem(placeholderFor("groundwork:edge.machines[0].privateKey")), undefined);
    });

    it("refuses, by key and without its text, a config whose key is not a key", () => {
        const edge = stackValues("edge");
        edge.edge.machines[0].privateKey = "PLANTED7Q9-not-a-key";
        const found = problems(edge);
        assert.deepEqual(found, [`groundwork:edge.machines[0].privateKey = [secret]: is not a PEM private key (no BEGIN ... PRIVATE KEY block; a public key is not the key SSH signs with); set the key file itself: pulumi config set --secret --path 'groundwork:edge.machines[N].privateKey' < ~/.ssh/id_ed25519`]);
        assert.ok(!found.join("\n").includes("PLANTED7Q9"));
    });

    it("refuses a host key line whose type is not its data's (sweep s12 ed01), checked against keys ssh-keygen writes", () => {
        const ed25519 = keygen("ed25519").publicKey.trim().split(/\s+/).slice(0, 2).join(" ");
        const ecdsa = keygen("ecdsa").publicKey.trim().split(/\s+/).slice(0, 2).join(" ");
        assert.deepEqual([ed25519, ecdsa].map(keyBlobMatchesType), [true, true]);
        assert.equal(keyBlobMatchesType(ed25519.replace(/^ssh-ed25519/, "ssh-rsa")), false);
        const edge = stackValues("edge");
        edge.edge.machines[0].hostKey = ed25519.replace(/^ssh-ed25519/, "ssh-rsa");
        // A public key, but a long key-like run: shown by its shape, as anything that might be a secret.
        assert.deepEqual(problems(edge), [`groundwork:edge.machines[0].hostKey = [text of ${edge.edge.machines[0].hostKey.length} characters, not shown as it may hold a secret]: names one key type but holds another (the key data begins with its own type name); copy the whole line ssh-keyscan prints, unchanged`]);
    });

    it("refuses an ed25519 key cut short, and operators' authorized keys whose type is not their data's (sweep s13 ed02, oc06-oc08)", () => {
        const pub = keygen("ed25519").publicKey.trim();
        const [type, data, comment] = pub.split(/\s+/);
        const cut = `${type} ${data.slice(0, 40)}`;
        assert.deepEqual([ed25519KeyIsWhole(`${type} ${data}`), ed25519KeyIsWhole(cut)], [true, false]);
        const edge = stackValues("edge");
        edge.edge.machines[0].hostKey = cut;
        assert.match(lineFor(problems(edge), "edge.machines[0].hostKey"), /: is an ed25519 key cut short \(its data is not the 32-byte key, RFC 8709\)/);
        const dev = stackValues("dev");
        dev.oci.sshAuthorizedKeys = [`ssh-rsa ${data} ${comment ?? "ops"}`, cut, `ecdsa-sha2-nistp999 ${data}`];
        const found = problems(dev);
        assert.match(lineFor(found, "oci.sshAuthorizedKeys[0]"), /names one key type but holds another .* so sshd never matches it/);
        assert.match(lineFor(found, "oci.sshAuthorizedKeys[1]"), /is an ed25519 key cut short/);
        assert.match(lineFor(found, "oci.sshAuthorizedKeys[2]"), /must be an OpenSSH public key line/);
        const good = stackValues("dev");
        good.oci.sshAuthorizedKeys = [pub, keygen("ecdsa").publicKey.trim()];
        assert.equal(parse(good).oci!.sshAuthorizedKeys.length, 2);
    });
});
