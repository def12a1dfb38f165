/**
 * The Spark-aware rule family: resources Spark drivers and executors declare, executors that fit
 * their nodes, spot nodes for executors only, GPU nodes for GPU pods only, and dynamic allocation
 * that keeps shuffle data. Plain exported rules; policies/index.ts builds the pack from them.
 */
import { PlatformRule } from "../lib/rule";
import { dynamicAllocationNeedsShuffle } from "./dynamicAllocation";
import { executorFitsNode } from "./executorFitsNode";
import { executorsOnSpotOnlyExecutors } from "./executorPlacement";
import { gpuIsolation } from "./gpuIsolation";
import { sparkResourcesDeclared } from "./resourcesDeclared";

export { dynamicAllocationNeedsShuffle, executorFitsNode, executorsOnSpotOnlyExecutors, gpuIsolation, sparkResourcesDeclared };

export const sparkRules: PlatformRule[] = [sparkResourcesDeclared, executorFitsNode, executorsOnSpotOnlyExecutors, gpuIsolation, dynamicAllocationNeedsShuffle];
