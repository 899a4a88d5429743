/** One published unit price, carrying where it was read so a report can print it. */
export interface PriceEntry {
    usd: number;
    /** What one unit is: "hour", "GB-month", "OCPU-hour", "month". */
    unit: string;
    /** The page or file the number was read from. */
    source: string;
    /** The date it was read (YYYY-MM-DD). */
    asOf: string;
    note?: string;
}

/** A month is 730 hours (8,760 h / 12), the convention AWS's and Oracle's calculators use. */
export const HOURS_PER_MONTH = 730;

export const entry = (usd: number, unit: string, source: string, asOf: string, note?: string): PriceEntry => ({ usd, unit, source, asOf, ...(note ? { note } : {}) });
