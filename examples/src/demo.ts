// Placeholder for the local cluster demo (director, three workers, a client).
// The real demo lands with the examples issue; until then this says so honestly
// and proves that the workspace packages resolve and load.
import * as rpcnet from 'rpcnet';

const exported = Object.keys(rpcnet).length;
console.log('rpcnet demo: the cluster demo is not built yet (examples issue pending).');
console.log(`rpcnet loaded: ${exported} public exports available.`);
