/**
 * The Groundwork program: `pulumi preview`/`up` and the offline plan (`npm run plan`) both run
 * this. Configuration is parsed and checked first; nothing is registered if it is wrong.
 */
import { loadStackConfig } from "./config";
import { buildPlatform } from "./platform";

export = async () => buildPlatform(loadStackConfig());
