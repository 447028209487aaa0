/**
 * The Pulumi program. The stack's config (`vat-backup:role`) chooses what this account gets:
 * a deployment account (prod, ci), the backup account, or the organization's management account.
 * Config is validated before any resource is registered.
 */
import { loadStackConfig } from "./stacks/config";
import { runStack } from "./stacks";

export = runStack(loadStackConfig());
