/** The `code` label of a call that succeeded. */
export const OK = 'OK';
