import { loadConfig } from "./components/config";
import { createPlatform } from "./components/platform";

// An async program: the platform looks its image digests up before it creates the workloads. The
// resolved object's fields are the stack outputs (PlatformOutputs documents each).
export = async () => createPlatform(loadConfig());
