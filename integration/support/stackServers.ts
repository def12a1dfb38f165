/**
 * The servers a stack's Spark runs against on this machine, as the engine, smoke, notebook and
 * example suites start them: the local S3 server holding what the plan creates, the loopback EKS
 * Pod Identity endpoint, and the stack's Hive Metastore on PostgreSQL.
 */
import { StackRun } from "../../tools/harness";
import { seedBucketsFromPlan } from "./buckets";
import { Metastore, PodIdentityEndpoint, startMetastore, startPodIdentityEndpoint } from "./metastore";
import { LocalS3, startLocalS3 } from "./s3";

export interface StackServers {
    readonly s3: LocalS3;
    readonly podIdentity: PodIdentityEndpoint;
    readonly metastore: Metastore;
    /** Stops the Metastore, the endpoint and S3, in that order. */
    stop(): Promise<void>;
}

/** Starts a stack's servers: S3 seeded from the plan, the Pod Identity endpoint, the Metastore. */
export async function startStackServers(run: StackRun): Promise<StackServers> {
    const s3 = await startLocalS3();
    await seedBucketsFromPlan(run, s3);
    const podIdentity = await startPodIdentityEndpoint();
    const metastore = await startMetastore({ run, s3 });
    return {
        s3,
        podIdentity,
        metastore,
        stop: async () => {
            await metastore.stop();
            await podIdentity.close();
            await s3.stop();
        },
    };
}
