import type { DemoState } from './demo-state.js';

/** Log lines kept for the terminal view. */
const RECENT_LINES = 10;
/** The client's per-token lines carry this mark; the terminal view leaves them out. */
const TOKEN_LINE_MARK = '🔤';

/** Fixed-width columns of the members table. */
const COLUMNS = [
  ['MEMBER', 10],
  ['ROLE', 9],
  ['STATE', 8],
  ['HEALTH', 10],
  ['PHASE', 11],
  ['PHI', 6],
  ['IN-FLIGHT', 10],
  ['ASSIGNED', 9],
  ['TOKENS', 7],
] as const;

const pad = (text: string, width: number): string =>
  text.length >= width ? `${text.slice(0, width - 1)} ` : text.padEnd(width);

/**
 * The demo's live view. In a terminal it redraws a table in place (members, states, phi, calls in
 * flight per worker, tokens, failovers) above the latest log lines; otherwise it prints plain
 * lines: every child log line as it comes and a status line every few seconds.
 */
export class LiveView {
  readonly #state: DemoState;
  #tty: boolean;
  readonly #out: NodeJS.WriteStream;
  readonly #recent: string[] = [];
  readonly #startedAt = Date.now();
  #drawnLines = 0;
  #drawnAt = 0;

  constructor(state: DemoState, tty: boolean, out: NodeJS.WriteStream = process.stdout) {
    this.#state = state;
    this.#tty = tty;
    this.#out = out;
  }

  /** A line of output from a child process or the demo. */
  line(text: string): void {
    if (!this.#tty) {
      this.#out.write(`${text}\n`);
      return;
    }
    // Per-token lines (30 a second) would push every other line out; the table counts tokens.
    if (text.includes(TOKEN_LINE_MARK)) return;
    this.#recent.push(text);
    if (this.#recent.length > RECENT_LINES) this.#recent.shift();
  }

  /** Redraws the table (terminal) or prints one status line (plain). */
  refresh(remainingS: number): void {
    if (!this.#tty) {
      this.#out.write(`${this.statusLine(remainingS)}\n`);
      return;
    }
    // Lines are cut to the terminal width: a wrapped line would throw off the redraw.
    const frame = [...this.table(remainingS), '', ...this.#recent].map((l) =>
      l.slice(0, this.#width()),
    );
    // Move up over the previous frame and clear to the end of the screen before drawing.
    const rewind = this.#drawnLines > 0 ? `\x1b[${this.#drawnLines}A\x1b[0J` : '';
    this.#out.write(`${rewind}${frame.join('\n')}\n`);
    this.#drawnLines = frame.length;
    this.#drawnAt = Date.now();
  }

  /** In a terminal, redraws if the last frame is older than `intervalMs`; plain output: nothing. */
  tick(remainingS: number, intervalMs = 250): void {
    if (this.#tty && Date.now() - this.#drawnAt >= intervalMs) this.refresh(remainingS);
  }

  /** Leaves the terminal view: the summary and later lines print below the last frame. */
  close(): void {
    this.#drawnLines = 0;
    this.#tty = false;
  }

  /** The table rows of the terminal view. */
  table(remainingS: number): string[] {
    const state = this.#state;
    const elapsed = ((Date.now() - this.#startedAt) / 1000).toFixed(0);
    const rows = [
      `rpcnet cluster demo: ${elapsed} s elapsed, ${Math.max(0, remainingS).toFixed(0)} s left (Ctrl-C stops early)`,
      '',
      COLUMNS.map(([title, width]) => pad(title, width)).join(''),
    ];
    const members = [...state.members].sort((a, b) => a.label.localeCompare(b.label));
    for (const member of members) {
      const self = state.workers.get(member.label);
      const cells = [
        member.label,
        member.role,
        member.state,
        member.healthy ? 'healthy' : 'UNHEALTHY',
        self?.phase ?? '-',
        member.phi === undefined ? '-' : member.phi.toFixed(2),
        self === undefined ? '-' : String(self.activeCalls),
        member.role === 'worker' ? String(member.assigned) : '-',
        self === undefined ? '-' : String(self.tokensServed),
      ];
      rows.push(cells.map((cell, i) => pad(cell, COLUMNS[i]?.[1] ?? 8)).join(''));
    }
    if (members.length === 0) rows.push('(waiting for the director to report members)');
    rows.push('', this.clientLine());
    return rows;
  }

  /** `client: 12 calls (2 active), 10 completed, 0 lost, 1 failover, 240 tokens`. */
  clientLine(): string {
    const c = this.#state.client;
    if (c === undefined) return 'client: not started yet';
    const last = this.#state.failovers.at(-1);
    const lastText = last === undefined ? '' : ` (last: ${last.from} → ${last.to})`;
    return `client: ${c.callsStarted} calls (${c.activeCalls} active), ${c.callsCompleted} completed, ${c.callsLost} lost, ${c.tokens} tokens, ${c.failovers} failovers${lastText}`;
  }

  /** The plain-output status line. */
  statusLine(remainingS: number): string {
    const workers = [...this.#state.members]
      .filter((m) => m.role === 'worker')
      .sort((a, b) => a.label.localeCompare(b.label))
      .map((m) => {
        const self = this.#state.workers.get(m.label);
        const phi = m.phi === undefined ? '-' : m.phi.toFixed(1);
        const health = m.healthy ? '' : ' unhealthy';
        return `${m.label} ${m.state}${health} ${self?.phase ?? '?'} phi=${phi} in-flight=${self?.activeCalls ?? 0}`;
      });
    return `[demo] ${Math.max(0, remainingS).toFixed(0)} s left | ${workers.join(' | ') || 'no workers yet'} | ${this.clientLine()}`;
  }

  #width(): number {
    return Math.max(40, (this.#out.columns ?? 100) - 1);
  }
}
