/**
 * One explicit AWS provider per account and region. `allowedAccountIds` makes the provider refuse
 * to touch any other account, so a stack can never be applied with the wrong credentials.
 */
import * as aws from "@pulumi/aws";
import { PROJECT } from "../naming";

export interface ProviderPlacement {
    accountId: string;
    region: string;
    /** The role to assume in that account; else the ambient credentials, which must belong to it. */
    deployRoleArn?: string;
    /** Tags every resource of the provider carries, for cost and ownership. */
    tags: Record<string, string>;
}

export function awsProvider(name: string, placement: ProviderPlacement): aws.Provider {
    return new aws.Provider(name, {
        region: placement.region as aws.Region,
        allowedAccountIds: [placement.accountId],
        assumeRoles: placement.deployRoleArn
            ? [{ roleArn: placement.deployRoleArn, sessionName: `${PROJECT}-deploy` }]
            : undefined,
        // The program's own tags come last: a user tag never replaces them (config validation rejects one anyway).
        defaultTags: { tags: { ...placement.tags, project: PROJECT, "managed-by": "pulumi" } },
    });
}
