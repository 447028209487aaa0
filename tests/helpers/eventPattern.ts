/**
 * The subset of EventBridge pattern matching the program's rules use: lists of literal values and
 * `{ exists: boolean }`, nested by field. Enough to show which rule a given event reaches.
 */
export function matchesPattern(pattern: unknown, event: unknown): boolean {
    if (Array.isArray(pattern)) {
        return pattern.some((p) =>
            p !== null && typeof p === "object" && "exists" in p
                ? (event !== undefined) === (p as { exists: boolean }).exists
                : p === event,
        );
    }
    if (pattern !== null && typeof pattern === "object") {
        const obj = (event ?? {}) as Record<string, unknown>;
        return Object.entries(pattern).every(([k, p]) => matchesPattern(p, obj[k]));
    }
    return false;
}
