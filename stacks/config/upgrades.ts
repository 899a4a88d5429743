import { z } from "zod";
import { canonicalZone, cronRuns, goTimeZone as timeZone, memoized, shortestCronGapMinutes } from "./schedule";
import { noRepeats } from "./primitives";
import { KURED_PERIOD_MINUTES } from "../../components/k3s/reboots";

/** SUC's window days (rancher/system-upgrade-controller@v0.20.1 upgrade.cattle.io_plans.yaml `window.days` enum: full names among others). */
const DAYS = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"] as const;

/**
 * `H:MM` or `HH:MM`, handed to SUC as written: kured's time window (which SUC uses) parses Go's layout
 * "15:04" first, whose hour takes one digit or two (kubereboot/kured@1.13.1
 * pkg/timewindow/timewindow.go L72-80, parseTime).
 */
const CLOCK = /^([01]?\d|2[0-3]):[0-5]\d$/;
const clock = z.string().regex(CLOCK, { message: "must be a 24-hour time such as 04:00" });

/** One ICU formatter per zone for each reading below: building one costs more than using it. */
const offsetFormat = memoized((zone: string) => new Intl.DateTimeFormat("en", { timeZone: zone, timeZoneName: "longOffset" }), (zone) => zone);

/** The zone's offset from UTC in minutes on a date (from ICU's longOffset name, GMT+02:00). */
function offsetMinutes(zone: string, at: Date): number {
    const name = offsetFormat(zone).formatToParts(at).find((p) => p.type === "timeZoneName")?.value ?? "GMT";
    const m = /GMT([+-])(\d{2}):(\d{2})/.exec(name);
    return m ? (m[1] === "-" ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) : 0;
}

const windowSchema = (what: string, start: string, end: string) => z.strictObject({
    days: z.array(z.enum(DAYS)).min(1).superRefine(noRepeats("list each day once")).default([...DAYS]).describe(`Days ${what} may start on.`),
    startTime: clock.default(start).describe("From (24-hour time)."),
    endTime: clock.default(end).describe("Until (24-hour time); before startTime, the window crosses midnight."),
    timeZone: timeZone.default("Etc/UTC").describe("Time zone of startTime and endTime."),
}).refine((w) => !CLOCK.test(w.startTime) || !CLOCK.test(w.endTime) || minutes(w.startTime) !== minutes(w.endTime), { message: "starts and ends at the same time; give it a length", path: ["endTime"] })
    .default({ days: [...DAYS], startTime: start, endTime: end, timeZone: "Etc/UTC" });

/** Minutes since midnight of `HH:MM`. */
const minutes = (clockTime: string) => Number(clockTime.split(":")[0]) * 60 + Number(clockTime.split(":")[1]);

/**
 * The minutes of the day a window covers (crossing midnight when it ends before it starts), its
 * end minute included as kured's timewindow does.
 */
function covered(w: { startTime: string; endTime: string }): Set<number> {
    const out = new Set<number>();
    // A time the schema refused reaches the object's checks too: it covers nothing (and never loops).
    if (!CLOCK.test(w.startTime) || !CLOCK.test(w.endTime)) return out;
    const last = minutes(w.endTime);
    for (let m = minutes(w.startTime); ; m = (m + 1) % 1440) {
        out.add(m);
        if (m === last) break;
    }
    return out;
}

const WEEK_MINUTES = 7 * 1440;

/** The 1st and the 15th of each month of 2027, midday UTC: the offsets two zones have at once over a year. */
const SAMPLE_DAYS = Array.from({ length: 24 }, (_, i) => Date.UTC(2027, Math.floor(i / 2), i % 2 === 0 ? 1 : 15, 12));

/**
 * The minutes of the week (from Sunday 00:00 UTC) a window holds at a UTC offset of its zone, as kured's
 * timewindow reads it (windowHolds below): a minute inside the window counts on its own weekday, so
 * the part after midnight of a window that crosses it counts only when the next day is listed too.
 * Work begun at any minute inside runs on for up to `overrun` minutes, past midnight included.
 */
const weekMinutesInUtc = memoized((w: WindowLike, offset: number, overrun: number): Set<number> =>
    new Set([...localWeekMinutes(w, overrun)].map((m) => (((m - offset) % WEEK_MINUTES) + WEEK_MINUTES) % WEEK_MINUTES)),
(w, offset, overrun) => JSON.stringify([w.days, w.startTime, w.endTime, offset, overrun]), 50);

