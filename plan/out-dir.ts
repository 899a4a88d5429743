import * as fs from "fs";
import * as path from "path";
import { PlanFiles, PLAN_FILE_NAMES } from "./report";

/**
 * Where `npm run plan` writes (`--out`): checked before the plan runs, written where the system
 * resolves the path, and never a file or folder of the user's replaced or removed. Paths are walked
 * as written, splitting at '/' only, as Linux does: a '\' is part of a name (review s25 N4, sweep s28 C1).
 */

/** A path without its final '/'s: `link/` names what the link points to, `link` the link itself. */
const withoutFinalSlash = (p: string): string => p.replace(/(?<=.)\/+$/, "");

const isLink = (p: string): boolean => {
    try {
        return fs.lstatSync(withoutFinalSlash(p)).isSymbolicLink();
    } catch {
        return false;
    }
};

/** Names not of a plan's files in a directory: hidden entries (`.DS_Store`, an editor's swap file) never count (review s22c F5). */
const besidePlanFiles = (entries: string[]): string[] => entries.filter((entry) => !entry.startsWith(".") && !(PLAN_FILE_NAMES as readonly string[]).includes(entry)).sort();

/**
 * The path at or above `outDir`, as written, that keeps a plan from being written under it: a file,
 * a link to nothing or in a loop, or a directory it may not read. Walked as the system will walk it,
 * without folding `..` first (`<file>/../x` goes through the file; review s24b F4); finding out only
 * once the whole plan has run would end in a stack trace (sweep s24 M1).
 */
export function fileAboveOutDir(outDir: string): string | undefined {
    // Itself a link to nothing: mkdir would not follow it (sweep s25 M3); with or without a final '/' (review s24d F1).
    if (isLink(outDir) && !fs.existsSync(outDir)) return withoutFinalSlash(outDir);
    for (let dir = path.dirname(outDir); ; dir = path.dirname(dir)) {
        try {
            if (!fs.statSync(dir).isDirectory()) return dir;
            return undefined;
        } catch (err) {
            // A missing part is made by mkdir, and ENOTDIR means the file is higher up; a link to
            // nothing, a link loop or a part it may not read blocks it here (review s24c F9).
            const code = (err as NodeJS.ErrnoException).code;
            // A path too long is not this check's to judge: the probe names it (sweep s28 W2).
            if (code === "ENOENT" ? isLink(dir) : code !== "ENOTDIR" && code !== "ENAMETOOLONG") return dir;
        }
        if (path.dirname(dir) === dir) return undefined;
    }
}

/**
 * Makes `outDir` one part at a time, as written, adding each part it made to `made` (which the
 * caller keeps if a later part fails). Not `mkdirSync(..., { recursive: true })`: where the system
 * answers ENOENT for a folder whose parent exists (`/proc/x`), Node 20's recursive mkdir retries for
 * ever (sweep s26 M11).
 */
export function makeOutDir(outDir: string, made: string[] = []): string[] {
    const whole = withoutFinalSlash(outDir);
    const parts = [...whole.matchAll(/(?<=.)\/+/g)].map((m) => whole.slice(0, m.index)).concat(whole);
    for (const part of parts) {
        try {
            fs.mkdirSync(part);
            made.push(part);
        } catch (err) {
            if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
        }
    }
    return made;
}

/** What the probe found: why the directory cannot be made, or what it would hold besides a plan. */
export interface OutDirProbe {
    /** The system's answer (ENAMETOOLONG, EROFS...) when it cannot be made. */
    cannotBeMade?: string;
    /**
     * Its entries that are not a plan's files, read where the plan would be written (sweep s22b C1:
     * `--out ..` emptied the parent); the folders the probe itself made do not count.
     */
    besides: string[];
    /** Whether it was there before this run: a failed run then leaves the directory itself (sweep s28 O2). */
    existed: boolean;
}

/**
 * Makes `outDir` as the plan would, reads the directory the system resolves it to, and removes
 * what it made. Read while those folders exist: `<dir>/new/..` resolves to `<dir>` only then, and a
 * check after would find nothing and let the plan replace `<dir>`'s files (sweep s28 O1).
 */
export function probeOutDir(outDir: string): OutDirProbe {
    const existed = fs.existsSync(outDir);
    // Filled as each part is made, so that a later part's failure still removes the earlier ones (review s25 D2).
    const made: string[] = [];
    try {
        makeOutDir(outDir, made);
        const real = fs.realpathSync.native(outDir);
        if (!fs.statSync(real).isDirectory()) return { besides: [path.basename(real)], existed };
        const ours = new Set(made.map((part) => fs.realpathSync.native(part)));
        return { besides: besidePlanFiles(fs.readdirSync(real).filter((entry) => !ours.has(path.join(real, entry)))), existed };
    } catch (err) {
        return { cannotBeMade: (err as NodeJS.ErrnoException).code ?? String(err), besides: [], existed };
    } finally {
        for (const part of made.reverse()) fs.rmdirSync(part);
    }
}

/**
 * Removes a plan's files from its directory, and the directory once nothing else is in it, unless
 * `keepDirectory` (a directory that was there before this run: sweep s28 O2).
 */
export function removePlanFiles(outDir: string, keepDirectory = false): void {
    if (!fs.existsSync(outDir) || !fs.statSync(outDir).isDirectory()) return;
    const real = fs.realpathSync.native(outDir);
    for (const file of PLAN_FILE_NAMES) fs.rmSync(path.join(real, file), { force: true });
    if (keepDirectory) return;
    // A link the user gave as --out stays, and so does what it points to (sweep s25 F2); `dir/.` is
    // removed as `dir` (rmdir refuses a path ending in '.': sweep s26 F1), `..` never.
    // Only trailing `/.` parts are taken off: folding `..` in the text would name another directory
    // than the one a link leads to (review s24e 5).
    const named = withoutFinalSlash(outDir).replace(/(?:\/+\.)+$/, "") || ".";
    if (fs.readdirSync(real).length === 0 && !isLink(named) && ![".", ".."].includes(path.basename(named))) fs.rmdirSync(real);
}

/**
 * Writes the plan's files where the system resolves `outDir` (path.join would fold `a/link/../x`
 * into `a/x`, another directory: review s24f 7; the native realpath, as Node's own folds `..` before
 * it follows a link), then removes the folders it made that the plan is not in (`a/../b` makes `a`:
 * sweep s28 O2).
 */
export function writePlanFiles(outDir: string, files: PlanFiles): void {
    // The earlier plan's files only: the folder stays as it is, its mode, owner and inode, or a mount
    // point (review s25c O1).
    removePlanFiles(outDir, true);
    const made = makeOutDir(outDir);
    const real = fs.realpathSync.native(outDir);
    /** Removes, innermost first, the folders this run made that are empty and `gone` names. */
    const removeMade = (gone: (madeReal: string) => boolean) => [...made].reverse().forEach((part) => {
        const madeReal = fs.realpathSync.native(part);
        if (gone(madeReal) && fs.readdirSync(madeReal).length === 0) fs.rmdirSync(part);
    });
    try {
        for (const [file, content] of Object.entries(files)) {
            fs.writeFileSync(path.join(real, file), content);
        }
    } catch (err) {
        // A write that fails part-way (a full disk) leaves none of the plan, and none of the folders it made (review s25c O2).
        for (const file of PLAN_FILE_NAMES) fs.rmSync(path.join(real, file), { force: true });
        removeMade(() => true);
        throw err;
    }
    removeMade((madeReal) => madeReal !== real && !real.startsWith(`${madeReal}${path.sep}`));
}
