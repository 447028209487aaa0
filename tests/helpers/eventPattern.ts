/**
 * The subset of EventBridge pattern matching the program's rules use: lists of literal values,
 * `{ exists: boolean }` and `{ prefix: string }`, nested by field. Enough to show which rule a given event reaches.
 */
export function matchesPattern(pattern: unknown, event: unknown): boolean {
    if (Array.isArray(pattern)) {
        return pattern.some((p) =>
            p !== null && typeof p === "object" && "exists" in p
                ? (event !== undefined) === (p as { exists: boolean }).exists
                : p !== null && typeof p === "object" && "prefix" in p
                  ? typeof event === "string" && event.startsWith((p as { prefix: string }).prefix)
                  : p === event,
        );
    }
    if (pattern !== null && typeof pattern === "object") {
        const obj = (event ?? {}) as Record<string, unknown>;
        return Object.entries(pattern).every(([k, p]) => matchesPattern(p, obj[k]));
    }
    return false;
}
