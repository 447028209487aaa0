/**
 * `TablePitr`: keeps point-in-time recovery on a DynamoDB table this program does not own, and
 * takes over a table that appears after the stack was deployed (an account rebuilt from the backup
 * account: the stack deploys first, the tables are restored into it afterwards).
 *
 * A thin wrapper: the logic lives in `pitrProvider.ts` and is loaded by the provider at run time
 * (see `loadProjectModule`), so the serialized provider stays a few lines long and does not drag
 * the AWS SDK into every resource's state.
 */
import * as pulumi from "@pulumi/pulumi";
import { loadProjectModule } from "../dynamic/loadProjectModule";
import type { TablePitrInputs, TablePitrLogic, TablePitrOutputs } from "./pitrProvider";

export interface TablePitrArgs {
    /** Name of the existing table, e.g. `prod-env-receipts`. */
    tableName: pulumi.Input<string>;
    /** Days of continuous backups, 1 to 35; defaults to 35 (the RPO target's full window). */
    recoveryPeriodDays?: pulumi.Input<number>;
    /** The stack's own region and account; the provider refuses to act anywhere else. */
    region: pulumi.Input<string>;
    accountId: pulumi.Input<string>;
    /** The stack's deployment role in `accountId`; assumed for every call. */
    assumeRoleArn?: pulumi.Input<string>;
}

/** Type token the engine records: `pulumi-nodejs:dynamic/<module>:<type>`. */
export const TABLE_PITR_TYPE = "pulumi-nodejs:dynamic/backup:TablePitr";
export const DEFAULT_RECOVERY_PERIOD_DAYS = 35;

/** In the state of every deployed TablePitr: never move this file (the provider-host spec pins it). */
export const PITR_LOGIC_MODULE = "components/dynamodb/pitrProvider";

function pitrLogic(): TablePitrLogic {
    const logic = loadProjectModule(PITR_LOGIC_MODULE) as { TablePitrLogic: new () => TablePitrLogic };
    return new logic.TablePitrLogic();
}

/** The serialized provider: each method loads the logic when it runs, capturing nothing else. */
export const tablePitrProvider: pulumi.dynamic.ResourceProvider<TablePitrInputs, TablePitrOutputs> = {
    check: (olds, news) => pitrLogic().check(olds, news),
    diff: (id, olds, news) => pitrLogic().diff(id, olds, news),
    create: (inputs) => pitrLogic().create(inputs),
    read: (id, props) => pitrLogic().read(id, props as TablePitrOutputs),
    update: (id, olds, news) => pitrLogic().update(id, olds, news),
    delete: (id, props) => pitrLogic().delete(id, props),
};

export class TablePitr extends pulumi.dynamic.Resource {
    declare public readonly tableName: pulumi.Output<string>;
    declare public readonly tableArn: pulumi.Output<string>;
    declare public readonly recoveryPeriodDays: pulumi.Output<number>;
    /** False while the table does not exist: PITR is pending until a `pulumi up` after the table appears. */
    declare public readonly tableExists: pulumi.Output<boolean>;
    declare public readonly pitrEnabled: pulumi.Output<boolean | undefined>;
    declare public readonly pitrStatus: pulumi.Output<string | undefined>;
    declare public readonly continuousBackupsStatus: pulumi.Output<string | undefined>;

    constructor(name: string, args: TablePitrArgs, opts?: pulumi.CustomResourceOptions) {
        super(
            tablePitrProvider,
            name,
            {
                tableName: args.tableName,
                recoveryPeriodDays: args.recoveryPeriodDays ?? DEFAULT_RECOVERY_PERIOD_DAYS,
                region: args.region,
                accountId: args.accountId,
                assumeRoleArn: args.assumeRoleArn,
                tableArn: undefined,
                tableExists: undefined,
                pitrEnabled: undefined,
                pitrStatus: undefined,
                continuousBackupsStatus: undefined,
            },
            opts,
            "backup",
            "TablePitr",
        );
    }
}
