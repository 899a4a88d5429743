/**
 * Every input of a remote Command (pulumi-command v1.2.1) but its `connection` and `triggers`:
 * what it runs and how. A Command that must run once and never as an update ignores these once
 * it ran, since an update re-runs `update`, or `create` without one
 * (provider/pkg/provider/remote/commandController.go L63-83). Pulumi gives a replacement the ignored
 * inputs' old values too (pulumi/pulumi@v3.248.0 pkg/resource/deploy/step_generator.go L1152-1155).
 */
export const RUN_ONCE_IGNORED_INPUTS = ["create", "update", "delete", "stdin", "environment", "logging", "addPreviousOutputInEnv"];
