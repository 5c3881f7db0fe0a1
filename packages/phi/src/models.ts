const LN10 = Math.LN10;

/**
 * Phi under Akka's logistic approximation of the normal distribution:
 * `y = (elapsed - mean) / stdDev`, `z = y * (1.5976 + 0.070566 * y^2)`,
 * `phi = -log10(1 / (1 + e^z)) = log10(1 + e^z)`. Finite for every finite input.
 */
export function normalPhi(elapsedMs: number, meanMs: number, stdDeviationMs: number): number {
  const y = (elapsedMs - meanMs) / stdDeviationMs;
  const z = y * (1.5976 + 0.070566 * y * y);
  // log(1 + e^z) evaluated without overflow: for large z, e^z is Infinity but z + log1p(e^-z) is not.
  const softplus = z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z));
  return softplus / LN10;
}

/**
 * Phi under Cassandra's exponential model: `phi = -log10(e^(-elapsed / mean)) = (elapsed / mean) / ln(10)`.
 */
export function exponentialPhi(elapsedMs: number, meanMs: number): number {
  return elapsedMs / meanMs / LN10;
}
