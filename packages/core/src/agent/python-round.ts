/**
 * Python's `round(x, digits)`: rounds the exact binary value half to even, so results match the
 * Python Event Kit bit for bit (`Math.round(x * 1000) / 1000` differs on values such as 0.0625).
 *
 * @example
 * pythonRound(2.4059999999999997, 3); // 2.406
 * pythonRound(0.0625, 3); // 0.062 (half to even)
 */
export function pythonRound(value: number, digits = 3): number {
  if (!Number.isFinite(value) || Math.abs(value) >= 1e15) return value;
  // toFixed(100) is the exact decimal expansion for the magnitudes scores have.
  const exact = Math.abs(value).toFixed(100);
  const [whole = '0', fraction = ''] = exact.split('.');
  const kept = fraction.slice(0, digits);
  const rest = fraction.slice(digits);
  let digitsStr = whole + kept;
  const first = rest[0] ?? '0';
  const tail = rest.slice(1);
  const lastKept = Number(digitsStr[digitsStr.length - 1] ?? '0');
  const roundUp = first > '5' || (first === '5' && (/[1-9]/.test(tail) || lastKept % 2 === 1));
  if (roundUp) digitsStr = (BigInt(digitsStr) + 1n).toString().padStart(digitsStr.length, '0');
  const intPart = digitsStr.slice(0, digitsStr.length - digits) || '0';
  const fracPart = digitsStr.slice(digitsStr.length - digits);
  const result = Number(digits > 0 ? `${intPart}.${fracPart}` : intPart);
  return value < 0 ? -result : result;
}