type WindowLike = { days: readonly string[]; startTime: string; endTime: string; timeZone: string };

/** The same minutes of the week in the window's own zone (from Sunday 00:00 local). Computed once per window. */
const localWeekMinutes = memoized((w: WindowLike, overrun: number): Set<number> => {
    const days = w.days.map((d) => DAYS.indexOf(d as (typeof DAYS)[number])).filter((d) => d >= 0);
    const inside = [...covered(w)];
    const local = new Set(days.flatMap((day) => inside.map((m) => day * 1440 + m)));
    // A minute inside whose next one is not: work started there runs on past it.
    for (const m of [...local].filter((x) => !local.has((x + 1) % WEEK_MINUTES))) {
        for (let k = 1; k <= overrun; k++) local.add((m + k) % WEEK_MINUTES);
    }
    return local;
}, (w, overrun) => JSON.stringify([w.days, w.startTime, w.endTime, overrun]), 50);

/** An upgrade Job started at the window's end may run this long (SYSTEM_UPGRADE_JOB_ACTIVE_DEADLINE_SECONDS). */
export const UPGRADE_JOB_MINUTES = 45;

export const upgradesSchema = z.strictObject({
    window: windowSchema("a k3s upgrade", "04:00", "06:00")
        .describe("When nodes may be drained and upgraded to cluster.k3sVersion: after the nightly backups (02:15-03:30 UTC by default). A once-a-day backup may not start in it, nor in `reboots`."),
    reboots: windowSchema("a reboot for OS updates", "07:00", "08:00")
        .describe("When kured may drain and reboot a node that OS updates left needing it (one node at a time)."),
}).superRefine((u, ctx) => {
    // kured checks once a period, at the same minutes each day (1440 is a multiple of the period):
    // a window shorter than the period holds none of some nodes' checks, and those never reboot (sweep s20-20).
    const length = CLOCK.test(u.reboots.startTime) && CLOCK.test(u.reboots.endTime) ? (minutes(u.reboots.endTime) - minutes(u.reboots.startTime) + 1440) % 1440 : undefined;
    if (length !== undefined && length > 0 && length < KURED_PERIOD_MINUTES) {
        ctx.addIssue({ code: "custom", path: ["reboots", "endTime"], message: `leaves a window of ${length} minute${length === 1 ? "" : "s"}, but kured checks each node every ${KURED_PERIOD_MINUTES} minutes, at the same minutes each day, so a node whose checks fall outside it never reboots; give at least ${KURED_PERIOD_MINUTES} minutes (30 or more for several nodes, which reboot one at a time)` });
    }
    // kured and SUC take no account of each other: overlapping windows could restart two servers at once.
    // Compared as minutes of the week in UTC, in winter and in summer, so two names for one clock
    // (Etc/UTC, Etc/GMT) are one zone, and a window on one day can meet one on the next in another
    // zone or across midnight (sweep s19-01, s19-02).
    if (canonicalZone(u.window.timeZone) === undefined || canonicalZone(u.reboots.timeZone) === undefined) return;
    // Each pair of offsets the two zones have at once over a year: the 1st and the 15th of each
    // month catch the weeks when one zone has changed its clocks and the other not yet (review s19b R2).
    const pairs = new Set(SAMPLE_DAYS.map((at) => `${offsetAt(u.window.timeZone, at)} ${offsetAt(u.reboots.timeZone, at)}`));
    if ([...pairs].some((pair) => {
        const [windowOffset, rebootOffset] = pair.split(" ").map(Number);
        const upgrades = weekMinutesInUtc(u.window, windowOffset, UPGRADE_JOB_MINUTES);
        return [...weekMinutesInUtc(u.reboots, rebootOffset, 0)].some((m) => upgrades.has(m));
    })) {
        // On the window that was set: the reboots' defaults are no key anyone wrote (sweep s22b18).
        const rebootsAtDefault = u.reboots.startTime === "07:00" && u.reboots.endTime === "08:00" && u.reboots.timeZone === "Etc/UTC" && u.reboots.days.length === DAYS.length;
        const both = `upgrades ${windowText(u.window)}, with the ${UPGRADE_JOB_MINUTES} minutes an upgrade started at its end may run; reboots ${windowText(u.reboots)}`;
        // POSIX's sign: Etc/GMT+2 is two hours behind UTC, which most readers take the other way (sweep s27 W3).
        const posix = [u.window.timeZone, u.reboots.timeZone].find((zone) => /^Etc\/GMT[+-]\d+$/.test(zone));
        const sign = posix === undefined ? "" : ` (${posix} is UTC${posix.includes("+") ? "-" : "+"}${posix.replace(/^Etc\/GMT[+-]/, "")}: the Etc zones' sign is POSIX's, the other way round; for UTC${posix.includes("+") ? "+" : "-"}${posix.replace(/^Etc\/GMT[+-]/, "")} write Etc/GMT${posix.includes("+") ? "-" : "+"}${posix.replace(/^Etc\/GMT[+-]/, "")} or a city's zone)`;
        ctx.addIssue({ code: "custom", path: [rebootsAtDefault ? "window" : "reboots"], message: `${rebootsAtDefault ? "meets the reboot window" : "overlaps the upgrade window"} (${both})${sign}: kured and the upgrade Plans do not wait for each other, so two servers could restart at once; move one window` });
    }
});

