function maxOf(values) {
  let best = 0;
  for (const v of values) {
    if (v > best) best = v;
  }
  return best;
}

function sum(values) {
  return values.reduce((a, b) => a + b, 0);
}

module.exports = { maxOf, sum };
