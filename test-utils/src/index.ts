export { freeUdpPort, freeUdpPorts } from './free-ports.js';
export { modelSeeds } from './model-seeds.js';
export { seedFromEnv } from './test-seed.js';
export { VIRTUAL_EPOCH_MS, virtualMonotonicClock, virtualWallClock } from './virtual-clocks.js';
export { rejectionOf, type WaitForOptions, waitFor } from './wait-for.js';
