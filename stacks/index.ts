/** Chooses the stack program from the validated config's role. */
import { StackConfig } from "./config";
import { deploymentStack } from "./deployment";

export function runStack(config: StackConfig): Record<string, unknown> {
    switch (config.role) {
        case "deployment":
            return deploymentStack(config);
    }
}
