/**
 * How often an AWS Backup schedule runs, for the frequency policy. AWS Backup schedules are
 * six-field cron expressions in UTC; with none, AWS uses `cron(0 5 ? * * *)`, daily at 05:00.
 */

export const DEFAULT_SCHEDULE = "cron(0 5 ? * * *)";

const DAY_NAMES: Record<string, number> = { SUN: 1, MON: 2, TUE: 3, WED: 4, THU: 5, FRI: 6, SAT: 7 };
const MONTH_NAMES: Record<string, number> = {
    JAN: 1,
    FEB: 2,
    MAR: 3,
    APR: 4,
    MAY: 5,
    JUN: 6,
    JUL: 7,
    AUG: 8,
    SEP: 9,
    OCT: 10,
    NOV: 11,
    DEC: 12,
};

/** The values a cron field selects within [min, max], or undefined for forms this parser does not read (L, W, #). */
function expand(field: string, min: number, max: number, names: Record<string, number> = {}): Set<number> | undefined {
    const out = new Set<number>();
    const num = (s: string) => (s.toUpperCase() in names ? names[s.toUpperCase()] : /^\d+$/.test(s) ? Number(s) : NaN);
    for (const part of field.split(",")) {
        const [range, stepText] = part.split("/");
        const step = stepText === undefined ? 1 : Number(stepText);
        let from: number;
        let to: number;
        if (range === "*" || range === "?") {
            from = min;
            to = max;
        } else if (range.includes("-")) {
            const [a, b] = range.split("-");
            from = num(a);
            to = num(b);
        } else {
            from = num(range);
            to = stepText === undefined ? from : max;
        }
        if (![from, to, step].every(Number.isFinite) || step < 1 || from < min || to > max) return undefined;
        for (let v = from; v <= to; v += step) out.add(v);
    }
    return out;
}

/** The longest gap between consecutive selected values on a circle of `size` (a day's hours, a week's days). */
function longestCircularGap(values: Set<number>, size: number, offset: number): number {
    const sorted = [...values].map((v) => v - offset).sort((a, b) => a - b);
    let gap = sorted[0] + size - sorted[sorted.length - 1];
    for (let i = 1; i < sorted.length; i++) gap = Math.max(gap, sorted[i] - sorted[i - 1]);
    return gap;
}

/**
 * The longest interval between two runs, in hours, or undefined when the expression cannot be read.
 * Days-of-month are treated on a 31-day month, which is precise enough to tell daily from rarer.
 */
export function longestIntervalHours(schedule: string | undefined): number | undefined {
    const match = /^cron\((.*)\)$/.exec((schedule ?? DEFAULT_SCHEDULE).trim());
    if (!match) return undefined;
    const fields = match[1].trim().split(/\s+/);
    if (fields.length !== 6) return undefined;
    const [minutes, hours, dayOfMonth, month, dayOfWeek, year] = fields;
    const minuteSet = expand(minutes, 0, 59);
    const hourSet = expand(hours, 0, 23);
    const domSet = expand(dayOfMonth, 1, 31);
    const monthSet = expand(month, 1, 12, MONTH_NAMES);
    const dowSet = expand(dayOfWeek, 1, 7, DAY_NAMES);
    if (!minuteSet || !hourSet || !domSet || !monthSet || !dowSet || year !== "*") return undefined;

    const hourGap = longestCircularGap(hourSet, 24, 0);
    if (monthSet.size < 12) return Math.max(hourGap, 24 * 31 * longestCircularGap(monthSet, 12, 1));
    const everyDayOfMonth = domSet.size === 31;
    const everyDayOfWeek = dowSet.size === 7;
    // One of the two day fields is '?', the other selects the days.
    if (everyDayOfMonth && everyDayOfWeek) return hourGap;
    const dayGap = everyDayOfMonth ? longestCircularGap(dowSet, 7, 1) : longestCircularGap(domSet, 31, 1);
    return Math.max(hourGap, 24 * dayGap);
}
