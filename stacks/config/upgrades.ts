import { z } from "zod";

/** SUC's window days (rancher/system-upgrade-controller@v0.20.1 upgrade.cattle.io_plans.yaml `window.days` enum: full names among others). */
const DAYS = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"] as const;

/** `HH:MM`, the form kured's time window reads (kubereboot/kured@1.13.1 pkg/timewindow/timewindow.go L72-80), which SUC uses. */
const clock = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, { message: "must be a 24-hour time such as 04:00" });

/** An IANA time zone the runtime knows (SUC's image ships zoneinfo: package/Dockerfile L56-65). */
const timeZone = z.string().refine((zone) => {
    try {
        new Intl.DateTimeFormat("en", { timeZone: zone });
        return true;
    } catch {
        return false;
    }
}, { message: "is not an IANA time zone such as Etc/UTC or Europe/Berlin" });

export const upgradesSchema = z.strictObject({
    window: z.strictObject({
        days: z.array(z.enum(DAYS)).min(1).default([...DAYS]).describe("Days a k3s upgrade may start on."),
        startTime: clock.default("04:00").describe("From (24-hour time)."),
        endTime: clock.default("06:00").describe("Until (24-hour time); before startTime, the window crosses midnight."),
        timeZone: timeZone.default("Etc/UTC").describe("Time zone of startTime and endTime."),
    }).refine((w) => w.startTime !== w.endTime, { message: "starts and ends at the same time; give it a length", path: ["endTime"] })
        .default({ days: [...DAYS], startTime: "04:00", endTime: "06:00", timeZone: "Etc/UTC" })
        .describe("When nodes may be drained and upgraded: after the nightly backups (02:15-03:30 UTC by default)."),
});

export type UpgradesConfig = z.infer<typeof upgradesSchema>;
export const UPGRADES_DEFAULTS: UpgradesConfig = upgradesSchema.parse({});