export type UpgradesConfig = z.infer<typeof upgradesSchema>;

type Window = UpgradesConfig["window"];

/**
 * The zone's offset from UTC in the quarter hour of a moment. Read once per zone and quarter hour:
 * ICU is slow, and clocks change on a quarter hour at the finest (half-hour zones such as
 * America/St_Johns change at :30; review s19b R1).
 */
const offsetInQuarter = memoized((zone: string, quarter: number): number => offsetMinutes(zone, new Date(quarter * 900_000)), (zone, quarter) => `${zone} ${quarter}`, 100_000);
/** The offset at a moment (ms), through the quarter-hour cache. */
const offsetAt = (zone: string, at: number) => offsetInQuarter(zone, Math.floor(at / 900_000));

/**
 * A test of whether a moment falls in a window as kured's timewindow (which SUC uses) reads it: the moment's
 * own weekday in the window's zone is one of its days, and its time of day is inside the window
 * (kubereboot/kured@1.13.1 pkg/timewindow/timewindow.go L41-64 `Contains`), or up to `overrun`
 * minutes after a minute that is, past midnight included: the week-minute model of the overlap
 * check above (sweep s19 rerun x01).
 */
export function windowHolds(w: Window, overrun = 0): (at: number) => boolean {
    const local = localWeekMinutes(w, overrun);
    return (at) => {
        // 1970-01-01, minute 0 of the epoch, was a Thursday: day 4 of a week from Sunday.
        const minute = Math.floor(at / 60_000) + offsetAt(w.timeZone, at) + 4 * 1440;
        return local.has(((minute % WEEK_MINUTES) + WEEK_MINUTES) % WEEK_MINUTES);
    };
}

/**
 * The first run, over a year from 2027-01-01 (winter and summer time both), of a five-field UTC
 * cron schedule that runs at most once a day and starts while nodes may be drained: in the k3s
 * upgrade window (or the UPGRADE_JOB_MINUTES after it) or kured's reboot window. A backup's pod
 * evicted mid-way loses that day's only backup; a schedule that runs more often has another within
 * the day, and is not looked at. Undefined when none does. Answered once per schedule and windows:
 * a year of runs is a few milliseconds, and most stacks ask the same question with the defaults.
 */
export const runInDrainWindow = memoized(firstRunInDrainWindow, (schedule, u) => JSON.stringify([schedule, u]));

function firstRunInDrainWindow(schedule: string, u: UpgradesConfig): { at: number; window: "window" | "reboots" } | undefined {
    if (shortestCronGapMinutes(schedule, false) < 1440) return undefined;
    const [upgrading, rebooting] = [windowHolds(u.window, UPGRADE_JOB_MINUTES), windowHolds(u.reboots)];
    for (const at of cronRuns(schedule, 366)) {
        if (upgrading(at)) return { at, window: "window" };
        if (rebooting(at)) return { at, window: "reboots" };
    }
    return undefined;
}

/** How a window reads in a message: `04:00-06:00 Etc/UTC, sunday and monday`, days only when not every day. */
export function windowText(w: Window): string {
    return `${w.startTime}-${w.endTime} ${w.timeZone}${w.days.length < DAYS.length ? `, ${w.days.join(", ")}` : ""}`;
}
export const UPGRADES_DEFAULTS: UpgradesConfig = upgradesSchema.parse({});
