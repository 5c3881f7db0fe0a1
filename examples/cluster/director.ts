// The cluster example's director: the workers' gossip seed, the service clients ask for a worker
// (LeastConnections over its WorkerRegistry), and a `compute` request to every worker every
// DIRECTOR_REQUEST_INTERVAL_MS (5 s). Configured by DIRECTOR_ADDR and friends.
import { runDirector } from '../shared/run-director.js';
import { periodicWorkerRequests } from './director-requests.js';

runDirector(periodicWorkerRequests);
