import { strict as assert } from "assert";
import { hasCredentialShape } from "../stacks/config/errors";
import { lineFor, problemsAfter } from "./helpers";

/** Bad-input sweep s31 (research/bad-input-sweep-s31.md): tokens the checks did not know, and messages about refused values. */
describe("bad-input sweep s31", () => {
    const TAVILY = "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";
    const TELEGRAM = "7123456789:AAHCANARYs31dqTcvCH1vGWJxfSeofSAs";
    const DISCORD = "MTAxNjM4NTkzNjYyNzg3Nzg1Ng.GCANRY.CANARYs31Zk9Xw8Vu7Ts6Rq5Po4Nm3Lk2J";

    it("knows Tavily keys, Telegram and Discord bot tokens and Slack refresh tokens, alone or in text (L1, L2)", () => {
        for (const text of [TAVILY, TELEGRAM, DISCORD, `alerts go to bot ${TELEGRAM} in the ops chat`, `token=${DISCORD}`, `xoxe-1-CANARYs31${"refreshTok3n9zQ".repeat(8)}`, "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",
            // A body with no digit, a Bot API path, and a bot id that encodes to O… (final check s28 D2-D4).
            "tvly-AbcdEfghIjklMnopQrstUvwxYzabCdef", "https://api.telegram.org/bot123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/sendMessage",
            "123456789:AAHdqTcvCHxvGWJxfSeofSAsxKyPALDsaw", `${Buffer.from("81234567890123456789").toString("base64url")}.GCANRY.CANARYs31Zk9Xw8Vu7Ts6Rq5Po4Nm3Lk2J`]) {
            assert.ok(hasCredentialShape(text), text);
        }
    });

    it("leaves names, times and dotted words that look a little like them alone", () => {
        for (const text of ["tvly", "tvly-team", "xoxe", "xoxe-team", "10:30:00", "12345678:ABC", "Mon.Friday.Team", "platform-operators", "ops.MaintenanceWindow.Sunday", "build 2024.11.30",
            // Dotted and colon names of a bot token's lengths (read-through s28 R3).
            "Marketing-Analytics-Teams.Berlin.Platform-Readers-And-Writers", "Network-Operations-Center.Europe.Infrastructure-Administrators",
            "MachineLearningEngineers.Zurich.ResearchPlatformAdministrators", "12345678:Administrators-of-the-platform-team",
            "arn:aws:sns:eu-west-1:123456789012:AlertsForGroundwork2PlatformOps1",
            // Names of those prefixes and lengths (false-refusal review s28 FR1-FR3).
            "10042:AI-Platform-Operators-EMEA-2024Q4", "12345:AAD-Sec-AI-Platform-Operators-EU2", "202411:AAD-AI-Platform-Operators-Prod-01",
            "tvly-Search-Integration-Users", "tvly-SearchIntegrationPool01", "example.com/tvly-SearchIntegration2024", "tvly-Alerts-Service-2024@example.com",
            "xoxe-2-Platform-Operators-Europe", "xoxe-1-PoolA-Workers2024"]) {
            assert.ok(!hasCredentialShape(text), text);
        }
    });

    it("refuses them in the SSO groups and the alert e-mail user, saying why, without showing them", () => {
        for (const [key, edit, why] of [
            ["access.sso.usersGroup", (v: any) => { v.access.sso.usersGroup = TAVILY; }, /\[text of 38 characters, not shown.*\]: has the shape of a client secret or API key \(it holds what a known API key, token or private key looks like/],
            ["access.sso.operatorsGroup", (v: any) => { v.access.sso.operatorsGroup = DISCORD; }, /or a Telegram or Discord bot's token\)/],
            ["monitoring.alerts.receiver.email.username", (v: any) => { v.monitoring.alerts.receiver = { email: { ...v.monitoring.alerts.receiver?.email, username: TELEGRAM } }; }, /has the shape of an API key or token, not a user name/],
        ] as const) {
            const problems = problemsAfter("cloud", edit);
            assert.match(lineFor(problems, key), why);
            for (const token of [TAVILY, TELEGRAM, DISCORD]) assert.ok(!problems.join("\n").includes(token.slice(6, 20)), problems.join("\n"));
        }
    });

    it("states a model's minimum CPU and memory, not a type it has (W1)", () => {
        assert.match(lineFor(problemsAfter("cloud", (v) => { v.inference.models[0].cpus = 0.4; }), "inference.models[0].cpus"), /= 0\.4: .*at least 0\.5/);
        assert.match(lineFor(problemsAfter("cloud", (v) => { v.inference.models[0].memoryGbs = 0.5; }), "inference.models[0].memoryGbs"), /= 0\.5: .*at least 1/);
        assert.match(lineFor(problemsAfter("cloud", (v) => { v.inference.models[0].cpus = "1250m"; }), "inference.models[0].cpus"), /must be a number of cores, such as 1\.25 \(not a Kubernetes quantity like 1250m\)/);
    });

    it("judges a key against its team's limit only when that limit is valid itself (W2)", () => {
        for (const limit of ["rpm", "tpm", "maxBudgetUsd"]) {
            const problems = problemsAfter("cloud", (v) => { v.inference.teams[0][limit] = 0; });
            assert.match(lineFor(problems, `inference.teams[0].${limit}`), /= 0: /);
            assert.ok(!problems.some((p) => p.includes(`keys[0].${limit}`)), problems.join("\n"));
        }
    });
});
