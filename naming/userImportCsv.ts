/**
 * The CSV that Cognito's user import job reads, shared by the DR tool (`export-users`,
 * `import-users`) and the monthly round-trip Lambda, so the file a drill proves is the file a
 * recovery imports. The columns are exactly those GetCSVHeader returned for the target pool
 * (Cognito rejects a file whose header differs). Passwords and MFA secrets can never be exported,
 * so MFA starts off and every imported user must reset their password.
 *
 * This module imports nothing: the Lambda ships it as is, without any package.
 */

/** A user as the exports hold it: the pool's username and its attribute values. */
export interface CsvUser {
    username: string;
    attributes: Record<string, string | undefined>;
}

/** One CSV field, quoted when it holds a quote, comma or line break (RFC 4180). */
export function csvField(value: string): string {
    return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** The import CSV in exactly `header`'s columns, one row a user. */
export function userImportCsv(header: string[], users: CsvUser[]): string {
    const rows = users.map((u) =>
        header
            .map((column) => {
                if (column === "cognito:username") return u.username;
                if (column === "cognito:mfa_enabled") return "false";
                return u.attributes[column] ?? "";
            })
            .map(csvField)
            .join(","),
    );
    return `${[header.map(csvField).join(","), ...rows].join("\n")}\n`;
}
