// The cluster example's director: the workers' gossip seed, and the service clients ask for a
// worker (LeastConnections over its WorkerRegistry). Configured by DIRECTOR_ADDR and friends.
import { runDirector } from '../shared/run-director.js';

runDirector();
