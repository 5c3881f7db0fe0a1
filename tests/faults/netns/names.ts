/** Prefix of every network namespace this harness creates; stale ones are found by it. */
export const NAMESPACE_PREFIX = 'rpcnet-fault-';

/** The namespace name for `role` owned by process `pid` (`rpcnet-fault-<pid>-<role>`). */
export function namespaceName(role: string, pid: number = process.pid): string {
  return `${NAMESPACE_PREFIX}${pid}-${role}`;
}

/** The pid that owns a harness namespace, or undefined for a foreign name. */
export function ownerPid(namespace: string): number | undefined {
  if (!namespace.startsWith(NAMESPACE_PREFIX)) return undefined;
  const pid = Number(namespace.slice(NAMESPACE_PREFIX.length).split('-')[0]);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}
