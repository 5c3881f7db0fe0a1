// The connection_swap example's director: the same director as the cluster example. Workers find
// it through gossip (no registration RPC, no management port, no heartbeat loop); clients ask it
// for a worker with `assign_worker`.
import { runDirector } from '../shared/run-director.js';

runDirector();
