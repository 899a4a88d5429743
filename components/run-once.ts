/**
 * Every input of a remote Command (pulumi-command v1.2.1) but its `triggers`. A Command that must
 * run once, and never as an update, ignores these once it ran: an update re-runs `update`, or
 * `create` without one (provider/pkg/provider/remote/commandController.go L63-83), over the
 * connection as it is then. Ignored inputs keep their state's values for the diff and any update
 * (pulumi/pulumi@v3.248.0 pkg/resource/deploy/step_generator.go L1152-1155); a replacement, which
 * a change of `triggers` forces, is made from the program's inputs as they are (L1833, L1882-1901).
 */
export const RUN_ONCE_IGNORED_INPUTS = ["connection", "create", "update", "delete", "stdin", "environment", "logging", "addPreviousOutputInEnv"];
