/** Mocha root hooks of the integration suite: no server outlives the run. */
import { stopAllServers } from "./processes";

export const mochaHooks = {
    async afterAll(): Promise<void> {
        await stopAllServers();
    },
};
