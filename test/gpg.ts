import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

/** A key made by the real gpg in a test keyring. */
export interface TestGpgKey {
    fingerprint: string;
    /** `gpg --export` of it: the binary public key. */
    publicKey: Buffer;
}

/**
 * A GNUPGHOME of the test's own, with the real gpg run in it (batch, no passphrase). Making keys
 * starts a gpg-agent there: call `stop` when the tests are done.
 */
export function testKeyring(prefix: string) {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), `groundwork-${prefix}-gpg-`));
    const gpg = (...args: string[]): Buffer => {
        const r = spawnSync("gpg", ["--homedir", home, "--batch", "--pinentry-mode", "loopback", "--passphrase", "", ...args]);
        assert.equal(r.status, 0, r.stderr?.toString());
        return r.stdout;
    };
    /** A key (ed25519 unless `algorithm` says) with `usage` (`sign`, `cert,sign`), and a cv25519 encryption subkey if asked. */
    const makeKey = (name: string, usage: string, encryptionSubkey = false, algorithm = "ed25519"): TestGpgKey => {
        gpg("--quick-gen-key", `${name} <${name}@example.invalid>`, algorithm, usage, "never");
        const fingerprint = /^fpr:+([0-9A-F]{40}):/m.exec(gpg("--with-colons", "--list-keys", `${name}@example.invalid`).toString())![1];
        if (encryptionSubkey) gpg("--quick-add-key", fingerprint, "cv25519", "encr", "never");
        return { fingerprint, publicKey: gpg("--export", fingerprint) };
    };
    const stop = () => spawnSync("gpgconf", ["--homedir", home, "--kill", "gpg-agent"]);
    return { home, gpg, makeKey, stop };
}
