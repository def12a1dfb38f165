/** A Python Thrift client of the Hive Metastore (hive-metastore-client from PyPI, pinned), for assertions. */
import { run } from "../support/cache";
import { ensureVenv } from "../support/python";

/** hive-metastore-client 1.0.9 pins thrift 0.13.0; both pinned here. */
export const thriftClientRequirements = ["hive-metastore-client==1.0.9", "thrift==0.13.0"] as const;

/**
 * Runs Python with `client`, an open HiveMetastoreClient on the metastore, and the Thrift types
 * imported (`Database`, ...); the snippet prints JSON, which is returned parsed.
 */
export function withMetastoreClient<T>(thriftUri: string, code: string): T {
    const venv = ensureVenv({ name: "hive-metastore-client", requirements: thriftClientRequirements });
    const m = /^thrift:\/\/([^:]+):(\d+)$/.exec(thriftUri);
    if (!m) throw new Error(`not a thrift://host:port URI: ${thriftUri}`);
    const body = code.split("\n").map((l) => `    ${l}`).join("\n");
    const script = [
        "import json",
        "from hive_metastore_client import HiveMetastoreClient",
        "from thrift_files.libraries.thrift_hive_metastore_client.ttypes import *",
        `with HiveMetastoreClient(${JSON.stringify(m[1])}, ${m[2]}) as client:`,
        body,
    ].join("\n");
    return JSON.parse(run(venv.python, ["-c", script], { what: "Hive Metastore Thrift client", timeout: 120000 })) as T;
}
