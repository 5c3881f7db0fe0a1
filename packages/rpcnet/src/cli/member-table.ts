import type { MemberView } from '@rpcnet/management';

const COLUMNS = ['MEMBER', 'ID', 'STATE', 'GOSSIP', 'RPC', 'INC', 'PHI', 'TAGS'] as const;

/** Members as an aligned text table, one row per member, alive ones first. */
export function formatMemberTable(members: readonly MemberView[]): string {
  const order = { alive: 0, suspect: 1, dead: 2, left: 3 } as const;
  const rows = [...members]
    .sort((a, b) => order[a.state] - order[b.state] || labelOf(a).localeCompare(labelOf(b)))
    .map((member) => [
      labelOf(member),
      member.id,
      member.state,
      member.gossipAddress,
      member.rpcAddress ?? '-',
      String(member.incarnation),
      member.phi === null ? '-' : member.phi.toFixed(2),
      Object.entries(member.tags)
        .map(([key, value]) => `${key}=${value}`)
        .join(','),
    ]);
  const table = [[...COLUMNS], ...rows];
  const widths = COLUMNS.map((_, column) =>
    Math.max(...table.map((row) => row[column]?.length ?? 0)),
  );
  return table
    .map((row) =>
      row
        .map((cell, column) => cell.padEnd(widths[column] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** A one-line count by state, e.g. `3 alive, 1 suspect, 0 dead, 0 left`. */
export function formatStateCounts(members: readonly MemberView[]): string {
  const count = (state: MemberView['state']) => members.filter((m) => m.state === state).length;
  return `${count('alive')} alive, ${count('suspect')} suspect, ${count('dead')} dead, ${count('left')} left`;
}

function labelOf(member: MemberView): string {
  return member.tags.label ?? member.tags.name ?? member.id.slice(0, 8);
}
