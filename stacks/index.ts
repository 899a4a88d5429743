/**
 * The Groundwork program: `pulumi preview`/`up` and the offline plan (`npm run plan`) both run
 * this. Configuration and the prompt and evaluation files are parsed and checked first; nothing is registered if
 * either is wrong.
 */
import * as pulumi from "@pulumi/pulumi";
import { loadStackConfig } from "./config";
import { buildPlatform } from "./platform";
import { loadPromptsAndEvaluations } from "./prompts";

export = async () => {
    const config = loadStackConfig();
    return buildPlatform(config, loadPromptsAndEvaluations(config, pulumi.getStack()));
};
