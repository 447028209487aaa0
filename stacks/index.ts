/** Chooses the stack program from the validated config's role. */
import { StackConfig } from "./config";
import { backupStack } from "./backup";
import { deploymentStack } from "./deployment";
import { organizationStack } from "./organization";

export function runStack(config: StackConfig): Record<string, unknown> {
    switch (config.role) {
        case "deployment":
            return deploymentStack(config);
        case "backup":
            return backupStack(config);
        case "organization":
            return organizationStack(config);
    }
}
