/**
 * The stack's monthly price from the cost pack's price model (policies/cost priceStack), rendered
 * for the reviewer as cost.json and cost.md beside the plan, with the budget the cost pack's
 * `monthly-budget` policy enforces (the same number `npm run policy-config` gives CI).
 */
import { PriceLine } from "../policies/cost/price-line";
import { priceStack } from "../policies/cost/stack-price";
import { RecordedResource } from "./monitor";

export interface CostReport {
    stack: string;
    /** Sum of every line, USD a month, rounded to cents; unpriced lines count $0. */
    monthlyUsd: number;
    /** The same with every Auto Scaling group at its maximum size; the budget is held to this. */
    ceilingUsd: number;
    /** `groundwork:cost.monthlyBudgetUsd`; null when the stack sets none. */
    budgetUsd: number | null;
    /** Whether the price at maximum scale is within the budget; null without a budget. */
    withinBudget: boolean | null;
    /** Most expensive first, then by resource and item: stable from run to run. */
    lines: PriceLine[];
    /** Lines the model has no price for (not in the total). */
    unpriced: PriceLine[];
}

const compareLines = (a: PriceLine, b: PriceLine) => b.monthlyUsd - a.monthlyUsd || a.urn.localeCompare(b.urn) || a.item.localeCompare(b.item);

/** Prices the plan's resources (masked inputs, as the policy sees them). */
export function costReport(stack: string, resources: RecordedResource[], budgetUsd?: number): CostReport {
    const price = priceStack(resources.map((r) => ({ type: r.type, name: r.name, urn: r.urn, props: r.inputs as Record<string, any>, provider: r.provider, parent: r.parent, dependencies: r.dependencies })));
    const budget = budgetUsd ?? null;
    return {
        stack,
        monthlyUsd: price.monthlyUsd,
        ceilingUsd: price.ceilingUsd,
        budgetUsd: budget,
        withinBudget: budget === null ? null : price.ceilingUsd <= budget,
        lines: [...price.lines].sort(compareLines),
        unpriced: [...price.unpriced].sort(compareLines),
    };
}

const usd = (n: number) => `$${n.toFixed(2)}`;
/** Unit prices can be fractions of a cent (per GB-hour): up to four decimals, at least two. */
const unitUsd = (n: number) => `$${n.toFixed(4).replace(/(\.\d\d)(\d*?)0+$/, "$1$2")}`;
const cell = (text: string) => text.replace(/\s*\n\s*/g, " ").replace(/\|/g, "\\|");

/** The one line the plan's summary prints. */
export function costSummaryLine(report: CostReport): string {
    const budget = report.budgetUsd === null ? "no budget" : `budget ${usd(report.budgetUsd)}${report.withinBudget ? "" : ", OVER BUDGET"}`;
    const ceiling = report.ceilingUsd > report.monthlyUsd ? `, up to ${usd(report.ceilingUsd)} at maximum scale` : "";
    return `price: ${usd(report.monthlyUsd)} / month${ceiling} (${budget})`;
}

export function renderCostMarkdown(report: CostReport): string {
    const verdict = report.budgetUsd === null
        ? "No budget set (`groundwork:cost.monthlyBudgetUsd`)."
        : `Budget ${usd(report.budgetUsd)} / month: ${report.withinBudget ? "**pass**" : `**fail**, ${usd(report.ceilingUsd - report.budgetUsd)} over`}.`;
    const ceiling = report.ceilingUsd > report.monthlyUsd
        ? ` Up to ${usd(report.ceilingUsd)} / month with every Auto Scaling group at its maximum size; the budget is held to that.`
        : "";
    const lines = [
        `# Monthly price: stack \`${report.stack}\``,
        "",
        `Total ${usd(report.monthlyUsd)} / month (list prices, 730 h a month).${ceiling} ${verdict}`,
        "",
    ];
    if (report.lines.length === 0) {
        lines.push("No priced resources: nothing in this stack is billed by a cloud.");
    } else {
        lines.push("| resource | item | quantity | unit price | monthly USD | at maximum scale | source |", "| --- | --- | --- | --- | --- | --- | --- |");
        for (const l of report.lines) {
            const unit = l.status === "unpriced" ? "unpriced" : `${unitUsd(l.unitUsd)} / ${l.unit}`;
            const monthly = l.status === "priced" ? usd(l.monthlyUsd) : `${usd(l.monthlyUsd)} (${l.status})`;
            const source = l.source ? `${l.source} (${l.asOf})` : "";
            const item = l.note ? `${l.item}; ${l.note}` : l.item;
            const atMax = l.ceilingUsd !== undefined ? usd(l.ceilingUsd) : "";
            lines.push(`| ${cell(`\`${l.type}\` ${l.name}`)} | ${cell(item)} | ${l.quantity} | ${cell(unit)} | ${monthly} | ${atMax} | ${cell(source)} |`);
        }
    }
    if (report.unpriced.length > 0) {
        lines.push("", `Unpriced (not in the total): ${report.unpriced.map((l) => `${l.name} (${l.item})`).join("; ")}.`);
    }
    return lines.join("\n") + "\n";
}

/** The two files, ready for renderPlanFiles. */
export function renderCostFiles(report: CostReport): Record<string, string> {
    return {
        "cost.json": JSON.stringify(report, null, 2) + "\n",
        "cost.md": renderCostMarkdown(report),
    };
}
