import { loadConfig } from "./components/config";
import { createPlatform } from "./components/platform";

const platform = createPlatform(loadConfig());

export const environment = platform.environment;
export const scenarios = platform.scenarios;
export const region = platform.region;
export const vpcId = platform.vpcId;
export const privateSubnetIds = platform.privateSubnetIds;
export const clusterName = platform.clusterName;
export const clusterEndpoint = platform.clusterEndpoint;
export const kubernetesVersion = platform.kubernetesVersion;
export const kubeconfig = platform.kubeconfig;
export const nodeGroups = platform.nodeGroups;
export const buckets = platform.buckets;
export const kmsKeyArn = platform.kmsKeyArn;
export const secretArns = platform.secretArns;
export const workloadRoleArns = platform.workloadRoleArns;
export const databaseAddress = platform.databaseAddress;
export const endpoints = platform.endpoints;
export const eventLogDir = platform.eventLogDir;
