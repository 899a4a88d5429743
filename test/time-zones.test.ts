import { strict as assert } from "assert";
import * as fs from "fs";
import { canonicalZone, FIXED_ABBREVIATIONS, goTimeZone, ICU_ONLY_ZONES, isIcuOnlyZone } from "../stacks/config/schedule";
import { TZDATA_NAMES } from "../stacks/config/tzdata-names";

/**
 * Time zones are read on the nodes by Go's time.LoadLocation (kured, the upgrade controller, KEDA),
 * which opens the IANA database's file of that name; the config is checked with ICU, which knows
 * more names. Debian's tzdata package (installed by `.ci/run`) is the database the check is held
 * to: its `tzdata.zi` lists every zone (`Z`) and link (`L`), and its files are what LoadLocation opens.
 */
const ZONEINFO = "/usr/share/zoneinfo";
const accepted = (zone: string) => goTimeZone.safeParse(zone).success;
const inTzdata = (zone: string) => fs.existsSync(`${ZONEINFO}/${zone}`) && fs.statSync(`${ZONEINFO}/${zone}`).isFile();

describe("time zones, against Debian's IANA database", () => {
    const names = fs.readFileSync(`${ZONEINFO}/tzdata.zi`, "utf8").split("\n")
        .map((line) => line.split(/\s+/))
        .flatMap(([kind, a, b]) => (kind === "Z" ? [a] : kind === "L" ? [b] : []));

    it("accepts every zone and link of the database that ICU knows", () => {
        assert.ok(names.length > 500, `${names.length} names in tzdata.zi`);
        // Those of the list's snapshot: a name the installed database gained later is the next test's to report.
        const known = names.filter((zone) => canonicalZone(zone) !== undefined && TZDATA_NAMES.has(zone));
        assert.ok(known.length > names.length * 0.95, `ICU knows only ${known.length} of ${names.length}`);
        // But the two refused for keeping one offset all year under a region's name (sweep s27 i23).
        assert.deepEqual(known.filter((zone) => !accepted(zone)), Object.keys(FIXED_ABBREVIATIONS));
    });

    it("refuses every three-letter name ICU knows and the database has no file for, and accepts those it has", () => {
        const letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
        const icu = [...letters].flatMap((a) => [...letters].flatMap((b) => [...letters].map((c) => a + b + c))).filter((zone) => canonicalZone(zone) !== undefined);
        assert.ok(icu.includes("PST") && icu.includes("EST"), "the probe finds ICU's three-letter names");
        assert.deepEqual(icu.filter((zone) => accepted(zone) !== inTzdata(zone)), Object.keys(FIXED_ABBREVIATIONS), "accepted exactly when the database has the file, but EST and MST");
        assert.deepEqual(icu.filter((zone) => !inTzdata(zone)).sort(), [...ICU_ONLY_ZONES].filter((zone) => /^[A-Z]{3}$/.test(zone)).sort());
    });

    it("refuses the SystemV zones and the links the database dropped, which ICU still reads", () => {
        for (const zone of ["SystemV/EST5", "US/Pacific-New", "Canada/East-Saskatchewan"]) {
            assert.ok(canonicalZone(zone) !== undefined && !inTzdata(zone), zone);
            assert.ok(isIcuOnlyZone(zone) && !accepted(zone), zone);
        }
    });

    it("keeps the list of the database's names the check reads (stacks/config/tzdata-names.ts) to the installed database", () => {
        // Every listed name is a file LoadLocation opens; a name the database gained later is reported, not a failure of main.
        assert.deepEqual([...TZDATA_NAMES].filter((zone) => !inTzdata(zone)), []);
        const unlisted = names.filter((zone) => !TZDATA_NAMES.has(zone));
        assert.ok(unlisted.length <= 5, `the installed database has names the list lacks, which the check refuses: ${unlisted.join(", ")}; regenerate stacks/config/tzdata-names.ts from tzdata.zi`);
    });

    it("refuses a name in other capitals than the database's, which a case-sensitive file system does not find", () => {
        for (const zone of ["us/pacific", "Pst", "europe/London", "Asia/kolkata", "US/EAstern", "Europe/KYIV", "EST5edt"]) {
            assert.ok(canonicalZone(zone) !== undefined && !inTzdata(zone), zone);
            assert.ok(!accepted(zone), zone);
        }
        assert.ok(names.every((zone) => zone.split("/").every((part) => /^[A-Z]/.test(part))), "every database name starts each part with a capital");
    });

    it("refuses EST and MST, database zones that keep one offset all year, naming the local zones; takes HST, Hawaii's own time (sweep s27 i23)", () => {
        for (const zone of ["EST", "MST"]) {
            assert.ok(inTzdata(zone), zone);
            assert.match(String(goTimeZone.safeParse(zone).error?.issues[0].message), /^is a fixed UTC-\d all year, without daylight saving, not the region's local time; give America\/(New_York|Denver)/);
        }
        assert.equal(goTimeZone.safeParse("EST").error?.issues[0].message, "is a fixed UTC-5 all year, without daylight saving, not the region's local time; give America/New_York (US Eastern time, with daylight saving), or Etc/GMT+5 for the fixed offset");
        for (const zone of ["HST", "EST5EDT", "America/Phoenix"]) assert.ok(accepted(zone), zone);
        assert.match(String(goTimeZone.safeParse("est").error?.issues[0].message), /^is EST in other capitals, a fixed UTC-5 all year, without daylight saving, not the region's local time; give America\/New_York/, "not the fixed zone ICU reads it as (review s25b N3)");
    });
});
