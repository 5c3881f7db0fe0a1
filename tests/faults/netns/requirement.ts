/**
 * Whether this run must be able to run the netns suites, so a refusal fails instead of skipping:
 * in CI (`CI=true`, where `.ci/system-tests-setup.sh` installed the tools and the job is root) or
 * when asked with `RPCNET_REQUIRE_NETNS=1`.
 */
export function netnsRequired(): boolean {
  return process.env.CI === 'true' || process.env.RPCNET_REQUIRE_NETNS === '1';
}

/** `text` between two rules of `!`, so a skip stands out in the test log. */
export function banner(text: string): string {
  const rule = '!'.repeat(100);
  return `\n${rule}\n${text}\n${rule}`;
}
