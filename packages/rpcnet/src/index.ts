export * from '@rpcnet/cluster-client';
export * from '@rpcnet/core';
export * from '@rpcnet/gossip';
export * from '@rpcnet/phi';
export * from '@rpcnet/registry';
