import { z } from "zod";
import { TZDATA_NAMES } from "./tzdata-names";

/**
 * Cron expressions and time zones, checked for values that are well formed but impossible: hour
 * 24, minute 60, day 32, a zone the IANA database does not have. The fields and ranges are the
 * standard parser's (robfig/cron v3 `standardParser` for KEDA's five fields; with seconds first,
 * the six fields CloudNativePG's ScheduledBackup takes): minute 0-59, hour 0-23, day of month
 * 1-31, month 1-12 or JAN-DEC, day of week 0-6 or SUN-SAT (7 is refused, as robfig's bounds are 0-6).
 */

interface Field {
    name: string;
    min: number;
    max: number;
    names?: string[];
}

const SECOND: Field = { name: "second", min: 0, max: 59 };
const FIVE_FIELDS: Field[] = [
    { name: "minute", min: 0, max: 59 },
    { name: "hour", min: 0, max: 23 },
    { name: "day of month", min: 1, max: 31 },
    { name: "month", min: 1, max: 12, names: ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"] },
    { name: "day of week", min: 0, max: 6, names: ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"] },
];

function valueOf(text: string, field: Field): number | undefined {
    const named = field.names?.indexOf(text.toUpperCase()) ?? -1;
    if (named >= 0) return named + field.min;
    return /^\d+$/.test(text) ? Number(text) : undefined;
}

/**
 * One comma-separated part of a field as the values it covers (`from` to `to` every `step`; `a/n`
 * runs from a to the field's end), or why it is impossible.
 */
function partRange(part: string, field: Field): { from: number; to: number; step: number } | string {
    const [range, step] = part.split("/");
    if (step !== undefined && !(/^\d+$/.test(step) && Number(step) > 0)) return `${field.name} step "${step}" must be a positive whole number`;
    const every = step === undefined ? 1 : Number(step);
    if (range === "*" || range === "?") return { from: field.min, to: field.max, step: every };
    const bounds = range.split("-");
    if (bounds.length > 2) return `${field.name} "${part}" is not a value, a range or a list`;
    const values = bounds.map((b) => valueOf(b, field));
    if (values.some((v) => v === undefined)) return `${field.name} "${part}" is not a number${field.names ? " or a name" : ""}`;
    const out = values.find((v) => v! < field.min || v! > field.max);
    if (out !== undefined) return `${field.name} ${out} is outside ${field.min}-${field.max}`;
    if (values.length === 2 && values[0]! > values[1]!) return `${field.name} range ${range} runs backwards`;
    return { from: values[0]!, to: values.length === 2 ? values[1]! : step !== undefined ? field.max : values[0]!, step: every };
}

/** Why one field is impossible, or undefined. */
function fieldProblem(text: string, field: Field): string | undefined {
    return text.split(",").map((part) => partRange(part, field)).find((r): r is string => typeof r === "string");
}

/**
 * A pure function's answers kept per key, at most `limit` of them: config checks ask the same few
 * questions (a schedule, a zone) on every parse, and some answers cost ICU calls or years of dates.
 */
export function memoized<A extends unknown[], R>(compute: (...args: A) => R, keyOf: (...args: A) => string, limit = 1000): (...args: A) => R {
    const answers = new Map<string, R>();
    return (...args) => {
        const key = keyOf(...args);
        if (!answers.has(key)) {
            if (answers.size >= limit) answers.clear();
            answers.set(key, compute(...args));
        }
        return answers.get(key)!;
    };
}

/** What is impossible in a cron expression with `seconds` first or not; undefined when it can fire (four years of days are read). */
export const cronProblem = memoized(uncachedCronProblem, (expr, withSeconds) => `${withSeconds} ${expr}`);

/** A six-field schedule (seconds first, as CloudNativePG reads it) as five fields: the minute is what windows and alerts compare. */
export function withoutSeconds(expr: string): string {
    return expr.trim().split(/\s+/).slice(1).join(" ");
}

function uncachedCronProblem(expr: string, withSeconds: boolean): string | undefined {
    const fields = withSeconds ? [SECOND, ...FIVE_FIELDS] : FIVE_FIELDS;
    const parts = expr.trim().split(/\s+/);
    if (parts.length !== fields.length) return `has ${parts.length} fields, not ${fields.length}`;
    for (let i = 0; i < fields.length; i++) {
        const problem = fieldProblem(parts[i], fields[i]);
        if (problem) return problem;
    }
    // Some date in four years (a leap year among them) must match: `0 0 31 2 *` never does.
    const [dom, month, dow] = parts.slice(-3);
    return cronDays(dom, month, dow, 4 * 366).length > 0 ? undefined : `never fires: no date has day of month ${dom} in month ${month}`;
}

/**
 * The dates, over `count` days from 2027-01-01 UTC, that a cron expression's day-of-month, month
 * and weekday fields allow. Standard cron: when both day of month and day of week are restricted,
 * a day matching either runs (robfig/cron@v3.0.1:spec.go L179-188 `dayMatches`); a field is
 * unrestricted when any of its parts starts with `*` or `?` and has no step above 1, `*\/1`
 * included (parser.go `getRange`: the star bit is cleared only `if step > 1`; sweep s17 bk01).
 */
function cronDays(dom: string, month: string, dow: string, count: number): Date[] {
    const [days, months, weekdays] = [dom, month, dow].map((f, i) => fieldValues(f, FIVE_FIELDS[i + 2]));
    const starred = (field: string) => field.split(",").some((part) => {
        const [range, step] = part.split("/");
        return /^[*?]$/.test(range.split("-")[0]) && (step === undefined || Number(step) <= 1);
    });
    const either = !(starred(dom) || starred(dow));
    const start = Date.UTC(2027, 0, 1);
    const out: Date[] = [];
    for (let day = 0; day < count; day++) {
        const date = new Date(start + day * 86_400_000);
        if (!months.has(date.getUTCMonth() + 1)) continue;
        const byDom = days.has(date.getUTCDate());
        const byDow = weekdays.has(date.getUTCDay());
        if (either ? byDom || byDow : byDom && byDow) out.push(date);
    }
    return out;
}

/** The zone as ICU spells it, or undefined for a zone it does not know. ICU matches any case; asked once per name. */
export const canonicalZone = memoized((zone: string): string | undefined => {
    try {
        return new Intl.DateTimeFormat("en", { timeZone: zone }).resolvedOptions().timeZone;
    } catch {
        return undefined;
    }
}, (zone) => zone);

/**
 * An IANA time zone the runtime knows, spelt as the database spells it: SUC, kured and KEDA's cron
 * scaler load it with Go's time.LoadLocation (SUC's image ships zoneinfo: package/Dockerfile L56-65;
 * kedacore/keda pkg/scalers/cron_scaler.go `time.LoadLocation(meta.timezone)`), which reads the
 * zoneinfo file of that name and so is case-sensitive where ICU is not.
 */
export const goTimeZone = z.string().superRefine((zone, ctx) => {
    const canonical = canonicalZone(zone);
    if (canonical === undefined) {
        ctx.addIssue({ code: "custom", message: "is not an IANA time zone such as Etc/UTC or Europe/Berlin" });
    } else if (FIXED_ABBREVIATIONS[zone.toUpperCase()] !== undefined) {
        // Real tzdata names, read as a fixed offset all year (sweep s27 i23): a schedule meant for the
        // region's local time is an hour off for half of it. Caught before the spelling hint, which would
        // name the fixed zone ICU reads it as (review s25b N3).
        const [offset, local] = FIXED_ABBREVIATIONS[zone.toUpperCase()];
        const spelt = zone === zone.toUpperCase() ? "is a" : `is ${zone.toUpperCase()} in other capitals, a`;
        ctx.addIssue({ code: "custom", message: `${spelt} fixed ${offset} all year, without daylight saving, not the region's local time; give ${local}, or Etc/GMT${offset.slice(3).replace("-", "+")} for the fixed offset` });
    } else if (canonical !== zone && canonical.toLowerCase() === zone.toLowerCase()) {
        ctx.addIssue({ code: "custom", message: `must be spelt "${canonical}": the nodes read zone names case-sensitively` });
    } else if (isIcuOnlyZone(zone)) {
        // ICU reads SystemV/ names as themselves: suggest a place then, and name the other zones an
        // abbreviation is read as (sweep s19 rerun N1, N2; review s19b N14).
        const place = canonical !== zone && !isIcuOnlyZone(canonical) ? canonical : "America/New_York or Europe/Berlin";
        ctx.addIssue({ code: "custom", message: `is a name ICU knows (it reads it as ${canonical}) but the IANA time zone database has no zone of, so the nodes' Go programs refuse it (time.LoadLocation: unknown time zone); give the zone by its place, such as ${place}${AMBIGUOUS_ABBREVIATIONS[zone.toUpperCase()] ?? ""}` });
    } else if (!TZDATA_NAMES.has(zone)) {
        // ICU matches names in any case; the nodes open the database's file of exactly this name (review s19b R3).
        ctx.addIssue({ code: "custom", message: `is not spelt as the IANA database spells it (the nodes read zone names case-sensitively); give ${canonical}` });
    }
});

/**
 * The tzdata zones named like a region's time that keep one offset all year (EST and MST: tzdata's
 * `backward` file links them to America/Panama and America/Phoenix since 2024b), and the zones people
 * mean by them (HST is Hawaii's time, which has no daylight saving either, so it is not here).
 */
export const FIXED_ABBREVIATIONS: Readonly<Record<string, [string, string]>> = {
    EST: ["UTC-5", "America/New_York (US Eastern time, with daylight saving)"],
    MST: ["UTC-7", "America/Denver (US Mountain time, with daylight saving) or America/Phoenix (Arizona, without)"],
};

/** Abbreviations people use for more than the zone ICU reads them as. */
const AMBIGUOUS_ABBREVIATIONS: Record<string, string> = {
    BST: " (for British time, Europe/London)",
    IST: " (for Irish time, Europe/Dublin; for Israel, Asia/Jerusalem)",
};

/**
 * Names ICU accepts (as aliases) that the IANA time zone database has no zone or link of, so Go's
 * time.LoadLocation, which reads that database, refuses them: Java's three-letter IDs, which ICU
 * keeps for the JDK ("BST" is Bangladesh to ICU, not British Summer Time), the SystemV zones, and
 * links tzdata has dropped (Canada/East-Saskatchewan in 2017c, US/Pacific-New in 2020b).
 * test/time-zones.test.ts checks the list against Debian's tzdata (sweep s19-03..05).
 */
export const ICU_ONLY_ZONES: ReadonlySet<string> = new Set([
    "ACT", "AET", "AGT", "ART", "AST", "BET", "BST", "CAT", "CNT", "CST", "CTT", "EAT", "ECT", "IET", "IST",
    "JST", "MIT", "NET", "NST", "PLT", "PNT", "PRT", "PST", "SST", "VST",
    "Canada/East-Saskatchewan", "US/Pacific-New",
]);
const ICU_ONLY_LOWER = new Set([...ICU_ONLY_ZONES].map((z) => z.toLowerCase()));
/** Whether a zone is one of those, in any case (ICU matches any). */
export const isIcuOnlyZone = (zone: string): boolean => ICU_ONLY_LOWER.has(zone.toLowerCase()) || zone.toLowerCase().startsWith("systemv/");

/**
 * The descriptors robfig/cron takes besides fields, each as the five fields it stands for (second
 * 0 in front for a parser with seconds): a Kubernetes CronJob's validation parses with its v3
 * ParseStandard (kubernetes.io/docs/concepts/workloads/controllers/cron-jobs, "Schedule syntax";
 * sweep s21r-01), CloudNativePG's ScheduledBackup with its v1.2.0 `cron.Parse` (sweep s21-43).
 */
const CRON_DESCRIPTORS: Readonly<Record<string, string>> = {
    "@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *", "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@hourly": "0 * * * *",
};

/** A schedule with its descriptor, if it is one, as the fields it stands for: five, or six with seconds first. */
export function cronDescriptorFields(schedule: string, seconds: boolean): string {
    const five = CRON_DESCRIPTORS[schedule.trim()];
    return five === undefined ? schedule : seconds ? `0 ${five}` : five;
}

/** A CronJob schedule as five fields: a descriptor as the fields it stands for. */
export const cronJobFields = (schedule: string): string => cronDescriptorFields(schedule, false);

/** A five-field cron expression (KEDA's cron scaler, a CronJob's schedule, k3s's snapshot cron) that can fire. */

export const fiveFieldCron = z.string().regex(/^(\S+\s+){4}\S+$/, { message: "must be a five-field cron expression such as \"0 8 * * 1-5\"" })
    .superRefine((v, ctx) => {
        const problem = /^(\S+\s+){4}\S+$/.test(v) ? cronProblem(v, false) : undefined;
        if (problem) ctx.addIssue({ code: "custom", message: `is impossible: ${problem}; e.g. "0 8 * * 1-5" (minute 0-59, hour 0-23, day 1-31, month 1-12, weekday 0-6)` });
    });

/** The values one field of a cron expression allows (the expression is already checked). */
function fieldValues(text: string, field: Field): Set<number> {
    const out = new Set<number>();
    for (const part of text.split(",")) {
        const { from, to, step } = partRange(part, field) as { from: number; to: number; step: number };
        for (let v = from; v <= to; v += step) out.add(v);
    }
    return out;
}

/** The minutes of the day at which a cron expression's minute and hour fields run, in order. */
function timesOfDay(minute: string, hour: string): number[] {
    return [...fieldValues(hour, FIVE_FIELDS[1])].flatMap((h) => [...fieldValues(minute, FIVE_FIELDS[0])].map((m) => h * 60 + m)).sort((a, b) => a - b);
}

/** The moments (ms since the epoch, UTC) a five-field cron expression runs over `days` days from 2027-01-01 UTC, in order. */
export function cronRuns(expr: string, days: number): number[] {
    const [minute, hour, dom, month, dow] = expr.trim().split(/\s+/);
    const times = timesOfDay(minute, hour);
    return cronDays(dom, month, dow, days).flatMap((date) => times.map((t) => date.getTime() + t * 60_000));
}

/**
 * The longest time between two runs of a five-field cron expression, in hours, over eight years
 * from 2027-01-01 UTC (leap days and month lengths included: 29 February comes twice). Standard
 * cron: when both day of month and day of week are restricted, a day matching either runs
 * (robfig/cron@v3.0.1:spec.go L179-188 `dayMatches`). A schedule that runs fewer than twice in
 * that time waits the whole of it (sweep s17 bk02). An alert on a missed run waits this long, plus its grace.
 */
export function longestCronGapHours(expr: string): number {
    const days = 8 * 365 + 2;
    const runs = cronRuns(expr, days);
    if (runs.length < 2) return days * 24;
    let longest = 0;
    for (let i = 1; i < runs.length; i++) longest = Math.max(longest, runs[i] - runs[i - 1]);
    return longest / 3_600_000;
}

/**
 * The shortest time between two runs of a cron expression, in minutes (five fields, or six with
 * seconds first): within a day, and from a day's last run to the next day's first, as if the next
 * day ran too. That wrap is never under an hour unless the day's own gaps are (every listed hour
 * runs every listed minute), so against MIN_BACKUP_INTERVAL_MINUTES it refuses nothing the day's
 * own runs would not. A seconds field with more than one value runs more than once a minute (0).
 */
export function shortestCronGapMinutes(expr: string, withSeconds: boolean): number {
    const fields = expr.trim().split(/\s+/);
    if (withSeconds && fieldValues(fields.shift()!, SECOND).size > 1) return 0;
    const times = timesOfDay(fields[0], fields[1]);
    let shortest = 24 * 60 - times[times.length - 1] + times[0];
    for (let i = 1; i < times.length; i++) shortest = Math.min(shortest, times[i] - times[i - 1]);
    return shortest;
}

/** The least time between two backups a schedule may give: each run is a whole snapshot or base backup, kept for days. */
export const MIN_BACKUP_INTERVAL_MINUTES = 60;

/** A gap as a message says it. */
export const minutesText = (minutes: number) => (minutes === 0 ? "less than a minute" : `${minutes} minute(s)`);
